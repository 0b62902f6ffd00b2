"""K-line and tick queries: validation against the backend, result-size guard, field handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.services.local_history import DownloadMode, DownloadReport, ensure_local
from qmt_bridge.server.services.quote_book import as_full_tick
from qmt_bridge.server.services.tabular import structured_frame
from qmt_bridge.sim.market.calendar import provisional_calendar

BARS_PER_DAY = {"1m": 241, "5m": 48, "15m": 16, "30m": 8, "60m": 4, "1h": 4, "tick": 4800}
UNBOUNDED_DAYS = {"tick": 5, "intraday": 500, "daily": 5500}


async def full_tick(ctx: BackendContext, codes: list[str], *, check: bool = True) -> dict[str, Any]:
    """``get_full_tick(codes)``: read from the quote book when it holds every code, else asked from the
    backend (after a 404 for codes it does not know, unless ``check`` is false). Either way each snapshot
    has the keys ``FULL_TICK_KEYS``."""
    if ctx.quotes is not None and (data := ctx.quotes.lookup(codes)) is not None:
        return data
    if check:
        await check_codes(ctx, codes)
    answer = await ctx.xtdata("get_full_tick", codes)
    return {code: as_full_tick(snapshot) for code, snapshot in answer.items()}


#: Codes per backend call of :func:`check_codes`.
CHECK_CHUNK = 200


async def check_codes(ctx: BackendContext, codes: list[str], param: str = "stocks") -> None:
    """404 naming the codes the backend does not know (``get_instrument_detail`` is ``None``)."""
    book = ctx.quotes
    pending = [
        c for c in codes if "." in c and c not in ctx.known_codes and not (book is not None and book.holds(c))
    ]
    if not pending:
        return
    detail = ctx.xtdata_function("get_instrument_detail")

    # Named after the xtdata function so a timeout or failure says what was being called.
    def get_instrument_detail(chunk: list[str]) -> list[str]:
        return [c for c in chunk if detail(c) is None]

    # By chunks: thousands of codes are one runner call each way too long (the simulator builds each
    # code's day, ~2 ms), and other requests are served between two chunks.
    missing = []
    for i in range(0, len(pending), CHECK_CHUNK):
        missing += await ctx.run(get_instrument_detail, pending[i : i + CHECK_CHUNK])
    if missing:
        missing = await _without_history(ctx, missing)
    ctx.known_codes.update(c for c in pending if c not in missing)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise NotFound(param, f"unknown code(s): {shown}", value=missing[:50], code="unknown_code")


#: Sectors of codes that have left MiniQMT's contract list (delisted stocks, expired contracts) start so.
EXPIRED_SECTOR_PREFIX = "过期"


async def _without_history(ctx: BackendContext, codes: list[str]) -> list[str]:
    """Those of ``codes`` (unknown to ``get_instrument_detail``) that have no history either: no daily bar
    in the local cache, and not in an expired-contract sector (``过期沪深A股``, ...). A delisted stock is
    outside the current contract list, but its history can still be read."""
    xtdata = ctx.backend.xtdata

    def get_local_data() -> list[str]:  # named for the timeout's message
        local = xtdata.get_local_data(field_list=["time"], stock_list=codes, period="1d", count=1)
        left = [c for c in codes if (frame := local.get(c)) is None or not len(frame)]
        sectors = [s for s in xtdata.get_sector_list() if s.startswith(EXPIRED_SECTOR_PREFIX)] if left else []
        for sector in sectors:
            members = set(xtdata.get_stock_list_in_sector(sector))
            left = [c for c in left if c not in members]
        return left

    return await ctx.run(get_local_data)


def estimate_rows(n_codes: int, period: str, start: str, end: str, count: int) -> int:
    """Rows a K-line/tick request can return at most: the range (or all the history a local cache holds),
    capped by ``count``, for each code. A range counts its trading days (bars of a week or longer: the
    weeks, months, ... it touches), so that a request is refused only past the limit, not near it."""
    if start:
        first = dt.datetime.strptime(start[:8], "%Y%m%d").date()
        last = dt.datetime.strptime(end[:8], "%Y%m%d").date() if end else dt.date.today()
        per_code = _bars_in_range(period, first, max(first, last))
    else:
        key = "tick" if period == "tick" else "intraday" if period in BARS_PER_DAY else "daily"
        per_code = UNBOUNDED_DAYS[key] * BARS_PER_DAY.get(period, 1)
        if period in LONG_PERIOD_MONTHS or period == "1w":
            per_code //= 5
    return n_codes * (min(count, per_code) if count > 0 else per_code)


#: Months per bar of the periods longer than a week.
LONG_PERIOD_MONTHS = {"1mon": 1, "1q": 3, "1hy": 6, "1y": 12}


def _bars_in_range(period: str, first: dt.date, last: dt.date) -> int:
    if period == "1w":
        return (last - (first - dt.timedelta(days=first.weekday()))).days // 7 + 1
    if period in LONG_PERIOD_MONTHS:
        months = LONG_PERIOD_MONTHS[period]
        return (
            (last.year * 12 + last.month - 1) // months - (first.year * 12 + first.month - 1) // months
        ) + 1
    return max(1, trading_days_between(first, last)) * BARS_PER_DAY.get(period, 1)


def trading_days_between(first: dt.date, last: dt.date) -> int:
    """Trading days in ``[first, last]`` by the SSE calendar (with its estimated next year); the weekdays
    of any part outside its years."""
    calendar = provisional_calendar()
    inside_first, inside_last = max(first, calendar.first_covered), min(last, calendar.last_covered)
    days = len(calendar.between(inside_first, inside_last)) if inside_first <= inside_last else 0
    if first < calendar.first_covered:
        days += _weekdays(first, min(last, calendar.first_covered - dt.timedelta(days=1)))
    if last > calendar.last_covered:
        days += _weekdays(max(first, calendar.last_covered + dt.timedelta(days=1)), last)
    return days


def _weekdays(first: dt.date, last: dt.date) -> int:
    """Monday-to-Friday days in ``[first, last]`` (0 when the range is empty)."""
    if last < first:
        return 0
    weeks, extra = divmod((last - first).days + 1, 7)
    return weeks * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(extra))


def guard_result_size(
    ctx: BackendContext, n_codes: int, period: str, start: str, end: str, count: int
) -> int:
    """The row estimate; 400 ``result_too_large`` before calling the backend when the answer would exceed
    the row limit."""
    rows = estimate_rows(n_codes, period, start, end, count)
    limit = ctx.settings.max_result_rows
    if rows > limit:
        raise InvalidParameter(
            "count",
            f"the request would return about {rows:,} rows (limit {limit:,}); "
            "narrow start_time/end_time, lower count or ask for fewer stocks",
            code="result_too_large",
        )
    return rows


@dataclass
class Bars:
    """Frames per code, and what was downloaded into the local cache to answer them."""

    frames: dict[str, pd.DataFrame]
    download: DownloadReport

    def notes(self) -> dict[str, Any]:
        """The keys an answer adds beside ``data``: ``download`` (see DownloadReport) and ``no_data``, the
        codes without a single row in the range, so that an empty answer is never silent."""
        return notes(self.download, [code for code, frame in self.frames.items() if not len(frame)])


def notes(download: DownloadReport, no_data: list[str]) -> dict[str, Any]:
    """See :meth:`Bars.notes`."""
    return {"download": download.to_dict(), "no_data": no_data}


@dataclass
class BarQuery:
    """A K-line/tick query within the row limit, not yet checked against the backend: its row estimate
    decides how it is answered (:mod:`~qmt_bridge.server.services.bulk`) before any backend call.
    ``prepare`` checks the codes and fills the local cache."""

    codes: list[str]
    rows: int  # the estimate: at most this many rows in all
    prepare: Callable[[], Awaitable[BarPlan]]

    async def all(self) -> Bars:
        """Prepared and read at once."""
        return await (await self.prepare()).all()


@dataclass
class BarPlan:
    """A K-line/tick query checked and made ready (codes known, the local cache filled): what is left is
    reading it, all at once or by chunks of codes.

    ``read`` asks the backend for some of the codes (one runner call); ``shape`` turns its answer into
    ``{code: DataFrame}`` with ``time`` (plain CPU work: it may run off the event loop).
    """

    codes: list[str]
    rows: int
    download: DownloadReport
    read: Callable[[list[str]], Awaitable[Any]]
    shape: Callable[[Any, list[str]], dict[str, pd.DataFrame]]

    async def frames(self, codes: list[str]) -> dict[str, pd.DataFrame]:
        return self.shape(await self.read(codes), codes)

    async def all(self) -> Bars:
        return Bars(await self.frames(self.codes), self.download)


def bar_query(
    ctx: BackendContext,
    function: str,
    codes: list[str],
    *,
    fields: list[str],
    period: str,
    start_time: str,
    end_time: str,
    count: int,
    dividend_type: str,
    fill_data: bool,
    download: DownloadMode = DownloadMode.auto,
    param: str = "stocks",
) -> BarQuery:
    """``get_market_data_ex`` / ``get_local_data``: 400 past the row limit at once; prepared, it has the
    codes checked and the range downloaded into the local cache (not for ``get_local_data``, which never
    downloads). The frames always have ``time``."""
    rows = guard_result_size(ctx, len(codes), period, start_time, end_time, count)
    wanted = list(fields)
    if wanted and "time" not in wanted:
        wanted.insert(0, "time")

    read = _reader(ctx, function, wanted, period, start_time, end_time, count, dividend_type, fill_data)

    def shape(frames: dict[str, Any], chunk: list[str]) -> dict[str, pd.DataFrame]:
        return {code: _frame_with_time(frames.get(code), period) for code in chunk}

    async def prepare() -> BarPlan:
        await check_codes(ctx, codes, param)
        mode = DownloadMode.never if function == "get_local_data" else download
        report = await ensure_local(ctx, codes, period, start_time, end_time, count, mode)
        return BarPlan(codes, rows, report, read, shape)

    return BarQuery(codes, rows, prepare)


def _reader(
    ctx: BackendContext,
    function: str,
    field_list: list[str],
    period: str,
    start_time: str,
    end_time: str,
    count: int,
    dividend_type: str,
    fill_data: bool,
) -> Callable[[list[str]], Awaitable[Any]]:
    """``read(codes)``: one runner call of the xtdata ``function`` for ``codes`` with these arguments."""

    async def read(chunk: list[str]) -> Any:
        return await ctx.xtdata(
            function, field_list=field_list, stock_list=chunk, period=period, start_time=start_time,
            end_time=end_time, count=count, dividend_type=dividend_type, fill_data=fill_data,
        )  # fmt: skip

    return read


async def fetch_bars(ctx: BackendContext, function: str, codes: list[str], **query: Any) -> Bars:
    """``{code: DataFrame}`` of :func:`bar_query`'s query, read at once."""
    return await bar_query(ctx, function, codes, **query).all()


