"""Options and futures: chains, details, main contracts.

Each function follows ``xtquant/xtdata.py`` (wheel 250807.1.2): names, parameters, defaults, return
shapes and the wheel's own quirks, noted where they surprise. The wheel builds most of these from sector
lists (``'上证期权'`` + ``'过期上证期权'`` ...) and downloaded files (``historymaincontract``,
``optionhistorycontract``); the simulator answers from its universe, which holds ETF options on six
underlyings (SHO/SZO), CFFEX index options (IO on 沪深300, MO on 中证1000, HO on 上证50; market ``IF``) and
futures of 27 products, but no commodity options, so queries about those come back empty.

History is as deep as the universe keeps contracts (see :mod:`qmt_bridge.sim.market.derivatives`): main
contracts and ETF option lists from about 13 months back, index options since each
product's launch. Earlier days behave like xtquant without downloaded history: ``''`` / ``None`` / no
entry, never a partial answer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from qmt_bridge.sim.market import derivatives as deriv
from qmt_bridge.sim.market import index_options
from qmt_bridge.sim.market.instruments import FUTURE, OPTION, Instrument
from qmt_bridge.sim.market.static import instrument_detail
from qmt_bridge.sim.timeparse import parse_bound, to_ms

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket

#: Exchange names xtquant accepts besides the short market codes.
_LONG_MARKETS = {"CFFEX": "IF", "SHFE": "SF", "DCE": "DF", "CZCE": "ZF", "GFEX": "GF", "INE": "INE"}

#: Keys of ``get_option_detail_data``, in the wheel's order.
OPTION_DETAIL_KEYS: tuple[str, ...] = (
    "ExchangeID",
    "InstrumentID",
    "InstrumentName",
    "ProductID",
    "ProductType",
    "OpenDate",
    "CreateDate",
    "ExpireDate",
    "PreClose",
    "SettlementPrice",
    "UpStopPrice",
    "DownStopPrice",
    "LongMarginRatio",
    "ShortMarginRatio",
    "PriceTick",
    "VolumeMultiple",
    "MaxMarketOrderVolume",
    "MinMarketOrderVolume",
    "MaxLimitOrderVolume",
    "MinLimitOrderVolume",
    "OptUnit",
    "MarginUnit",
    "OptUndlCode",
    "OptUndlUniCode",
    "OptUndlMarket",
    "OptUndlCodeFull",
    "OptExercisePrice",
    "NeeqExeType",
    "OptUndlRiskFreeRate",
    "OptUndlHistoryRate",
    "EndDelivDate",
    "OptEstimatedMargin",
    "optType",
    "ProductCode",
)

#: SSE/SZSE per-order limits for ETF options (contracts), as in xtquant's documented sample.
_OPTION_ORDER_LIMITS = {
    "MaxMarketOrderVolume": 10,
    "MinMarketOrderVolume": 1,
    "MaxLimitOrderVolume": 50,
    "MinLimitOrderVolume": 1,
}


#: CFFEX index options: per-order limits (contracts) of limit and market orders.
_INDEX_OPTION_ORDER_LIMITS = {
    "MaxMarketOrderVolume": 10,
    "MinMarketOrderVolume": 1,
    "MaxLimitOrderVolume": 20,
    "MinLimitOrderVolume": 1,
}


def _short_margin(inst: Instrument, settle: float, undl_close: float) -> float:
    """Margin of one short contract: CFFEX's formula for index options, the SSE's for ETF options."""
    call = inst.option_type == "CALL"
    if inst.market == "IF":
        return index_options.short_margin(call, settle, undl_close, inst.strike)
    return deriv.sse_option_margin(call, settle, undl_close, inst.strike, int(inst.volume_multiple))


class DerivativesAPI:
    """xtdata functions: Options and futures: chains, details, main contracts."""

    market: SimMarket

    # ------------------------------------------------------------------ options

    def get_option_detail_data(self, optioncode: str) -> dict[str, Any] | None:
        """``None`` for an unknown code, ``{}`` for a non-option, else the 34 keys of
        :data:`OPTION_DETAIL_KEYS` (dates as ``'YYYYMMDD'``).

        Prices are those of the instrument's TradingDay (the newest trading day): ``SettlementPrice`` and
        ``PreClose`` the previous settlement, limits and ``MarginUnit`` by the SSE formulas (CFFEX's for
        index options, :mod:`~qmt_bridge.sim.market.index_options`) from it and the underlying's previous
        close, ``OptEstimatedMargin`` the same formula on the latest closed day's
        prices (tomorrow's margin), ``OptUndlHistoryRate`` the annualised volatility of the underlying's
        last 30 daily returns, ``OptUndlRiskFreeRate`` the rate the simulator prices options with.
        """
        inst = self.market.universe.get(optioncode)
        if inst is None:
            return None
        if inst.kind != OPTION:
            return {}
        base = instrument_detail(self.market, inst, True)
        call = inst.option_type == "CALL"
        undl_symbol, _, undl_market = inst.underlying.rpartition(".")
        undl = self.market.universe.get(inst.underlying)
        day = self.market.current_day()
        ref_day = min(day, inst.expire_date) if inst.expire_date else day
        settle = float(base["SettlementPrice"]) or float(base["PreClose"])
        undl_pre = undl_close = hist_vol = 0.0
        est_settle = settle
        if undl is not None:
            bar = deriv.bar_on_or_before(self.market.prices, undl, ref_day)
            if bar is not None:
                undl_pre = bar["preClose"] if bar["on_day"] else bar["close"]
            closed = self.market.last_complete_day() or ref_day
            closed = min(closed, ref_day)
            last = deriv.bar_on_or_before(self.market.prices, undl, closed)
            undl_close = last["close"] if last else undl_pre
            closes, pre_closes = deriv.daily_closes_until(self.market.prices, undl, closed)
            hist_vol = deriv.historical_volatility(closes, pre_closes)
            own = deriv.bar_on_or_before(self.market.prices, inst, closed)
            if own is not None:
                est_settle = own["settle"] or own["close"]
        unit = int(inst.volume_multiple)
        cffex = inst.market == "IF"
        if undl_pre > 0:
            if cffex:
                down, up = index_options.price_limits(settle, undl_pre)
            else:
                down, up = deriv.sse_option_limits(call, settle, undl_pre, inst.strike, inst.price_tick)
            margin = _short_margin(inst, settle, undl_pre)
        else:
            down, up, margin = float(base["DownStopPrice"]), float(base["UpStopPrice"]), 0.0
        estimated = _short_margin(inst, est_settle, undl_close) if undl_close else 0.0
        full = f"{undl_symbol}.{undl_market}"
        values: dict[str, Any] = {
            **{k: base.get(k) for k in OPTION_DETAIL_KEYS[:16]},
            **(_INDEX_OPTION_ORDER_LIMITS if cffex else _OPTION_ORDER_LIMITS),
            "UpStopPrice": up,
            "DownStopPrice": down,
            "LongMarginRatio": index_options.MARGIN_RATIO * 100 if cffex else deriv.MARGIN_HIGH_PCT,
            "ShortMarginRatio": index_options.MARGIN_RATIO * 100 if cffex else deriv.MARGIN_LOW_PCT,
            "OptUnit": unit,
            "MarginUnit": margin,
            "OptUndlCode": undl_symbol,
            "OptUndlUniCode": undl_symbol,
            "OptUndlMarket": undl_market,
            "OptUndlCodeFull": full,
            "OptExercisePrice": inst.strike,
            "NeeqExeType": 0,
            "OptUndlRiskFreeRate": deriv.RISK_FREE_RATE,
            "OptUndlHistoryRate": round(hist_vol, 6),
            "EndDelivDate": base["ExpireDate"],
            "OptEstimatedMargin": estimated,
            "optType": _opt_type(inst),
            # SHO/SZO: the wheel's ProductCode is OptUndlCodeFull ('_o' products and CZCE differ).
            "ProductCode": full,
        }
        return {k: values[k] for k in OPTION_DETAIL_KEYS}

    def get_option_undl_data(self, undl_code_ref: str) -> list[str] | dict[str, list[str]]:
        """Options listed today: for a code, its options (``list``, by code); for ``''``,
        ``{underlying: [options]}`` over all underlyings (xtquant reads the current option sectors, so
        expired options are not included)."""
        day = self.market.current_day()
        listed = [
            o for o in self.market.universe.by_kind(OPTION) if o.listed_on(day)
        ]  # by_kind is sorted by code
        if undl_code_ref:
            parts = undl_code_ref.split(".")
            if len(parts) != 2:
                return []
            market = deriv.option_market(undl_code_ref) if parts[1] in ("SH", "SZ") else parts[1]
            return [o.code for o in listed if o.market == market and o.underlying == undl_code_ref]
        result: dict[str, list[str]] = {}
        for o in listed:
            result.setdefault(o.underlying, []).append(o.code)
        return result

    def get_option_list(
        self, undl_code: str, dedate: str, opttype: str = "", isavailavle: bool = False
    ) -> list[str]:
        """Options on ``undl_code`` (current and expired ones the universe still has), by code.

        ``dedate``: 6 characters ``'YYYYMM'`` keeps options whose ExpireDate contains it (expiry month);
        8 characters ``'YYYYMMDD'`` keeps options listed on or before that day (expired ones too) and,
        with ``isavailavle=True``, only those expiring on or after it (``isavailavle`` has no effect
        otherwise, as in the wheel); anything else does not filter. ``opttype``: ``'C'``/``'CALL'``,
        ``'P'``/``'PUT'`` (any case), ``''`` both. ``000016/000300/000852/000905.SH`` look on CFFEX
        (market ``IF``): IO, MO and HO since their launch (no options on 000905.SH, as on CFFEX).
        """
        parts = undl_code.split(".")
        if len(parts) != 2:
            return []
        undl_symbol = parts[0]
        market = deriv.option_market(undl_code)
        kind = opttype.upper()
        kind = {"C": "CALL", "P": "PUT"}.get(kind, kind)
        dedate = str(dedate)
        result = []
        for o in self.market.universe.by_kind(OPTION):
            if o.market != market or o.underlying.rsplit(".", 1)[0] != undl_symbol:
                continue
            if kind and kind != _opt_type(o):
                continue
            expire = _ymd(o.expire_date)
            if len(dedate) == 6 and dedate not in expire:
                continue
            if len(dedate) == 8:
                opened = _ymd(o.list_date)
                if opened < "20150101" or opened > dedate:
                    continue
                if isavailavle and expire < dedate:
                    continue
            result.append(o.code)
        return result

    def get_his_option_list(self, undl_code: str, dedate: str) -> pd.DataFrame | None:
        """The options on ``undl_code`` alive on ``dedate`` (``'YYYYMMDD'``) as a DataFrame, or ``None``
        (no date, not a trading day, before the history the simulator keeps, or no options).

        Columns: the 13 fields of ``optionhistorycontract`` (metaInfo 9502) ``期权编码, 期权市场, 标的编码,
        标的市场, 行权价, 方向, 到期月, 到期日, 合约类型, 上市日, 调整, 期权名称, 合约单位`` plus the wheel's
        ``期权完整代码, 标的完整代码, 期货品种``; RangeIndex; rows by expiry, strike, CALL before PUT.
        """
        if not dedate:
            return None
        dedate = str(dedate)
        return self.get_his_option_list_batch(undl_code, dedate, dedate).get(dedate)

    def get_his_option_list_batch(
        self, undl_code: str, start_time: str = "", end_time: str = ""
    ) -> dict[str, pd.DataFrame]:
        """``{'YYYYMMDD': DataFrame}`` (see :meth:`get_his_option_list`) for each trading day in
        ``[start_time, end_time]`` up to today. The range is clipped to the history the simulator keeps
        (about 13 months for ETF options, since the launch for index options), which also bounds the answer
        for open ranges (``''``)."""
        parts = undl_code.rsplit(".", 1)
        if len(parts) != 2:
            return {}
        stockcode, market = parts
        universe = self.market.universe
        if market in ("SH", "SZ"):
            product = stockcode
            options = [
                o for o in universe.options_of(undl_code) if o.market == deriv.option_market(undl_code)
            ]
        else:  # options on futures: none in the simulator
            detail = universe.get(undl_code)
            product = detail.product if detail is not None and detail.product else stockcode
            options = []
        if not options:
            return {}
        cal = self.market.calendar
        start = deriv.options_history_start(universe, undl_code, cal)
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        first = start if lo is None or start is None else max(start, lo.date())
        last = self.market.current_day()
        if hi is not None:
            last = min(last, hi.date())
        days = cal.between(first, last)
        return deriv.his_option_frames(options, days, product)

    # ------------------------------------------------------------------ futures

    def get_main_contract(
        self, code_market: str, start_time: str = "", end_time: str = ""
    ) -> str | pd.Series | None:
        """Main contract of a continuous code (``'IF00.IF'``, ``'AP00.ZF'``).

        No dates: today's main ``'IF2512.IF'`` (``''`` if unknown; ``'IF001.IF'`` gives the second main,
        as xtquant's native call does). ``start_time`` only: the main on that day (``''`` before the
        history). Both: ``pd.Series`` of the main on ``start_time``'s day and every change up to
        ``end_time`` — index = ms timestamps (00:00 CST of the day, int64), values = codes — or ``''``.
        ``end_time`` without ``start_time`` returns ``None`` (the wheel falls through).
        """
        return self._main_query(code_market, start_time, end_time, second=False)

    def get_sec_main_contract(
        self, code_market: str, start_time: str = "", end_time: str = ""
    ) -> str | pd.Series | None:
        """Second main contract, shaped like :meth:`get_main_contract`.

        No dates: only codes ending in ``'00'`` (else ``None``, like the wheel). ``start_time`` only: the
        wheel selects rows strictly *before* that day (``<``, where the main uses ``<=``), so this is the
        second main of the previous trading day in the history.
        """
        return self._main_query(code_market, start_time, end_time, second=True)

    def get_trading_contract_list(self, stockcode: str, date: str | None = None) -> list[str]:
        """Contracts of the product of ``stockcode`` (``'IF00.IF'``, ``'rb00.SF'``, also ``'IF.IF'``: the
        product is the code with ``'00'`` removed) tradable on ``date`` (``'YYYYMMDD'``, default the newest
        trading day): listed on or before it and expiring on or after it. Codes are
        ``<exchange code>.<MARKET as given, upper-cased>`` sorted by expiry. A bare ``'IF'`` gives ``[]``."""
        parts = stockcode.rsplit(".", 1)
        if len(parts) != 2:
            return []
        code, market = parts[0], parts[1].upper()
        short = _LONG_MARKETS.get(market, market)
        if date:
            day = int(str(date)[:8])
        else:
            day = int(_ymd(self.market.current_day()))
        product = code.replace("00", "")
        found = [
            c
            for c in self.market.universe.by_kind(FUTURE)
            if c.market == short
            and c.product == product
            and c.expire_date is not None
            and int(_ymd(c.list_date)) <= day <= int(_ymd(c.expire_date))
        ]
        found.sort(key=lambda c: (c.expire_date, c.code))
        return [f"{c.symbol}.{market}" for c in found]

    # ------------------------------------------------------------------ internals

    def _main_query(
        self, code_market: str, start_time: Any, end_time: Any, second: bool
    ) -> str | pd.Series | None:
        parts = str(code_market).split(".")
        if len(parts) < 2:
            return ""
        marker = parts[1]
        if start_time == "" and end_time == "":
            if second:
                if not parts[0].endswith("00"):
                    return None
                return self._current_main(f"{parts[0]}1.{marker}")
            return self._current_main(code_market)
        if start_time and end_time == "":
            frame = self._history_main(code_market)
            s = to_ms(parse_bound(start_time, end=False))
            rows = frame.loc[frame["time"] < s] if second else frame.loc[frame["time"] <= s]
            column = "次主力合约代码" if second else "合约在交易所的代码"
            if rows.shape[0] > 0 and rows[column].iloc[-1]:
                return rows[column].iloc[-1] + "." + marker
            return ""
        if start_time and end_time:
            frame = self._history_main(code_market)
            s = to_ms(parse_bound(start_time, end=False))
            e = to_ms(parse_bound(end_time, end=False))
            rows = frame.loc[(frame["time"] <= e) & (frame["time"] >= s)]
            if rows.shape[0] == 0:
                return ""
            column = "次主力合约代码" if second else "合约在交易所的代码"
            res = pd.Series(index=rows["time"].to_numpy(), data=(rows[column] + "." + marker).to_numpy())
            return res.loc[res.ne(res.shift(1))]
        return None

    def _current_main(self, code: str) -> str:
        """xtquant's native ``get_main_contract``: ``'IF00.IF'`` -> main, ``'IF001.IF'`` -> second main."""
        universe, day = self.market.universe, self.market.current_day()
        symbol, _, market = code.rpartition(".")
        if symbol.endswith("001") and universe.get(f"{symbol[:-1]}.{market}") is not None:
            return universe.sec_main_contract(f"{symbol[:-1]}.{market}", day) or ""
        return universe.main_contract(code, day) or ""

    def _history_main(self, code_market: str) -> pd.DataFrame:
        """The ``historymaincontract`` frame of ``code_market`` up to today (cached per day)."""
        cache: dict[tuple[str, dt.date], pd.DataFrame] = self.__dict__.setdefault("_main_history_cache", {})
        day = self.market.current_day()
        key = (code_market, day)
        frame = cache.get(key)
        if frame is None:
            if len(cache) > 256:
                cache.clear()
            frame = deriv.history_main_contract_frame(
                self.market.universe, self.market.calendar, code_market, day
            )
            cache[key] = frame
        return frame


def _opt_type(inst: Instrument) -> str:
    """The wheel's optType: from the name (购/沽), else from the option type."""
    if "购" in inst.name:
        return "CALL"
    if "沽" in inst.name:
        return "PUT"
    return inst.option_type


def _ymd(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day is not None else ""
