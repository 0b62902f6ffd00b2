"""Parsing and validating the query parameters every data router shares.

Each parser raises :class:`InvalidParameter` naming the parameter, so a bad request always answers 4xx
with a message that says which input was wrong and why.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum

from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.xtnames import KLINE_FIELDS, KLINE_PERIODS, TICK_FIELDS

CODE_RE = re.compile(r"^[A-Za-z0-9]{1,12}\.[A-Za-z]{2,4}$")
MAX_CODES = 6000

BAR_PERIODS = (*KLINE_PERIODS, "tick")
MARKET_CODES = (
    "SH",
    "SZ",
    "BJ",
    "HK",
    "HGT",
    "SGT",
    "IF",
    "SF",
    "DF",
    "ZF",
    "GF",
    "INE",
    "SHO",
    "SZO",
    "BKZS",
)
CALENDAR_MARKETS = ("SH", "SZ", "BJ", "IF", "SF", "DF", "ZF", "GF", "INE", "SHO", "SZO")


class DividendType(str, Enum):
    none = "none"
    front = "front"
    back = "back"
    front_ratio = "front_ratio"
    back_ratio = "back_ratio"


class TableFormat(str, Enum):
    """``records``: ``{code: [{field: value}, ...]}``; ``columns``: ``{code: {field: [values]}}``."""

    records = "records"
    columns = "columns"


class BulkFormat(str, Enum):
    """The formats of the bulk K-line endpoints: :class:`TableFormat`'s, and ``arrow`` (an Apache Arrow IPC
    stream, when the server has pyarrow)."""

    records = "records"
    columns = "columns"
    arrow = "arrow"


def split_list(value: str | None, param: str, *, required: bool = True) -> list[str]:
    items = [part.strip() for part in (value or "").split(",") if part.strip()]
    if required and not items:
        raise InvalidParameter(param, "must list at least one item (comma-separated)")
    return list(dict.fromkeys(items))


def parse_code(value: str, param: str = "stock") -> str:
    code = value.strip()
    if not CODE_RE.match(code):
        raise InvalidParameter(
            param, f"{value!r} is not a code of the form <symbol>.<market>, e.g. 600519.SH", value=value
        )
    symbol, market = code.rsplit(".", 1)
    market = market.upper()
    if market not in MARKET_CODES:
        raise InvalidParameter(param, f"unknown market suffix {market!r} in {value!r}", value=value)
    return f"{symbol}.{market}"


def parse_codes(value: str | None, param: str = "stocks", *, allow_markets: bool = False) -> list[str]:
    items = split_list(value, param)
    if len(items) > MAX_CODES:
        raise InvalidParameter(param, f"at most {MAX_CODES} codes per request, got {len(items)}")
    out = []
    for item in items:
        if allow_markets and item.upper() in MARKET_CODES:
            out.append(item.upper())
        else:
            out.append(parse_code(item, param))
    return list(dict.fromkeys(out))


def parse_period(value: str, param: str = "period", *, allowed: tuple[str, ...] = BAR_PERIODS) -> str:
    if value not in allowed:
        raise InvalidParameter(param, f"unknown period {value!r}; one of {', '.join(allowed)}", value=value)
    return value


def parse_time(value: str | None, param: str, *, required: bool = False) -> str:
    """``''`` (unless ``required``), ``YYYYMMDD`` or ``YYYYMMDDhhmmss`` (``YYYY-MM-DD`` is accepted and
    normalised)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidParameter(param, "is required: a date YYYYMMDD or a time YYYYMMDDhhmmss", value=text)
        return ""
    compact = text.replace("-", "").replace(":", "").replace(" ", "").replace("T", "")
    formats = {8: "%Y%m%d", 14: "%Y%m%d%H%M%S"}
    fmt = formats.get(len(compact))
    if fmt is None or not compact.isdigit():
        raise InvalidParameter(param, f"{text!r} is not a date YYYYMMDD or a time YYYYMMDDhhmmss", value=text)
    try:
        dt.datetime.strptime(compact, fmt)
    except ValueError:
        raise InvalidParameter(param, f"{text!r} is not a valid calendar date/time", value=text) from None
    return compact


def parse_range(start: str | None, end: str | None) -> tuple[str, str]:
    """Validated ``(start_time, end_time)``; end before start is an error."""
    lo, hi = parse_time(start, "start_time"), parse_time(end, "end_time")
    if lo and hi and hi.ljust(14, "9") < lo.ljust(14, "0"):
        raise InvalidParameter("end_time", f"{hi} is before start_time {lo}", value=hi)
    return lo, hi


def parse_market(value: str, param: str = "market", *, allowed: tuple[str, ...] = CALENDAR_MARKETS) -> str:
    market = value.strip().upper()
    if market not in allowed:
        raise InvalidParameter(param, f"unknown market {value!r}; one of {', '.join(allowed)}", value=value)
    return market


#: xtquant stamps days at 00:00 China time.
CST = dt.timezone(dt.timedelta(hours=8))


def ms_to_day(ms: int) -> str:
    """xtquant's ms timestamp of a day as ``YYYYMMDD`` (China time)."""
    return dt.datetime.fromtimestamp(int(ms) / 1000, CST).strftime("%Y%m%d")


def parse_date(value: str, param: str = "date") -> dt.date:
    text = parse_time(value, param)
    if not text:
        raise InvalidParameter(param, "is required (YYYYMMDD)")
    return dt.datetime.strptime(text[:8], "%Y%m%d").date()


def parse_fields(value: str | None, param: str = "fields", *, period: str | None = None) -> list[str]:
    """Field names (empty = all). With a ``period``, each must be one of xtquant's fields for it (K-line or
    tick, case as xtquant spells them), so that a typo is an error rather than an empty or missing column."""
    fields = split_list(value, param, required=False)
    for f in fields:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,40}$", f):
            raise InvalidParameter(param, f"{f!r} is not a field name", value=f)
    if period is not None:
        known = TICK_FIELDS if period == "tick" else KLINE_FIELDS
        unknown = [f for f in fields if f not in known]
        if unknown:
            kind = "tick" if period == "tick" else "K-line"
            raise InvalidParameter(
                param,
                f"unknown {kind} field(s) {', '.join(unknown)}; one of {', '.join(known)}",
                value=unknown,
            )
    return fields


def parse_bar_fields(value: str | None, period: str, kline_default: str) -> list[str]:
    """:func:`parse_fields` for an endpoint whose default (``kline_default``) names K-line fields: for ticks
    that default means every field, since ticks have none of them (``lastPrice``, not ``close``)."""
    if period == "tick" and value == kline_default:
        return []
    return parse_fields(value, period=period)


def either(name: str, value: str | None, alias: str, alias_value: str | None) -> str:
    """A parameter that has a second name (qmt-bridge 2.1.3's, kept so its client works): the one given.
    Neither is the usual 422 for a missing parameter; both with different values is a 400."""
    if value is not None and alias_value is not None and value != alias_value:
        raise InvalidParameter(name, f"{name} and {alias} name the same parameter; give one", value=value)
    chosen = value if value is not None else alias_value
    if chosen is None:
        from fastapi.exceptions import RequestValidationError

        raise RequestValidationError(
            [
                {
                    "type": "missing",
                    "loc": ("query", name),
                    "msg": f"Field required (or {alias})",
                    "input": None,
                }
            ]
        )
    return chosen
