"""JSON responses through orjson: numpy arrays and scalars natively, NaN/inf as null."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import orjson
from starlette.responses import JSONResponse as _StarletteJSONResponse

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        value = obj.item()
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value
    if isinstance(obj, np.ndarray):
        # Non-contiguous or object arrays orjson cannot take directly.
        return obj.tolist()
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if hasattr(obj, "isoformat"):  # pandas Timestamp
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=_OPTIONS)


class JSONResponse(_StarletteJSONResponse):
    """The server's only JSON response class."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
