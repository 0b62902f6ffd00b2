"""Messages between the server and its backend process, and the objects that stand for things that cannot
cross (callbacks, xtquant's own objects, traders).

A message is pickled with protocol 5: numpy arrays (and so the columns of DataFrames) leave the pickle as
out-of-band buffers and cross the pipe as they are, one ``send_bytes`` each, received straight into
writable buffers of the right size; nothing re-serialises them to Python objects (see
``bench/README.md`` for the measurement against in-band pickles).

xtquant's objects (``XtOrder``, ``StockAccount``, ...) are never unpickled in the server: importing
``xtquant`` there would ping PyPI and load the native client the isolation keeps out. The backend process
sends them as :class:`XtRecord` (same attributes); a record sent back is rebuilt there as the original class.
"""

from __future__ import annotations

import importlib
import io
import pickle
import struct
import threading
from multiprocessing.connection import Connection
from typing import Any

#: A frame's head: the call number it answers (0: not an answer) and how many buffers follow.
_HEAD = struct.Struct("<qI")
#: Modules whose objects cross as :class:`XtRecord`: xtquant's, and the simulator's look-alikes (whose
#: ``StockAccount.__new__`` needs arguments, as xtquant's does, so they do not unpickle by class).
RECORD_MODULES = ("xtquant", "qmt_bridge.sim.xttype")


class XtRecord:
    """An xtquant object seen from the server: its attributes, and the class it is an instance of there."""

    def __init__(self, module: str, qualname: str, attributes: dict[str, Any]) -> None:
        self.__dict__.update(attributes)
        self._xt_class = (module, qualname)

    def __reduce__(self) -> tuple[Any, ...]:
        attributes = {k: v for k, v in self.__dict__.items() if k != "_xt_class"}
        return _rebuild_xt, (*self._xt_class, attributes)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "_xt_class")
        return f"<{self._xt_class[1]} {fields}>"


def _as_record(module: str, qualname: str, attributes: dict[str, Any]) -> XtRecord:
    return XtRecord(module, qualname, attributes)


def _rebuild_xt(module: str, qualname: str, attributes: dict[str, Any]) -> Any:
    """In the backend process: the xtquant object a record stands for (its ``__init__`` is not run)."""
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    obj = object.__new__(cls)
    obj.__dict__.update(attributes)
    return obj


#: A ``{code: DataFrame}`` answer of at least this many frames crosses as one frame (:func:`bundle_frames`).
BUNDLE_FROM = 8


def bundle_frames(value: Any) -> Any:
    """``value`` ready to cross: a ``{key: DataFrame}`` of many frames alike (same columns and dtypes, the
    shape of ``get_market_data_ex``'s answers) as one concatenated frame, split back into the same dict
    where it is unpickled; anything else as it is.

    Why: pickling a DataFrame costs ~0.15 ms whatever its size, so 500 daily frames of a year each spend
    more in pandas than in the pipe; one frame of their rows crosses in about half the time
    (``bench/isolation.py``)."""
    if not isinstance(value, dict) or len(value) < BUNDLE_FROM:
        return value
    import pandas as pd

    frames = list(value.values())
    first = frames[0]
    if not isinstance(first, pd.DataFrame) or isinstance(first.index, pd.MultiIndex):
        return value
    for frame in frames:
        if (
            type(frame) is not pd.DataFrame
            or not frame.columns.equals(first.columns)
            or not frame.dtypes.equals(first.dtypes)
            or frame.index.dtype != first.index.dtype
            or frame.index.name != first.index.name
            or isinstance(frame.index, pd.MultiIndex)
        ):
            return value
    return _FrameBundle(list(value), pd.concat(frames), [len(f) for f in frames], first.index.dtype)


class _FrameBundle:
    """Unpickles as the dict it was made of (:func:`_unbundle`)."""

    def __init__(self, keys: list[Any], frame: Any, lengths: list[int], index_dtype: Any) -> None:
        self.args = (keys, frame, lengths, index_dtype)

    def __reduce__(self) -> tuple[Any, ...]:
        return _unbundle, self.args


