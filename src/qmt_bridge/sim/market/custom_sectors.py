"""User-defined sectors (板块) and folders, persisted as one JSON file.

Every change is applied to a copy, written to a temporary file and moved over the old one, and only then
becomes visible: a failed write leaves both the file and the in-memory state as they were.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

FILE_NAME = "custom_sectors.json"
ROOT_FOLDER = "我的"


def _folder_path(parent: str) -> str:
    return ROOT_FOLDER if parent in ("", ROOT_FOLDER) else f"{ROOT_FOLDER}/{parent}"


class CustomSectorStore:
    """Folders and sectors created through the xtdata sector functions.

    Args:
        directory: where ``custom_sectors.json`` lives; ``None`` keeps everything in memory.
    """

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / FILE_NAME if directory is not None else None
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"folders": {}, "sectors": {}}
        if self.path is not None and self.path.exists():
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            self._state = {
                "folders": dict(loaded.get("folders", {})),
                "sectors": dict(loaded.get("sectors", {})),
            }

    # ---------------------------------------------------------------- reads

    def sector_names(self) -> list[str]:
        with self._lock:
            return list(self._state["sectors"])

    def folder_names(self) -> list[str]:
        with self._lock:
            return list(self._state["folders"])

    def members(self, name: str) -> list[str] | None:
        with self._lock:
            sector = self._state["sectors"].get(name)
            return list(sector["stocks"]) if sector is not None else None

    def info(self) -> list[tuple[str, str]]:
        """(sector, category) rows; the category is the folder path under 我的."""
        with self._lock:
            return [(name, _folder_path(s["parent"])) for name, s in self._state["sectors"].items()]

    # ---------------------------------------------------------------- writes

    def create_folder(self, parent: str, name: str) -> str:
        def change(state: dict[str, Any]) -> None:
            state["folders"][name] = parent

        self._commit(change)
        return name

    def create_sector(self, parent: str, name: str) -> str:
        def change(state: dict[str, Any]) -> None:
            state["sectors"][name] = {"parent": parent, "stocks": []}

        self._commit(change)
        return name

    def add_stocks(self, name: str, stocks: list[str]) -> list[str]:
        def change(state: dict[str, Any]) -> None:
            sector = state["sectors"].setdefault(name, {"parent": "", "stocks": []})
            sector["stocks"] = list(dict.fromkeys([*sector["stocks"], *stocks]))

        return self._commit(change, name)

    def remove_stocks(self, name: str, stocks: list[str]) -> list[str]:
        drop = set(stocks)

        def change(state: dict[str, Any]) -> None:
            sector = state["sectors"][name]
            sector["stocks"] = [s for s in sector["stocks"] if s not in drop]

        return self._commit(change, name)

    def reset(self, name: str, stocks: list[str]) -> list[str]:
        def change(state: dict[str, Any]) -> None:
            state["sectors"].setdefault(name, {"parent": "", "stocks": []})["stocks"] = list(
                dict.fromkeys(stocks)
            )

        return self._commit(change, name)

    def remove_sector(self, name: str) -> None:
        def change(state: dict[str, Any]) -> None:
            if state["sectors"].pop(name, None) is None:
                state["folders"].pop(name, None)

        self._commit(change)

    # ---------------------------------------------------------------- internals

    def _commit(self, change: Any, sector: str | None = None) -> list[str]:
        with self._lock:
            state = copy.deepcopy(self._state)
            change(state)
            self._save(state)
            self._state = state
            return list(state["sectors"][sector]["stocks"]) if sector else []

    def _save(self, state: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".custom_sectors.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
