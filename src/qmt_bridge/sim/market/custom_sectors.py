"""User-defined sectors (板块) and folders, persisted as one JSON file.

The tree mirrors MiniQMT's 我的 (the root, ``parent ""``): folders hold folders and sectors. Its rules:

- One namespace. xtquant names a sector by its bare name (``get_stock_list_in_sector("自选")``) and a folder
  by its bare name (``parent_node``; names cannot contain ``/``, so there are no paths), and
  ``remove_sector`` takes either. So a name is held by at most one node in the whole tree, and never by
  a system sector or by the root 我的: creating a clash raises :class:`NameTakenError` (or, with
  ``overwrite=False``, picks the first free ``name1``, ``name2``, ... as xtquant documents).
- A parent must be an existing folder (:class:`UnknownFolderError`); ``""``, ``" "`` and ``"我的"`` are the root.
- A folder is removed only when empty (:class:`FolderNotEmptyError`): nothing disappears with it.

Every change is applied to a copy, written to a temporary file and moved over the old one, and only then
becomes visible: a failed write leaves both the file and the in-memory state as they were. A change that
changes nothing (creating what exists) or that is refused writes nothing.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from qmt_bridge.json_files import write_json

FILE_NAME = "custom_sectors.json"
ROOT_FOLDER = "我的"

T = TypeVar("T")
State = dict[str, Any]


class CustomSectorsFileError(RuntimeError):
    """The stored file cannot be read. It is left as it is, for the user to repair or move away."""


class SectorTreeError(ValueError):
    """A change the tree's rules refuse; nothing was changed. ``name`` is the node the refusal is about."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class UnknownFolderError(SectorTreeError):
    """The parent named is not a folder."""


class NameTakenError(SectorTreeError):
    """Another folder or sector (user or system) holds the name, or it is the root's name."""


class FolderNotEmptyError(SectorTreeError):
    """The folder still holds folders or sectors (``children``)."""

    def __init__(self, message: str, name: str, children: list[str]) -> None:
        super().__init__(message, name)
        self.children = children


def _root_or(parent: str) -> str:
    """``""`` for the root (``""``, blanks, ``"我的"``), else the folder name."""
    parent = (parent or "").strip()
    return "" if parent == ROOT_FOLDER else parent


def _path(state: State, parent: str) -> str:
    """``我的/A/B`` for a node whose parent is folder ``B`` in folder ``A``."""
    parts: list[str] = []
    node = parent
    while node and node not in parts:  # `not in parts`: a hand-edited cycle must not loop forever
        parts.append(node)
        node = state["folders"].get(node, "")
    return "/".join([ROOT_FOLDER, *reversed(parts)])


def _holder(state: State, name: str, reserved: Collection[str]) -> str | None:
    """What holds ``name``, in words, or None when it is free."""
    if name == ROOT_FOLDER:
        return "the root folder"
    if name in state["folders"]:
        return f"a folder in {_path(state, state['folders'][name])}"
    if name in state["sectors"]:
        return f"a sector in {_path(state, state['sectors'][name]['parent'])}"
    if name in reserved:
        return "a system sector"
    return None


def _children(state: State, folder: str) -> list[str]:
    return [n for n, p in state["folders"].items() if p == folder] + [
        n for n, s in state["sectors"].items() if s["parent"] == folder
    ]


