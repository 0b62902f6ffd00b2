"""The backend contract, which *is* the xtquant API.

A backend hands the server an object shaped like the ``xtquant.xtdata`` module: the same function names,
parameters, defaults and return shapes (``shared/xtquant-api.md`` is the catalog). The real backend is a
thin loader of the real modules; the simulator implements the same functions. Rules for implementers:

- ``xtdata`` functions are blocking and may not be thread-safe. The server never calls them on the event
  loop: every call goes through :class:`~qmt_bridge.backends.runner.BackendRunner`, which bounds
  concurrency to ``max_concurrency`` and times calls out.
- Return values are xtquant's own (DataFrames, numpy arrays, dicts). Translation to JSON happens once, in
  the server's service layer, never here.
- ``start()`` may block (connecting to MiniQMT); ``stop()`` must be safe to call twice.
"""

from __future__ import annotations

import datetime as dt
import importlib.machinery
import importlib.util
import logging
import os
import platform
import re
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot be loaded on this machine (e.g. xtquant outside Windows)."""


class BackendStartError(RuntimeError):
    """The backend is there but cannot start (e.g. data it stored cannot be read); the message says why."""


class BackendRestarting(BackendUnavailableError):
    """The backend process is being replaced (or stays down after too many restarts): the call was not sent."""


class BackendCallLost(BackendUnavailableError):
    """The backend process died (or was killed, hung) while a call was in it: the call's outcome is unknown."""


@runtime_checkable
class Backend(Protocol):
    """What the server needs from a backend."""

    #: ``"xtquant"`` or ``"sim"``.
    name: str
    #: Upper bound of concurrent ``xtdata`` calls this backend tolerates.
    max_concurrency: int
    #: Whether history must be downloaded into a local cache before it can be read (MiniQMT: yes).
    history_on_demand: bool

    @property
    def xtdata(self) -> Any:
        """An object with the functions of ``xtquant.xtdata``."""

    def start(self) -> None:
        """Load modules and connect; raise :class:`BackendUnavailableError` when impossible."""

    def stop(self) -> None:
        """Release resources. Idempotent."""

    def version(self) -> str:
        """Version string of the xtquant implementation behind this backend."""

    def is_connected(self) -> bool:
        """Whether the market-data service answers."""

    def today(self) -> dt.date:
        """The backend's current date in China time (the simulator's clock may differ from the host's)."""

    def holidays_estimated_from(self) -> dt.date | None:
        """The first day whose holidays ``get_holidays`` estimates rather than takes from an announcement
        (the simulator's year after its recorded ones); ``None`` when every listed holiday was announced."""


def xtquant_importable() -> bool:
    """True when an ``xtquant`` package is installed (without importing it: importing pings PyPI)."""
    return xtquant_package_dir() is not None


def xtquant_package_dir() -> Path | None:
    """The directory of the installed ``xtquant`` package, found without importing it; None if absent."""
    try:
        spec = importlib.util.find_spec("xtquant")  # top-level: finds, does not import
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def xtquant_unavailable_reason() -> str | None:
    """Why the xtquant backend cannot load here, or None when it can (as far as files tell).

    Checks, without importing xtquant, that the package is installed and ships its native modules for
    this interpreter (:func:`xtquant_native_problem`).
    """
    package_dir = xtquant_package_dir()
    if package_dir is None:
        return "xtquant is not importable here"
    return xtquant_native_problem(package_dir)


#: The native modules of xtquant: ``xtdata`` loads ``datacenter`` (through ``xtdatacenter``), ``xttrader``
#: loads ``xtpythonclient``. The wheel ships one file per CPython version and platform of each, such as
#: ``datacenter.cp311-win_amd64.pyd``, and nothing for other platforms.
XTQUANT_NATIVE_MODULES = ("datacenter", "xtpythonclient")
_BUILD_TAG = re.compile(r"\.cp(\d)(\d+)-(\w+)\.pyd$")
_WINDOWS_PLATFORMS = {"win_amd64": "64-bit Windows", "win32": "32-bit Windows", "win_arm64": "Windows on ARM"}


def xtquant_native_problem(package_dir: Path, suffixes: Sequence[str] | None = None) -> str | None:
    """Why xtquant's native modules in ``package_dir`` cannot load in this interpreter, or None if they can.

    They can when, for every module of :data:`XTQUANT_NATIVE_MODULES`, a file ``<module><suffix>`` exists
    for one of ``suffixes``: the extension suffixes this interpreter imports (default: its own,
    ``importlib.machinery.EXTENSION_SUFFIXES``; a test passes others to play another interpreter). The
    reason names what the package ships and what this interpreter is (platform, Python version).
    """
    suffixes = list(importlib.machinery.EXTENSION_SUFFIXES if suffixes is None else suffixes)
    try:
        files = set(os.listdir(package_dir))
    except OSError as exc:
        return f"xtquant's directory {package_dir} cannot be read ({exc})"
    missing = [m for m in XTQUANT_NATIVE_MODULES if not any(m + s in files for s in suffixes)]
    if not missing:
        return None
    builds = _shipped_builds(files)
    wanted, here = _this_interpreter(suffixes)
    if not builds:
        return f"xtquant is installed but has none of its native parts ({', '.join(missing)}); this is {here}"
    if wanted is None or wanted[1] not in {plat for _, plat in builds}:
        return f"xtquant is installed but its native parts are for {_describe_builds(builds)}; this is {here}"
    if wanted not in builds:
        versions = [version for version, plat in builds if plat == wanted[1]]
        return (
            f"xtquant is installed but has no native parts for this Python version: they are for "
            f"{_describe_versions(versions)} on {_platform_name(wanted[1])}; this is {here}"
        )
    return f"xtquant is installed but lacks its native part(s) {', '.join(missing)} for {here}"


