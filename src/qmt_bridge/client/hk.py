"""Client methods for ``/api/hk/*``: HK Stock Connect (港股通) stocks by channel, brokers and broker queues."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["HKMixin"]


class HKMixin(ClientMixin):
    """HK Stock Connect (港股通): ``/api/hk/*``."""

    def get_hk_stock_list(self) -> list[str]:
        """HK stocks eligible for Stock Connect through either channel (``GET /api/hk/stock_list``).

        Returns:
            The codes, e.g. ``["00700.HK", ...]``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/hk/stock_list").get("stocks") or [])

    def get_hk_connect_stocks(self, direction: str = "sh") -> list[str]:
        """HK stocks eligible through one channel (``GET /api/hk/connect_stocks``).

        Args:
            direction: ``"sh"`` for 沪港通 (through Shanghai) or ``"sz"`` for 深港通 (through Shenzhen).

        Returns:
            The codes.

        Raises:
            UnprocessableEntityError: ``direction`` is neither ``sh`` nor ``sz``.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/hk/connect_stocks", params={"direction": direction})
        return list(response.get("stocks") or [])

    def get_hk_broker_dict(self) -> dict[str, Any]:
        """HK broker ids and names (``GET /api/hk/broker_dict``).

        Returns:
            ``{broker_id: name}`` (ids as strings, as JSON keys must be).

        Raises:
            NotImplementedByServerError: The server's backend has no HK broker data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/hk/broker_dict").get("brokers") or {})

    def get_broker_queue_data(
        self,
        stocks: str | list[str],
        start_time: str = "",
        end_time: str = "",
        count: int = 1,
        show_broker_name: bool = False,
    ) -> dict[str, Any]:
        """Broker queues at the best prices (``GET /api/hk/broker_queue``).

        Args:
            stocks: HK codes (list or comma-separated string), e.g. ``["00700.HK"]``.
            start_time: Start, ``YYYYMMDDhhmmss``; empty for unbounded.
            end_time: End, same format; empty for now.
            count: Number of most recent queues per code; ``-1`` for all within the range.
            show_broker_name: Name the brokers instead of giving their ids only.

        Returns:
            ``{code: queues}`` as xtquant's ``get_broker_queue_data`` returns them.

        Raises:
            BadRequestError: A code or a time is invalid.
            NotFoundError: A code is unknown.
            NotImplementedByServerError: The server's backend has no broker queues.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/hk/broker_queue",
            params={
                "stocks": stocks,
                "start_time": start_time,
                "end_time": end_time,
                "count": count,
                "show_broker_name": show_broker_name,
            },
        )
        return dict(response.get("data") or {})