def _unbundle(keys: list[Any], frame: Any, lengths: list[int], index_dtype: Any) -> dict[Any, Any]:
    if frame.index.dtype != index_dtype:  # concat may turn an object index of strings into str
        frame.index = frame.index.astype(index_dtype)
    out, start = {}, 0
    for key, length in zip(keys, lengths, strict=True):
        out[key] = frame.iloc[start : start + length]
        start += length
    return out


class _Ref:
    """Something of one process that the other knows by number only."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.number,)


class CallbackRef(_Ref):
    """A server-side callable passed to the backend (a push or progress callback)."""

    __slots__ = ()


class TraderRef(_Ref):
    """A trader object living in the backend process."""

    __slots__ = ()


class ClientRef(_Ref):
    """``xtdata.get_client()``'s object, by identity: a new number means xtquant replaced its client."""

    __slots__ = ()


class UndecodableMessage(Exception):
    """A message arrived whole but could not be unpickled; ``number`` is the call it answers (0: none)."""

    def __init__(self, number: int, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.number = number


class RemoteError(Exception):
    """An exception raised in the backend process that cannot be recreated here (its class is xtquant's, or
    it does not pickle): its type name and message."""


def portable_error(exc: BaseException) -> BaseException:
    """``exc`` if it can be recreated in the server as it is, else a :class:`RemoteError` saying it."""
    if not type(exc).__module__.startswith("xtquant"):
        try:
            pickle.loads(pickle.dumps(exc, protocol=5))
            return exc
        except Exception:
            pass
    return RemoteError(f"{type(exc).__name__}: {exc}")


class _BackendPickler(pickle.Pickler):
    """Sends xtquant's objects as :class:`XtRecord`."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if (
            cls.__module__.startswith(RECORD_MODULES)
            and hasattr(obj, "__dict__")
            and not isinstance(obj, type)
        ):
            return _as_record, (cls.__module__, cls.__qualname__, dict(obj.__dict__))
        return NotImplemented


class Channel:
    """One end of the pipe: :meth:`send` from any thread (a lock keeps a message's parts together),
    :meth:`receive` from one thread."""

    def __init__(self, conn: Connection, *, records: bool = False) -> None:
        self.conn = conn
        self._records = records
        self._lock = threading.Lock()

    def send(self, message: Any, number: int = 0) -> None:
        """Pickle ``message`` (arrays out of band) and write it; OSError when the pipe is gone. ``number``:
        the call the message answers, readable even when the message is not (:class:`UndecodableMessage`)."""
        buffers: list[pickle.PickleBuffer] = []
        if self._records:
            out = io.BytesIO()
            _BackendPickler(out, protocol=5, buffer_callback=buffers.append).dump(message)
            head = out.getvalue()
        else:
            head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
        views = [buffer.raw() for buffer in buffers]
        sizes = struct.pack(f"<{len(views)}Q", *(view.nbytes for view in views))
        with self._lock:
            self.conn.send_bytes(_HEAD.pack(number, len(views)) + sizes + head)
            for view in views:
                self.conn.send_bytes(view)

    def receive(self) -> Any:
        """The next message; EOFError/OSError when the other end is gone, :class:`UndecodableMessage` when
        it cannot be unpickled here."""
        data = self.conn.recv_bytes()
        number, count = _HEAD.unpack_from(data)
        sizes = struct.unpack_from(f"<{count}Q", data, _HEAD.size)
        buffers = []
        for size in sizes:
            buffer = bytearray(size)
            if size:
                self.conn.recv_bytes_into(buffer)
            else:
                self.conn.recv_bytes()
            buffers.append(buffer)
        try:
            return pickle.loads(memoryview(data)[_HEAD.size + 8 * count :], buffers=buffers)
        except Exception as exc:
            raise UndecodableMessage(number, exc) from exc

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
