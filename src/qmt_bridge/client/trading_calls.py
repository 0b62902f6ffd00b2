"""More trading queries (qmt-bridge 2.1.3's client names them so): one order, fill or position, the accounts'
state, IPO quotas and issues, the ordinary counter's view, futures statistics.

Like the other trading methods they need the API key or request signing, and they return what the server's
answer holds under ``data`` (2.1.3's client returned the whole answer).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from qmt_bridge.client.base import ClientMixin

__all__ = ["TradingCallsMixin"]


class TradingCallsMixin(ClientMixin):
    """``/api/trading/*`` beyond orders, cancels and the day's lists."""

    def query_single_order(self, order_id: int, account_id: str = "") -> dict[str, Any]:
        """One order of today (``GET /api/trading/order/{order_id}``), as :meth:`query_order_detail`.

        Raises:
            NotFoundError: No such order today.
        """
        order_id = int(order_id)
        return self._request("GET", f"/api/trading/order/{order_id}", params={"account_id": account_id})[
            "data"
        ]

    def query_single_trade(self, trade_id: str | int, account_id: str = "") -> dict[str, Any]:
        """One fill of today by its ``traded_id`` (``GET /api/trading/trade/{trade_id}``).

        Raises:
            NotFoundError: No such fill today.
        """
        trade_id = quote(str(trade_id), safe="")
        return self._request("GET", f"/api/trading/trade/{trade_id}", params={"account_id": account_id})[
            "data"
        ]

    def query_single_position(self, stock_code: str, account_id: str = "") -> dict[str, Any] | None:
        """The account's position in one code (``GET /api/trading/position/{stock_code}``); None when it
        holds none."""
        stock_code = quote(stock_code, safe="")
        params = {"account_id": account_id}
        return self._request("GET", f"/api/trading/position/{stock_code}", params=params)["data"]

    def query_position_statistics(self, account_id: str = "") -> list[dict[str, Any]]:
        """Futures position statistics (``GET /api/trading/position_statistics``); empty for stock
        accounts."""
        return self._request("GET", "/api/trading/position_statistics", params={"account_id": account_id})[
            "data"
        ]

    def get_account_status(self, account_id: str = "") -> dict[str, Any]:
        """The account's login state (``GET /api/trading/account_status``): ``status`` (0 OK),
        ``trader_connected``, and ``connected`` (both)."""
        return self._request("GET", "/api/trading/account_status", params={"account_id": account_id})["data"]

    def get_account_info(self, account_id: str = "") -> dict[str, Any]:
        """One configured account as xttrader describes it (``GET /api/trading/account_info``)."""
        return self._request("GET", "/api/trading/account_info", params={"account_id": account_id})["data"]

    def query_account_infos(self) -> list[dict[str, Any]]:
        """Every configured account (``GET /api/trading/account_infos``), as :meth:`query_accounts`."""
        return self._request("GET", "/api/trading/account_infos")["data"]

    def query_new_purchase_limit(self, account_id: str = "") -> dict[str, int]:
        """Shares of new issues the account may subscribe today (``GET /api/trading/new_purchase_limit``):
        ``{"KCB": n, "SH": n, "SZ": n}``."""
        return self._request("GET", "/api/trading/new_purchase_limit", params={"account_id": account_id})[
            "data"
        ]

    def query_ipo_data(self) -> dict[str, dict[str, Any]]:
        """Today's new shares and bonds (``GET /api/trading/ipo_data``): subscription code → ``name``,
        ``type``, ``minPurchaseNum``, ``maxPurchaseNum``, ``purchaseDate``, ``issuePrice``."""
        return self._request("GET", "/api/trading/ipo_data")["data"]

    def query_com_fund(self, account_id: str = "") -> dict[str, Any]:
        """The account's money as the ordinary counter (普通柜台) shows it (``GET /api/trading/com_fund``)."""
        return self._request("GET", "/api/trading/com_fund", params={"account_id": account_id})["data"]

    def query_com_position(self, account_id: str = "") -> list[dict[str, Any]]:
        """The account's positions as the ordinary counter (普通柜台) shows them
        (``GET /api/trading/com_position``)."""
        return self._request("GET", "/api/trading/com_position", params={"account_id": account_id})["data"]