def _load(raw: dict[str, Any]) -> State:
    """The stored state, with parents normalised.

    Files written before parents were checked may file a node under a folder that was never created (or was
    removed while it held the node). Such a folder is created at the root, so the node keeps its category
    (``我的/<parent>``) and the folder can be emptied and removed; a parent whose name is a sector cannot
    become a folder, so its children move to the root. Older files may also hold a folder and a sector of
    one name (the folder is renamed to the first free ``name1``, ``name2``, ...) or folders whose parents
    loop (the loop is cut at the root). Nothing a user stored is dropped.
    """
    folders = {str(n): _root_or(str(p)) for n, p in dict(raw.get("folders", {})).items()}
    sectors = {
        str(n): {"parent": _root_or(str(s.get("parent", ""))), "stocks": list(s.get("stocks", []))}
        for n, s in dict(raw.get("sectors", {})).items()
    }
    state: State = {"folders": folders, "sectors": sectors}
    for name in [n for n in folders if n in sectors]:  # one name, two nodes: the folder gets a free name
        free = next(
            f"{name}{i}"
            for i in range(1, len(folders) + len(sectors) + 2)
            if f"{name}{i}" not in folders and f"{name}{i}" not in sectors
        )
        folders[free] = folders.pop(name)
        for child, parent in list(folders.items()):
            if parent == name:
                folders[child] = free
        for sector in sectors.values():
            if sector["parent"] == name:
                sector["parent"] = free
    nodes = [*folders.items(), *((n, s["parent"]) for n, s in sectors.items())]
    for _name, parent in nodes:
        if parent and parent not in folders and parent not in sectors:
            folders[parent] = ""
    for name, parent in list(folders.items()):
        if parent and parent not in folders:
            folders[name] = ""
    for sector in sectors.values():
        if sector["parent"] and sector["parent"] not in folders:
            sector["parent"] = ""
    for name in list(folders):  # a chain of parents that loops back: the folder it returns to moves to 我的
        seen: set[str] = set()
        node = name
        while node:
            if node in seen:
                folders[node] = ""
                break
            seen.add(node)
            node = folders.get(node, "")
    return state


