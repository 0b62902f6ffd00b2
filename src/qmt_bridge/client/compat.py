"""The data methods of qmt-bridge 2.1.3's ``QMTClient`` that ours names differently, so that code written
for it runs against ``qmt_bridge.QMTClient`` too. Each calls the same path as that client and returns what
it returned; the server's ``routers/compat.py`` serves those paths.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["CompatMixin"]

_RAISES = """
        Raises:
            BadRequestError: A parameter is invalid (400).
            NotFoundError: An unknown code (404).
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
"""


def _doc(text: str) -> str:
    return text.rstrip() + "\n" + _RAISES


class CompatMixin(ClientMixin):
    """qmt-bridge 2.1.3's method names (its calendar, market, tick, instrument, CB, option, meta, download and
    utility calls)."""

    # ------------------------------------------------------------------ calendar

    def get_trading_dates_count(self, market: str, start_time: str = "", end_time: str = "") -> int:
        params = {"market": market, "start_time": start_time, "end_time": end_time}
        return int(self._request("GET", "/api/calendar/trading_dates_count", params=params)["count"])

    get_trading_dates_count.__doc__ = _doc(
        """How many trading days ``[start_time, end_time]`` holds (``GET /api/calendar/trading_dates_count``).

        Args:
            market: ``SH``, ``SZ``, ...
            start_time: ``YYYYMMDD``; empty from the first day.
            end_time: ``YYYYMMDD``; empty up to today.

        Returns:
            The number of trading days."""
    )

    def get_trading_time(self, stock: str) -> Any:
        return self._request("GET", "/api/calendar/trading_time", params={"stock": stock})["trading_time"]

    get_trading_time.__doc__ = _doc(
        """Trading sessions of an instrument (``GET /api/calendar/trading_time``; as
        :meth:`get_trading_period`).

        Args:
            stock: A code.

        Returns:
            xtquant's ``get_trading_period`` answer."""
    )

    # ------------------------------------------------------------------ market and tick

    def get_market_data3(
        self,
        stocks: list[str],
        fields: str = "",
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
    ) -> dict[str, Any]:
        params = {
            "stocks": ",".join(stocks) if not isinstance(stocks, str) else stocks,
            "fields": fields,
            "period": period,
            "start_time": start_time,
            "end_time": end_time,
            "count": count,
            "dividend_type": dividend_type,
            "fill_data": fill_data,
        }
        return self._frames(self._request("GET", "/api/market/market_data3", params=params)["data"])

    get_market_data3.__doc__ = _doc(
        """K-lines per stock (``GET /api/market/market_data3``; the same answer as :meth:`get_history_ex`).

        Args:
            stocks: Codes.
            fields: Comma-separated fields; empty for all.
            period: ``1m`` ... ``1d`` ... ``tick``.
            start_time: ``YYYYMMDD[hhmmss]``.
            end_time: ``YYYYMMDD[hhmmss]``.
            count: The last n bars; -1 for all in range.
            dividend_type: ``none``, ``front``, ``back``, ``front_ratio``, ``back_ratio``.
            fill_data: Fill bars without trades.

        Returns:
            ``{code: DataFrame}`` (records without pandas)."""
    )

    def get_l2_thousand_orderbook(
        self, stock: str, start_time: str = "", end_time: str = "", count: int = -1
    ) -> list[dict[str, Any]]:
        params = {"stock": stock, "start_time": start_time, "end_time": end_time, "count": count}
        return self._request("GET", "/api/tick/l2_thousand_orderbook", params=params)["data"]

    get_l2_thousand_orderbook.__doc__ = _doc(
        """Thousand-level books of today (``GET /api/tick/l2_thousand_orderbook``).

        Args:
            stock: A code with Level-2 data.
            start_time: ``YYYYMMDDhhmmss``; empty from the open.
            end_time: ``YYYYMMDDhhmmss``; empty up to now.
            count: The last n; -1 for all.

        Returns:
            One record per book."""
    )

    def get_l2_thousand_trade(
        self, stock: str, start_time: str = "", end_time: str = "", count: int = -1
    ) -> list[dict[str, Any]]:
        params = {"stock": stock, "start_time": start_time, "end_time": end_time, "count": count}
        return self._request("GET", "/api/tick/l2_thousand_trade", params=params)["data"]

    get_l2_thousand_trade.__doc__ = _doc(
        """Level-2 trades of today (``GET /api/tick/l2_thousand_trade``).

        Args:
            stock: A code with Level-2 data.
            start_time: ``YYYYMMDDhhmmss``; empty from the open.
            end_time: ``YYYYMMDDhhmmss``; empty up to now.
            count: The last n; -1 for all.

        Returns:
            One record per trade."""
    )

    # ------------------------------------------------------------------ instruments, bonds, options

    def get_batch_instrument_detail(self, stocks: list[str], iscomplete: bool = False) -> dict[str, Any]:
        params = {"stocks": ",".join(stocks), "iscomplete": iscomplete}
        return self._request("GET", "/api/instrument/batch_detail", params=params)["data"]

    get_batch_instrument_detail.__doc__ = _doc(
        """Details of several codes (``GET /api/instrument/batch_detail``).

        Args:
            stocks: Codes.
            iscomplete: Every field xtquant has.

        Returns:
            ``{code: detail or None}``."""
    )

    def get_st_history(self, stock: str) -> dict[str, Any]:
        return self._request("GET", "/api/instrument/st_history", params={"stock": stock})["data"]

    get_st_history.__doc__ = _doc(
        """The ST history of a stock (``GET /api/instrument/st_history``; xtdata.get_his_st_data).

        Args:
            stock: A code.

        Returns:
            ``{label: [[start, end], ...]}``."""
    )

    def get_cb_detail(self, stock: str) -> dict[str, Any]:
        return self._request("GET", "/api/cb/detail", params={"stock": stock})["data"]

    get_cb_detail.__doc__ = _doc(
        """Terms of a convertible bond (``GET /api/cb/detail``).

        Args:
            stock: The bond's code.

        Returns:
            xtquant's ``get_cb_info`` answer."""
    )

    def get_bond_info(self, stock: str) -> dict[str, Any]:
        return self._request("GET", "/api/cb/bond_info", params={"stock": stock})["data"]

    get_bond_info.__doc__ = _doc(
        """Terms of a convertible bond (``GET /api/cb/bond_info``).

        Args:
            stock: The bond's code.

        Returns:
            xtquant's ``get_cb_info`` answer."""
    )

    def get_cb_conversion_price(self, stock: str) -> list[dict[str, Any]]:
        return self._request("GET", "/api/cb/conversion_price", params={"stock": stock})["data"]

    get_cb_conversion_price.__doc__ = _doc(
        """History of a bond's conversion price (``GET /api/cb/conversion_price``).

        Args:
            stock: The bond's code.

        Returns:
            One record per change (xtdata.bnd_get_conversion_price)."""
    )

    def get_history_option_list(self, undl_code: str, dedate: str) -> Any:
        params = {"undl_code": undl_code, "dedate": dedate}
        return self._request("GET", "/api/option/history_list", params=params)["data"]

    get_history_option_list.__doc__ = _doc(
        """Options of an underlying listed on a past day (``GET /api/option/history_list``).

        Args:
            undl_code: The underlying, e.g. ``510050.SH``.
            dedate: ``YYYYMMDD``.

        Returns:
            xtquant's ``get_his_option_list`` rows."""
    )

    # ------------------------------------------------------------------ meta and utilities

    def get_quote_server_status(self) -> dict[str, Any]:
        return self._request("GET", "/api/meta/quote_server_status")

    get_quote_server_status.__doc__ = _doc(
        """The connected quote servers (``GET /api/meta/quote_server_status``).

        Returns:
            ``{"data": {quote key: server info}}``."""
    )

    def get_stock_name(self, stock: str) -> str:
        return str(self._request("GET", "/api/utility/stock_name", params={"stock": stock})["name"])

    get_stock_name.__doc__ = _doc(
        """The instrument's name (``GET /api/utility/stock_name``).

        Args:
            stock: A code.

        Returns:
            Its name, e.g. ``贵州茅台``."""
    )

    def get_batch_stock_name(self, stocks: list[str]) -> dict[str, str]:
        params = {"stocks": ",".join(stocks)}
        return dict(self._request("GET", "/api/utility/batch_stock_name", params=params)["data"])

    get_batch_stock_name.__doc__ = _doc(
        """Names of several codes (``GET /api/utility/batch_stock_name``).

        Args:
            stocks: Codes.

        Returns:
            ``{code: name}`` (empty for a code the backend does not know)."""
    )

    def code_to_market(self, stock: str) -> dict[str, Any]:
        return self._request("GET", "/api/utility/code_to_market", params={"stock": stock})

    code_to_market.__doc__ = _doc(
        """The market of a code and its instrument types (``GET /api/utility/code_to_market``).

        Args:
            stock: A code.

        Returns:
            ``{"stock", "market", "type"}``."""
    )

    def search_stocks(self, keyword: str, category: str = "沪深A股", limit: int = 20) -> list[str]:
        params = {"keyword": keyword, "category": category, "limit": limit}
        return list(self._request("GET", "/api/utility/search", params=params)["stocks"])

    search_stocks.__doc__ = _doc(
        """Codes whose code or name contains ``keyword`` (``GET /api/utility/search``).

        Args:
            keyword: Part of a code or of a name.
            category: The sector searched.
            limit: At most this many.

        Returns:
            The codes, code matches first."""
    )

    # ------------------------------------------------------------------ downloads

    def download_batch(
        self, stocks: list[str], period: str = "1d", start_time: str = "", end_time: str = ""
    ) -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/download/batch",
            json={"stocks": list(stocks), "period": period, "start_time": start_time, "end_time": end_time},
        )

    download_batch.__doc__ = _doc(
        """Download history of several codes (``POST /api/download/batch``; as :meth:`download_history_data2`).

        Args:
            stocks: Codes.
            period: ``1d``, ``1m``, ``tick`` ...
            start_time: ``YYYYMMDD[hhmmss]``.
            end_time: ``YYYYMMDD[hhmmss]``.

        Returns:
            ``{"status": "ok", "function", "result", ...}``."""
    )

    def download_financial(
        self, stocks: list[str], tables: list[str] | None = None, start_time: str = "", end_time: str = ""
    ) -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/download/financial",
            json={
                "stocks": list(stocks),
                "tables": list(tables or []),
                "start_time": start_time,
                "end_time": end_time,
            },
        )

    download_financial.__doc__ = _doc(
        """Download financial statements (``POST /api/download/financial``).

        Args:
            stocks: Codes.
            tables: ``Balance``, ``Income`` ...; empty for all.
            start_time: ``YYYYMMDD``.
            end_time: ``YYYYMMDD``.

        Returns:
            ``{"status": "ok", ...}``."""
    )

    def download_financial_data2(self, stocks: list[str], tables: list[str] | None = None) -> dict[str, Any]:
        return self._request(
            "POST", "/api/download/financial2", json={"stocks": list(stocks), "tables": list(tables or [])}
        )

    download_financial_data2.__doc__ = _doc(
        """Download financial statements (``POST /api/download/financial2``).

        Args:
            stocks: Codes.
            tables: ``Balance``, ``Income`` ...; empty for all.

        Returns:
            ``{"status": "ok", ...}``."""
    )

    def download_option_data(self) -> dict[str, Any]:
        return self._request("POST", "/api/download/option_data")

    download_option_data.__doc__ = _doc(
        """Download expired contracts, options included (``POST /api/download/option_data``; as
        :meth:`download_history_contracts`).

        Returns:
            ``{"status": "ok", ...}``."""
    )

    def download_ipo_data(self) -> dict[str, Any]:
        return self._request("POST", "/api/download/ipo_data")

    download_ipo_data.__doc__ = _doc(
        """Nothing to download (``POST /api/download/ipo_data``): :meth:`get_ipo_info` reads the quote server.

        Returns:
            ``{"status": "ok", "note"}``."""
    )
