"""State files written whole: a JSON document replaces the old one atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json(path: Path, data: Any, **dump_options: Any) -> None:
    """Write ``data`` as JSON (UTF-8) to ``path``: into ``.<stem>.*`` beside it, flushed to disk, then renamed
    over it, so that a crash leaves the old document or the new one, never part of one. Creates the directory;
    raises OSError (the temporary file removed) when it cannot. ``dump_options`` go to :func:`json.dump`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, **dump_options)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