def _read(path: Path) -> State:
    """The state stored in ``path``; :class:`CustomSectorsFileError` if it cannot be read or parsed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(f"a JSON object was expected, not {type(raw).__name__}")
        return _load(raw)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise CustomSectorsFileError(
            f"the user sectors file {path} cannot be read ({type(exc).__name__}: {exc}). It was not changed: "
            "repair it, or move it away to start with no user sectors"
        ) from exc


def _remove_temporaries(directory: Path) -> None:
    """Delete what a write interrupted (e.g. a killed server) left behind. Called at start, before this
    process writes anything; a data directory serves one server, so no other write can be in progress."""
    for leftover in directory.glob(".custom_sectors.*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


class CustomSectorStore:
    """Folders and sectors created through the xtdata sector functions.

    Args:
        directory: where ``custom_sectors.json`` lives; ``None`` keeps everything in memory.

    ``reserved`` arguments are the system sectors' names, which user folders and sectors cannot take.
    """

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / FILE_NAME if directory is not None else None
        self._lock = threading.Lock()
        self._state: State = {"folders": {}, "sectors": {}}
        if self.path is not None:
            if self.path.exists():
                self._state = _read(self.path)
            if self.path.parent.is_dir():
                _remove_temporaries(self.path.parent)

    # ---------------------------------------------------------------- reads

    def sector_names(self) -> list[str]:
        with self._lock:
            return list(self._state["sectors"])

    def folders(self) -> dict[str, str]:
        """``{folder: path of its parent}``, e.g. ``{"A": "我的", "B": "我的/A"}``."""
        with self._lock:
            return {name: _path(self._state, parent) for name, parent in self._state["folders"].items()}

    def members(self, name: str) -> list[str] | None:
        with self._lock:
            sector = self._state["sectors"].get(name)
            return list(sector["stocks"]) if sector is not None else None

    def info(self) -> list[tuple[str, str]]:
        """(sector, category) rows; the category is the folder path, ``我的`` or ``我的/A/B``."""
        with self._lock:
            return [(name, _path(self._state, s["parent"])) for name, s in self._state["sectors"].items()]

    # ---------------------------------------------------------------- writes

    def create_folder(
        self, parent: str, name: str, *, overwrite: bool = True, reserved: Collection[str] = ()
    ) -> str:
        """Create folder ``name`` in ``parent``; returns the name it got (see :meth:`_place`)."""

        def change(state: State) -> str:
            where = self._parent(state, parent)
            actual, exists = self._place(state, "folders", where, name, overwrite, reserved)
            if not exists:
                state["folders"][actual] = where
            return actual

        return self._commit(change)

    def create_sector(
        self, parent: str, name: str, *, overwrite: bool = True, reserved: Collection[str] = ()
    ) -> str:
        """Create an empty sector ``name`` in ``parent``; returns the name it got (see :meth:`_place`)."""

        def change(state: State) -> str:
            where = self._parent(state, parent)
            actual, exists = self._place(state, "sectors", where, name, overwrite, reserved)
            if not exists:
                state["sectors"][actual] = {"parent": where, "stocks": []}
            return actual

        return self._commit(change)

    def add_stocks(self, name: str, stocks: list[str], *, reserved: Collection[str] = ()) -> list[str]:
        """Add codes (each kept once, first-added order); a missing sector is created at the root."""

        def change(state: State) -> list[str]:
            sector = self._sector_or_new(state, name, reserved)
            sector["stocks"] = list(dict.fromkeys([*sector["stocks"], *stocks]))
            return list(sector["stocks"])

        return self._commit(change)

    def remove_stocks(self, name: str, stocks: list[str]) -> list[str] | None:
        """Remove codes (codes not in the sector are ignored); None if ``name`` is not a user sector."""
        drop = set(stocks)

        def change(state: State) -> list[str] | None:
            sector = state["sectors"].get(name)
            if sector is None:
                return None
            sector["stocks"] = [s for s in sector["stocks"] if s not in drop]
            return list(sector["stocks"])

        return self._commit(change)

    def reset(self, name: str, stocks: list[str], *, reserved: Collection[str] = ()) -> list[str]:
        """Replace the members; a missing sector is created at the root."""

        def change(state: State) -> list[str]:
            sector = self._sector_or_new(state, name, reserved)
            sector["stocks"] = list(dict.fromkeys(stocks))
            return list(sector["stocks"])

        return self._commit(change)

    def remove(self, name: str) -> bool:
        """Remove a sector, or a folder if it is empty; False if ``name`` is neither."""

        def change(state: State) -> bool:
            if state["sectors"].pop(name, None) is not None:
                return True
            if name not in state["folders"]:
                return False
            children = _children(state, name)
            if children:
                listed = ", ".join(children[:10]) + (", ..." if len(children) > 10 else "")
                raise FolderNotEmptyError(
                    f"folder {name!r} is not empty ({len(children)}: {listed}); remove what it holds first",
                    name,
                    children,
                )
            del state["folders"][name]
            return True

        return self._commit(change)

    # ---------------------------------------------------------------- internals

    @staticmethod
    def _parent(state: State, parent: str) -> str:
        where = _root_or(parent)
        if where and where not in state["folders"]:
            raise UnknownFolderError(
                f"no folder named {where!r} (empty or {ROOT_FOLDER!r} = the root)", where
            )
        return where

    @staticmethod
    def _place(
        state: State, kind: str, parent: str, name: str, overwrite: bool, reserved: Collection[str]
    ) -> tuple[str, bool]:
        """The name a new node gets, and whether it exists already (then there is nothing to create).

        xtquant: "如果目标节点已存在，为True时跳过，为False时在name后增加数字编号，编号为从1开始自增的第一个不重复的
        值". With ``overwrite`` the same node (kind and parent) is skipped and any other holder of the name is a
        clash; without it the first free ``name<n>`` is taken.
        """
        node = state[kind].get(name)
        if node is not None and overwrite:
            where = node if kind == "folders" else node["parent"]
            if where == parent:
                return name, True
        holder = _holder(state, name, reserved)
        if holder is None:
            return name, False
        if overwrite:
            raise NameTakenError(f"{name!r} is taken by {holder}; folder and sector names are unique", name)
        n = 1
        while _holder(state, f"{name}{n}", reserved) is not None:
            n += 1
        return f"{name}{n}", False

    @staticmethod
    def _sector_or_new(state: State, name: str, reserved: Collection[str]) -> dict[str, Any]:
        sector: dict[str, Any] | None = state["sectors"].get(name)
        if sector is None:
            holder = _holder(state, name, reserved)
            if holder is not None:
                raise NameTakenError(f"{name!r} is {holder}, not a user sector", name)
            sector = state["sectors"][name] = {"parent": "", "stocks": []}
        return sector

    def _commit(self, change: Callable[[State], T]) -> T:
        with self._lock:
            state = copy.deepcopy(self._state)
            result = change(state)
            if state != self._state:
                self._save(state)
                self._state = state
            return result

    def _save(self, state: State) -> None:
        if self.path is None:
            return
        write_json(self.path, state, ensure_ascii=False, indent=1)  # temporary files: .custom_sectors.*
