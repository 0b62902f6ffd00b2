"""Credit trading (融资融券): ``/api/credit/*`` for a credit account of the server (``--account-id ID:CREDIT``).

The method names of qmt-bridge 2.1.3's client (``credit_order``, ``query_credit_positions``,
``query_credit_debt`` ...) plus :meth:`CreditMixin.query_credit_quota` and
:meth:`CreditMixin.query_credit_position` for the seed's paths. Like the trading methods they need the API
key or request signing, and return what the server's answer holds under ``data`` (orders: the whole answer,
as :meth:`~qmt_bridge.client.trading.TradingMixin.place_order`). ``account_id`` empty: the server's first
credit account.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin
from qmt_bridge.client.trading import new_client_order_id, trading_doc

__all__ = ["CreditMixin"]

_ACCOUNT = (
    ".\n            BadRequestError: ``account_id`` is a stock account (``not_a_credit_account``)"
    ".\n            ConflictError: The server trades no credit account (``no_credit_account``)"
)


class CreditMixin(ClientMixin):
    """``/api/credit/*``."""

    def credit_order(
        self,
        stock_code: str,
        order_type: int | str,
        order_volume: float,
        price_type: int = 5,
        price: float = 0.0,
        credit_type: str | None = None,
        strategy_name: str = "",
        order_remark: str = "",
        account_id: str = "",
        *,
        client_order_id: str | None = None,
    ) -> dict[str, Any]:
        named = isinstance(order_type, str)
        return self._request(
            "POST",
            "/api/credit/order",
            json={
                "stock_code": stock_code,
                "order_type": None if named else order_type,
                "credit_type": order_type if named else credit_type,
                "order_volume": order_volume,
                "price_type": price_type,
                "price": price,
                "strategy_name": strategy_name,
                "order_remark": order_remark,
                "account_id": account_id,
                # made here when missing, so that a retry after a lost answer repeats the same order
                "client_order_id": client_order_id or new_client_order_id(),
            },
            idempotent=True,
        )

    credit_order.__doc__ = trading_doc(
        """Place one order of a credit account (``POST /api/credit/order``, xttrader.order_stock).

        Args:
            stock_code: e.g. ``"600000.SH"``.
            order_type: xtquant's credit order type: 23 担保品买入, 24 担保品卖出, 27 融资买入, 28 融券卖出,
                29 买券还券, 30 直接还券, 31 卖券还款, 32 直接还款; or its name (``"fin_buy"``, ``"slo_sell"``,
                ``"buy_back"``, ``"sell_back"``, ``"collateral_buy"``, ``"collateral_sell"``,
                ``"direct_secu_repay"``, ``"direct_cash_repay"``).
            order_volume: Shares; for 直接还款 (32) the amount in CNY.
            price_type: 5 latest price (default), 11 limit; as :meth:`place_order`.
            price: The limit price (``price_type=11``).
            credit_type: The type by name when ``order_type`` is None (qmt-bridge 2.1.3's parameter; a given
                ``order_type`` wins, as 2.1.3's server used it).
            strategy_name: Free text kept with the order.
            order_remark: Free text kept with the order.
            account_id: Empty for the server's first credit account.
            client_order_id: Your id of the order (one is made when omitted, so a retried call cannot place
                it twice); sending it again returns the first order and places nothing.

        Returns:
            As :meth:`place_order`: ``{"order_id", "client_order_id", "status", "error", "order"}``; the
            counter's refusals (quota, margin, not a subject, nothing to lend) are ``rejected`` with its
            reason in ``order["normalized"]["error_reason"]``.""",
        _ACCOUNT,
    )

    def query_credit_quota(self, account_id: str = "") -> dict[str, Any]:
        return self._request("GET", "/api/credit/quota", params={"account_id": account_id})["data"]

    query_credit_quota.__doc__ = trading_doc(
        """额度查询 (``GET /api/credit/quota``, xttrader.query_credit_detail).

        Returns:
            ``{"account_id", "fin": {"max_quota", "enable_quota", "used_quota"}, "slo": {...},
            "enable_bail_balance" (可用保证金), "per_assure_scale_value" (维持担保比例, %), "total_debt",
            "detail"}``: ``detail`` is the whole XtCreditDetail under xtquant's names (``m_dFinMaxQuota`` ...).""",
        _ACCOUNT,
    )

    def query_credit_position(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/position", params={"account_id": account_id})["data"]

    query_credit_position.__doc__ = trading_doc(
        """信用持仓 (``GET /api/credit/position``).

        Returns:
            The credit account's positions, as :meth:`query_positions` gives them.""",
        _ACCOUNT,
    )

    def query_credit_positions(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/positions", params={"account_id": account_id})["data"]

    query_credit_positions.__doc__ = trading_doc(
        """qmt-bridge 2.1.3's name and path of :meth:`query_credit_position`.

        Returns:
            The credit account's positions.""",
        _ACCOUNT,
    )

    def query_credit_asset(self, account_id: str = "") -> dict[str, Any] | None:
        return self._request("GET", "/api/credit/asset", params={"account_id": account_id})["data"]

    query_credit_asset.__doc__ = trading_doc(
        """信用账号资产 (``GET /api/credit/asset``, xttrader.query_credit_detail).

        Returns:
            XtCreditDetail under xtquant's names (``m_dBalance`` 总资产, ``m_dTotalDebt`` 总负债,
            ``m_dPerAssurescaleValue`` 维持担保比例 ...); None when the counter has none.""",
        _ACCOUNT,
    )

    def query_credit_debt(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/debt", params={"account_id": account_id})["data"]

    query_credit_debt.__doc__ = trading_doc(
        """负债合约 (``GET /api/credit/debt``, xttrader.query_stk_compacts).

        Returns:
            Each compact under xtquant's names (``compact_type`` 48 融资 / 49 融券 on QMT,
            ``real_compact_balance`` 未还金额, ``real_compact_vol`` 未还数量 ...) and its ``stock_code``.""",
        _ACCOUNT,
    )

    def query_credit_available(self, stock_code: str, account_id: str = "") -> dict[str, Any]:
        return self._request(
            "GET", "/api/credit/available_amount", params={"stock_code": stock_code, "account_id": account_id}
        )["data"]

    query_credit_available.__doc__ = trading_doc(
        """What the account may finance-buy and short-sell of one code now (``GET /api/credit/available_amount``).

        Returns:
            ``{"stock_code", "subject" (its CreditSubjects row or None), "fin_amount", "slo_amount" (CNY:
            min(可用额度, 可用保证金 / 保证金比例), None when not a subject), "slo_enable_volume" (shares the
            counter can lend), "enable_bail_balance"}``.""",
        _ACCOUNT,
    )

    def query_slo_stocks(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/slo_stocks", params={"account_id": account_id})["data"]

    query_slo_stocks.__doc__ = trading_doc(
        """可融券 (``GET /api/credit/slo_stocks``, xttrader.query_credit_slo_code).

        Returns:
            One row per code: ``enable_amount`` (shares the counter can lend) and ``stock_code``.""",
        _ACCOUNT,
    )

    def query_fin_stocks(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/fin_stocks", params={"account_id": account_id})["data"]

    query_fin_stocks.__doc__ = trading_doc(
        """融资标的 (``GET /api/credit/fin_stocks``).

        Returns:
            The subjects open for margin financing, as :meth:`query_credit_subjects` gives them.""",
        _ACCOUNT,
    )

    def query_credit_subjects(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/subjects", params={"account_id": account_id})["data"]

    query_credit_subjects.__doc__ = trading_doc(
        """融资融券标的 (``GET /api/credit/subjects``, xttrader.query_credit_subjects).

        Returns:
            One row per code: ``fin_status`` / ``slo_status`` (48 正常, 49 暂停, 50 作废 on QMT),
            ``fin_ratio`` / ``slo_ratio`` 保证金比例, ``stock_code``.""",
        _ACCOUNT,
    )

    def query_credit_assure(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/credit/assure", params={"account_id": account_id})["data"]

    query_credit_assure.__doc__ = trading_doc(
        """担保品 (``GET /api/credit/assure``, xttrader.query_credit_assure).

        Returns:
            One row per code: ``assure_ratio`` 折算率, ``assure_status``, ``stock_code``.""",
        _ACCOUNT,
    )