def _shipped_builds(files: Collection[str]) -> set[tuple[tuple[int, int], str]]:
    """``((major, minor), platform tag)`` of every native module file xtquant ships."""
    builds = set()
    for name in files:
        module, _, rest = name.partition(".")
        match = _BUILD_TAG.fullmatch("." + rest)
        if module in XTQUANT_NATIVE_MODULES and match:
            builds.add(((int(match[1]), int(match[2])), match[3]))
    return builds


def _this_interpreter(suffixes: Sequence[str]) -> tuple[tuple[tuple[int, int], str] | None, str]:
    """The build (as in :func:`_shipped_builds`) this interpreter loads, None off Windows CPython, and a
    description of the interpreter (platform, Python version)."""
    for suffix in suffixes:
        match = _BUILD_TAG.fullmatch(suffix)
        if match:
            version = (int(match[1]), int(match[2]))
            return (version, match[3]), f"{_platform_name(match[3])}, CPython {version[0]}.{version[1]}"
    python = f"{platform.python_implementation()} {sys.version_info.major}.{sys.version_info.minor}"
    return None, f"{_system_name()}, {python}"


def _system_name() -> str:
    system = platform.system() or sys.platform
    if system == "Windows":
        return f"{64 if sys.maxsize > 2**32 else 32}-bit Windows ({platform.machine()})"
    return {"Darwin": "macOS"}.get(system, system)


def _platform_name(tag: str) -> str:
    return _WINDOWS_PLATFORMS.get(tag, tag)


def _describe_versions(versions: Collection[tuple[int, int]]) -> str:
    low, high = min(versions), max(versions)
    if low == high:
        return f"CPython {low[0]}.{low[1]}"
    return f"CPython {low[0]}.{low[1]}-{high[0]}.{high[1]}"


def _describe_builds(builds: Collection[tuple[tuple[int, int], str]]) -> str:
    """E.g. ``64-bit Windows, CPython 3.6-3.13``, one such part per platform."""
    platforms = sorted({plat for _, plat in builds})
    return "; ".join(
        f"{_platform_name(plat)}, {_describe_versions([v for v, p in builds if p == plat])}"
        for plat in platforms
    )


def load_backend(settings: Any) -> Backend:
    """Build the backend ``settings.backend`` asks for, in a child process when
    ``settings.backend_isolation`` says so (:func:`isolated`).

    ``auto`` is xtquant where its native parts can load here (:func:`xtquant_unavailable_reason`), else
    the simulator; the choice and its reason are logged. ``xtquant`` is the xtquant backend whatever the
    files say: its ``start()`` raises :class:`BackendUnavailableError` if it cannot load.
    """
    choice = settings.backend
    if choice == "auto":
        choice = _auto_choice()
    backend: Backend
    if choice == "xtquant":
        from qmt_bridge.backends.xtquant import XtquantBackend

        backend = XtquantBackend()
    else:
        from qmt_bridge.backends.sim import SimBackend

        backend = SimBackend.from_settings(settings)
    return isolated(backend, settings) if isolation_of(backend.name, settings) == "process" else backend


def isolation_of(backend_name: str, settings: Any) -> str:
    """``process`` or ``thread``: ``auto`` isolates xtquant (its native client can abort or hang the
    process) and not the simulator (pure Python: a child process would only add a hop to every call)."""
    choice = getattr(settings, "backend_isolation", "thread")
    if choice == "auto":
        return "process" if backend_name == "xtquant" else "thread"
    return str(choice)


def isolated(backend: Backend, settings: Any) -> Backend:
    """``backend`` (unstarted) in a supervised child process (``qmt_bridge.backends.isolation``)."""
    from qmt_bridge.backends.isolation import ProcessBackend

    log.info("the %s backend runs in a supervised child process", backend.name)
    return ProcessBackend(  # type: ignore[return-value]
        backend,
        default_timeout=settings.backend_timeout,
        hang_grace=settings.backend_hang_grace,
        max_restarts_per_hour=settings.backend_max_restarts_per_hour,
    )


def _auto_choice() -> str:
    reason = xtquant_unavailable_reason()
    if reason is None:
        log.info("xtquant found, with native parts for this interpreter: using it (MiniQMT must be running)")
        return "xtquant"
    log.info("%s: using the built-in simulator", reason)
    return "sim"
