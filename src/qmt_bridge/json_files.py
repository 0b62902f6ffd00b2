"""State files written whole: a JSON document replaces the old one atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("qmt_bridge")


def write_json(path: Path, data: Any, **dump_options: Any) -> None:
    """Write ``data`` as JSON (UTF-8) to ``path``: into ``.<stem>.*`` beside it, flushed to disk, then renamed
    over it, so that a crash leaves the old document or the new one, never part of one. Creates the directory;
    raises OSError (the temporary file removed) when it cannot. ``dump_options`` go to :func:`json.dumps`
    (whose C encoder, used without ``indent``, is many times faster than :func:`json.dump`'s)."""
    write_bytes(path, json.dumps(data, **dump_options).encode("utf-8"))


def write_bytes(path: Path, document: bytes) -> None:
    """Write ``document`` to ``path`` as :func:`write_json` does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(document)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class LatestWriter:
    """Writes the documents of one file on a thread of its own, in order, so that an event loop never waits
    for the disk (an fsync can take tens of milliseconds); a document waiting to be written is replaced by a
    newer one. :meth:`close` returns once the last one is on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: bytes | None = None
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"writer-{path.name}", daemon=True)
        self._thread.start()

    def put(self, document: bytes) -> None:
        """Write ``document`` (the file's whole new content) soon."""
        with self._changed:
            self._pending = document
            self._changed.notify()

    def close(self) -> None:
        """Write what is waiting, then stop (blocks; call it off the event loop)."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._pending is None and not self._closing:
                    self._changed.wait()
                document, self._pending = self._pending, None
                if document is None:  # closing, nothing left
                    return
            try:
                write_bytes(self.path, document)
            except OSError:
                log.warning("could not write %s", self.path, exc_info=True)
