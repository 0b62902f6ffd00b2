"""The dev extra installs everything the test suite imports, so that a partial install fails the run instead
of testing less: the modules import their dependencies plainly (no ``importorskip``), and this test checks
that each third-party module imported anywhere under ``tests/`` comes from a distribution that
``pip install -e .[dev]`` brings in, directly or as a dependency of one.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

TESTS = Path(__file__).resolve().parent
#: Importable names the suite provides itself: its helper modules and the fake xtquant package.
LOCAL = {"conftest", "helpers", "xtquant", "qmt_bridge"} | {p.stem for p in TESTS.rglob("*.py")}


#: An import statement's top-level module: ``import a.b, c`` or ``from a.b import x`` (not relative ones). Read
#: by line rather than parsed, which is quicker and also sees the imports of scripts the tests run.
IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*))",
    re.MULTILINE,
)


def imported_modules() -> dict[str, str]:
    """``{top-level module: a file importing it}`` over every test file (imports inside functions too)."""
    found: dict[str, str] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if "fake_xtquant" in path.parts:
            continue
        for module, names in IMPORT.findall(path.read_text(encoding="utf-8")):
            for name in [module] if module else names.split(","):
                found.setdefault(name.strip().split(".")[0], str(path.relative_to(TESTS)))
    return found


def installed_by_dev_extra() -> set[str]:
    """Canonical names of the distributions ``qmt-bridge[dev]`` requires, transitively (as installed)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [("qmt-bridge", frozenset({"dev"}))]
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen:
            continue
        seen.add((canonicalize_name(name), extras))
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed: a module it would provide is reported below
        for text in requirements:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *extras)):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


def top_level_modules(distribution: str) -> set[str]:
    """The importable top-level names an installed distribution provides (none if it is not installed)."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return set()
    listed = dist.read_text("top_level.txt")
    if listed:
        return set(listed.split())
    heads = {f.parts[0] for f in dist.files or []}
    return {h.removesuffix(".py") for h in heads if h != ".." and not h.endswith((".dist-info", ".egg-info"))}


def test_every_third_party_module_the_tests_import_comes_with_the_dev_extra() -> None:
    modules = {
        name: where
        for name, where in imported_modules().items()
        if name not in sys.stdlib_module_names and name not in LOCAL and name != "__future__"
    }
    assert {"pandas", "uvicorn", "schemathesis", "websockets", "hypothesis", "httpx"} <= set(modules)
    provided = set().union(*(top_level_modules(name) for name in installed_by_dev_extra()))
    missing = {name: where for name, where in modules.items() if name not in provided}
    assert not missing, f"imported by the tests but not installed by the dev extra: {missing}"