def _frame_with_time(frame: Any, period: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(columns=["time"])
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    if "time" not in frame.columns and not len(frame):
        return frame.assign(time=pd.Series(dtype="int64")).reset_index(drop=True)
    if "time" not in frame.columns and len(frame):
        # xtquant drops 'time' for some periods; the index labels still carry it.
        fmt = "%Y%m%d" if len(str(frame.index[0])) == 8 else "%Y%m%d%H%M%S"
        moments = pd.to_datetime(frame.index.astype(str), format=fmt) - pd.Timedelta(hours=8)
        millis = (moments - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)
        frame = frame.assign(time=millis.to_numpy(dtype="int64"))
    return frame.reset_index(drop=True)


def field_major_query(
    ctx: BackendContext,
    codes: list[str],
    *,
    fields: list[str],
    period: str,
    start_time: str,
    end_time: str,
    count: int,
    dividend_type: str,
    fill_data: bool,
    download: DownloadMode = DownloadMode.auto,
) -> BarQuery:
    """``get_market_data`` (field-major ``{field: DataFrame(stocks × times)}``) regrouped per stock; checked
    and prepared as :func:`bar_query`'s."""
    rows = guard_result_size(ctx, len(codes), period, start_time, end_time, count)
    # No fields asks xtquant for all of them, as upstream. 'time' is derived from the labels, so asking
    # for it alone asks for some other field, since an empty list would mean "all fields".
    upstream = [f for f in fields if f != "time"]
    if fields and not upstream:
        upstream = ["close"]

    read = _reader(
        ctx, "get_market_data", upstream, period, start_time, end_time, count, dividend_type, fill_data
    )

    def shape(raw: dict[str, Any], chunk: list[str]) -> dict[str, pd.DataFrame]:
        if period == "tick":
            frames = {code: _frame_with_time(structured_frame(raw.get(code)), period) for code in chunk}
            if fields:  # the upstream tick arrays carry every field
                frames = {code: _keep(frame, fields) for code, frame in frames.items()}
            return frames
        wanted = list(fields) or [f for f in raw if f != "time"]
        return regroup_field_major(raw, chunk, wanted, period, keep_gaps=not fill_data)

    async def prepare() -> BarPlan:
        await check_codes(ctx, codes)
        report = await ensure_local(ctx, codes, period, start_time, end_time, count, download)
        return BarPlan(codes, rows, report, read, shape)

    return BarQuery(codes, rows, prepare)


def regroup_field_major(
    raw: dict[str, Any], codes: list[str], wanted: list[str], period: str, *, keep_gaps: bool = False
) -> dict[str, pd.DataFrame]:
    """``{field: DataFrame(stocks x times)}`` → ``{code: DataFrame(time, *wanted)}``. A time at which a code
    has nothing (every field NaN: another code's bar, or, with ``fill_data=False``, a bar without trades)
    is left out unless ``keep_gaps``: with ``fill_data=False`` the NaN rows are the answer, as xtquant's."""
    out = {}
    for code in codes:
        columns = {}
        labels: list[str] = []
        for field, table in raw.items():
            if field != "time" and code in table.index:  # 'time' comes from the labels, as ints
                series = table.loc[code]
                labels = [str(x) for x in series.index]
                columns[field] = series.to_numpy()
        frame = pd.DataFrame(columns, index=labels)
        frame = _restore_integers(frame.dropna(how="all") if len(frame) and not keep_gaps else frame)
        out[code] = _keep(_frame_with_time(frame, period), wanted)
    return out


def _keep(frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """``time`` and the ``wanted`` fields the frame has, in that order."""
    return frame[["time"] + [f for f in wanted if f != "time" and f in frame.columns]]


INTEGER_FIELDS = ("volume", "openInterest", "suspendFlag")


def _restore_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """Field-major tables are float (NaN pads stocks without a bar); give counts back their int type."""
    for field in INTEGER_FIELDS:
        if field in frame.columns and frame[field].notna().all():
            frame[field] = frame[field].astype("int64")
    return frame
