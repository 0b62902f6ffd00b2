"""More trading queries (qmt-bridge 2.1.3's client names them so): one order, fill or position, the accounts'
state, IPO quotas and issues, the ordinary counter's view, futures statistics.

Like the other trading methods they need the API key or request signing, and they return what the server's
answer holds under ``data`` (2.1.3's client returned the whole answer).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from qmt_bridge.client.base import ClientMixin
from qmt_bridge.client.trading import trading_doc

__all__ = ["TradingCallsMixin"]


class TradingCallsMixin(ClientMixin):
    """``/api/trading/*`` beyond orders, cancels and the day's lists."""

    def query_single_order(self, order_id: int, account_id: str = "") -> dict[str, Any]:
        order_id = int(order_id)
        return self._request("GET", f"/api/trading/order/{order_id}", params={"account_id": account_id})[
            "data"
        ]

    query_single_order.__doc__ = trading_doc(
        """One order of today (``GET /api/trading/order/{order_id}``), as :meth:`query_order_detail`.

        Args:
            order_id: The counter's order id.
            account_id: Empty for the server's first account.

        Returns:
            xtquant's order fields, plus ``client_order_id`` and ``normalized``.""",
        ", or there is no such order today",
    )

    def query_single_trade(self, trade_id: str | int, account_id: str = "") -> dict[str, Any]:
        trade_id = quote(str(trade_id), safe="")
        return self._request("GET", f"/api/trading/trade/{trade_id}", params={"account_id": account_id})[
            "data"
        ]

    query_single_trade.__doc__ = trading_doc(
        """One fill of today by its ``traded_id`` (``GET /api/trading/trade/{trade_id}``).

        Args:
            trade_id: The fill's ``traded_id``.
            account_id: Empty for the server's first account.

        Returns:
            The fill as :meth:`query_trades` gives it.""",
        ", or there is no such fill today",
    )

    def query_single_position(self, stock_code: str, account_id: str = "") -> dict[str, Any] | None:
        stock_code = quote(stock_code, safe="")
        params = {"account_id": account_id}
        return self._request("GET", f"/api/trading/position/{stock_code}", params=params)["data"]

    query_single_position.__doc__ = trading_doc(
        """The account's position in one code (``GET /api/trading/position/{stock_code}``).

        Args:
            stock_code: e.g. ``"600519.SH"``.
            account_id: Empty for the server's first account.

        Returns:
            The position as :meth:`query_positions` gives it, or None when none is held."""
    )

    def query_position_statistics(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/trading/position_statistics", params={"account_id": account_id})[
            "data"
        ]

    query_position_statistics.__doc__ = trading_doc(
        """Futures position statistics (``GET /api/trading/position_statistics``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``XtPositionStatistics`` fields per row; empty for a stock account."""
    )

    def get_account_status(self, account_id: str = "") -> dict[str, Any]:
        return self._request("GET", "/api/trading/account_status", params={"account_id": account_id})["data"]

    get_account_status.__doc__ = trading_doc(
        """The account's login state (``GET /api/trading/account_status``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``{"account_id", "account_type", "status" (0 OK), "trader_connected", "connected"}``;
            ``connected``: the trader is connected and the account logged in."""
    )

    def get_account_info(self, account_id: str = "") -> dict[str, Any]:
        return self._request("GET", "/api/trading/account_info", params={"account_id": account_id})["data"]

    get_account_info.__doc__ = trading_doc(
        """One configured account as xttrader describes it (``GET /api/trading/account_info``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``index``, ``account_id``, ``account_type`` and ``query_account_infos``'s other fields."""
    )

    def query_account_infos(self) -> list[dict[str, Any]]:
        return self._request("GET", "/api/trading/account_infos")["data"]

    query_account_infos.__doc__ = trading_doc(
        """Every configured account (``GET /api/trading/account_infos``), as :meth:`query_accounts`.

        Returns:
            One entry per account, in the server's order (``index`` 0 is the default)."""
    )

    def query_new_purchase_limit(self, account_id: str = "") -> dict[str, int]:
        return self._request("GET", "/api/trading/new_purchase_limit", params={"account_id": account_id})[
            "data"
        ]

    query_new_purchase_limit.__doc__ = trading_doc(
        """Shares of new issues the account may subscribe today (``GET /api/trading/new_purchase_limit``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``{"KCB": n, "SH": n, "SZ": n}`` (shares; bonds have a fixed 10,000 张)."""
    )

    def query_ipo_data(self) -> dict[str, dict[str, Any]]:
        return self._request("GET", "/api/trading/ipo_data")["data"]

    query_ipo_data.__doc__ = trading_doc(
        """Today's new shares and bonds (``GET /api/trading/ipo_data``).

        Returns:
            Subscription code → ``name``, ``type`` (STOCK/BOND), ``minPurchaseNum``, ``maxPurchaseNum``,
            ``purchaseDate``, ``issuePrice``."""
    )

    def query_com_fund(self, account_id: str = "") -> dict[str, Any]:
        return self._request("GET", "/api/trading/com_fund", params={"account_id": account_id})["data"]

    query_com_fund.__doc__ = trading_doc(
        """The account's money as the ordinary counter (普通柜台) shows it (``GET /api/trading/com_fund``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``success``, ``currentBalance``, ``enableBalance``, ``fetchBalance``, ``assetBalance``,
            ``marketValue``, ``debt`` ..."""
    )

    def query_com_position(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/trading/com_position", params={"account_id": account_id})["data"]

    query_com_position.__doc__ = trading_doc(
        """The account's positions as the ordinary counter shows them (``GET /api/trading/com_position``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            One dict per position held: ``stockCode``, ``stockName``, ``totalAmt``, ``enableAmount``,
            ``costPrice``, ``income``, ``marketValue`` ..."""
    )

    def get_ipo_today(self, account_id: str = "") -> dict[str, Any]:
        return self._request("GET", "/api/trading/ipo_today", params={"account_id": account_id})

    get_ipo_today.__doc__ = trading_doc(
        """新股申购: today's issues with what the account may subscribe (``GET /api/trading/ipo_today``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``{"account_id", "date", "issues": [{"code", "name", "board", "issue_price", "unit", "min",
            "max", "quota", "volume", "reason"}]}``; ``volume`` is the most it may subscribe (0 with
            ``reason`` when it may not)."""
    )

    def subscribe_ipos(self, codes: list[str] | None = None, account_id: str = "") -> dict[str, Any]:
        return self._request(
            "POST", "/api/trading/ipo_subscribe", json={"codes": codes, "account_id": account_id}
        )

    subscribe_ipos.__doc__ = trading_doc(
        """一键打新: subscribe the most allowed for each of today's issues (``POST /api/trading/ipo_subscribe``).

        Calling it again the same day places nothing new (each subscription's ``client_order_id`` is made
        from the day, the code and the account).

        Args:
            codes: Only these subscription codes; None for every issue of today.
            account_id: Empty for the server's first account.

        Returns:
            ``{"account_id", "date", "results": [...]}``: per issue ``code``, ``volume``, ``http_status``
            and ``/order``'s answer (``order_id``, ``status``, ``order``), or ``error`` ``{code, message}``
            when it was skipped or refused."""
    )
