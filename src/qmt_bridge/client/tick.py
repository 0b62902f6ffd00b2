"""Client methods for ``/api/tick/*``: Level-2 quotes, orders, transactions, thousand-level books and their
statistics.

xtquant keeps Level-2 data only for the current trading day and only with an L2 entitlement; a code without
data answers an empty table, not an error.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["TickMixin"]


def _level2_params(
    stock: str, fields: str | list[str] | None, start_time: str, end_time: str, count: int
) -> dict[str, Any]:
    return {
        "stock": stock,
        "fields": fields,
        "start_time": start_time,
        "end_time": end_time,
        "count": count,
        "format": "columns",
    }


class TickMixin(ClientMixin):
    """Level-2 data (逐笔): ``/api/tick/*``."""

    def get_l2_quote(
        self,
        stock: str,
        fields: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
    ) -> Any:
        """Level-2 snapshots with 10-level books (``GET /api/tick/l2_quote``).

        Args:
            stock: Stock code, e.g. ``"000001.SZ"``.
            fields: Fields to return (list or comma-separated string); ``None`` for all.
            start_time: Start, ``YYYYMMDDhhmmss``; empty for the start of today's data.
            end_time: End, same format; empty for now.
            count: Number of most recent rows; ``-1`` for all within the range.

        Returns:
            A DataFrame indexed by Shanghai time (tick fields; ``askPrice``/``bidVol`` ... hold one list of
            levels per row), or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a time is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no Level-2 data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/tick/l2_quote", params=_level2_params(stock, fields, start_time, end_time, count)
        )
        return self._frame(response.get("data"))

    def get_l2_order(
        self,
        stock: str,
        fields: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
    ) -> Any:
        """Level-2 order stream, 逐笔委托 (``GET /api/tick/l2_order``).

        Args:
            stock: Stock code.
            fields: Fields to return (``time``, ``price``, ``volume``, ``entrustNo``, ``entrustType``,
                ``entrustDirection``); ``None`` for all.
            start_time: Start, ``YYYYMMDDhhmmss``; empty for the start of today's data.
            end_time: End, same format; empty for now.
            count: Number of most recent orders; ``-1`` for all within the range.

        Returns:
            A DataFrame indexed by Shanghai time, or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a time is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no Level-2 data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/tick/l2_order", params=_level2_params(stock, fields, start_time, end_time, count)
        )
        return self._frame(response.get("data"))

    def get_l2_transaction(
        self,
        stock: str,
        fields: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
    ) -> Any:
        """Level-2 transaction stream, 逐笔成交 (``GET /api/tick/l2_transaction``).

        Args:
            stock: Stock code.
            fields: Fields to return (``time``, ``price``, ``volume``, ``amount``, ``tradeIndex``, ``buyNo``,
                ``sellNo``, ``tradeType``, ``tradeFlag``); ``None`` for all.
            start_time: Start, ``YYYYMMDDhhmmss``; empty for the start of today's data.
            end_time: End, same format; empty for now.
            count: Number of most recent transactions; ``-1`` for all within the range.

        Returns:
            A DataFrame indexed by Shanghai time, or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a time is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no Level-2 data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/tick/l2_transaction",
            params=_level2_params(stock, fields, start_time, end_time, count),
        )
        return self._frame(response.get("data"))

    def get_l2_thousand_quote(self, stock: str, count: int = 1) -> Any:
        """Thousand-level books, 千档行情 (``GET /api/tick/l2_thousand_quote``).

        Args:
            stock: Stock code.
            count: Number of most recent books; ``-1`` for all of today's.

        Returns:
            A DataFrame with one row per book (indexed by Shanghai time when rows carry ``time``), or without
            pandas a list of row dicts; empty when the server has no thousand-level data for the code.

        Raises:
            BadRequestError: The code is invalid.
            NotFoundError: The code is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/tick/l2_thousand_quote", params={"stock": stock, "count": count}
        )
        return self._records_frame(list(response.get("data") or []))

    def get_l2thousand_queue(
        self,
        stock: str,
        gear_num: int | None = None,
        price: float | tuple[float, float] | list[float] | None = None,
    ) -> Any:
        """Per-order queues of the thousand-level book (``GET /api/tick/l2thousand_queue``).

        Args:
            stock: Stock code.
            gear_num: Only the first ``gear_num`` price levels; ``None`` for all.
            price: One price, or ``(lo, hi)`` for the levels in a price range; ``None`` for all. Give
                ``gear_num`` or ``price``, not both.

        Returns:
            xtquant's ``get_l2thousand_queue`` answer as is (queues per price level).

        Raises:
            BadRequestError: The code or the price is invalid, or both ``gear_num`` and ``price`` are given.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no thousand-level queues.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/tick/l2thousand_queue",
            params={"stock": stock, "gear_num": gear_num, "price": price},
        )
        return response.get("data")

    def get_transactioncount(self, stocks: str | list[str]) -> dict[str, Any]:
        """Big-order statistics of today's transactions (``GET /api/tick/transactioncount``).

        Args:
            stocks: Codes (list or comma-separated string).

        Returns:
            ``{code: statistics}`` with xtquant's fields (``ddx``, ``ddy``, ``bidBigAmount`` ...).

        Raises:
            BadRequestError: A code is invalid.
            NotFoundError: A code is unknown.
            NotImplementedByServerError: The server's backend has no transaction statistics.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/tick/transactioncount", params={"stocks": stocks})
        return dict(response.get("data") or {})

    def get_fullspeed_orderbook(self, stocks: str | list[str]) -> dict[str, Any]:
        """20-level full-speed order books (``GET /api/tick/fullspeed_orderbook``).

        Args:
            stocks: Codes (list or comma-separated string).

        Returns:
            ``{code: book}`` as xtquant returns it.

        Raises:
            BadRequestError: A code is invalid.
            NotFoundError: A code is unknown.
            NotImplementedByServerError: The server's backend has no full-speed books.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/tick/fullspeed_orderbook", params={"stocks": stocks})
        return dict(response.get("data") or {})

    def get_order_rank(
        self,
        stock: str,
        order_time: str,
        order_type: str,
        order_price: float,
        order_volume: int,
        order_left_volume: int,
    ) -> Any:
        """Queue position of an order at its price (``GET /api/tick/order_rank``).

        Args:
            stock: Stock code.
            order_time: When the order was placed, ``YYYYMMDDhhmmss``.
            order_type: ``"buy"`` or ``"sell"``.
            order_price: The order's limit price (positive).
            order_volume: The order's volume (positive).
            order_left_volume: The volume still unfilled.

        Returns:
            xtquant's ``get_order_rank`` answer as is (a dict with ``pricerank``, the queue position).

        Raises:
            BadRequestError: The code or the time is invalid.
            NotFoundError: The code is unknown.
            UnprocessableEntityError: ``order_type`` is not buy/sell or a number is out of range.
            NotImplementedByServerError: The server's backend cannot rank orders.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/tick/order_rank",
            params={
                "stock": stock,
                "order_time": order_time,
                "order_type": order_type,
                "order_price": order_price,
                "order_volume": order_volume,
                "order_left_volume": order_left_volume,
            },
        )
        return response.get("data")
