"""Client methods for ``/api/meta/*``: health, versions, markets, periods, code lists, field lists and
subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["MetaMixin"]

_SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class MetaMixin(ClientMixin):
    """Server and xtquant metadata: ``/api/meta/*``."""

    def health(self) -> dict[str, Any]:
        """Health check (``GET /api/meta/health``).

        Returns:
            ``{"status": "ok", "backend": "sim" | "xtquant", "backend_state": "running" | "restarting" |
            "down", "backend_process": {"pid", "uptime_seconds", "restarts_last_hour"} | None, "version",
            "trading"}``. The server answers it while its backend process is replaced (``restarting``).

        Raises:
            ServiceUnavailableError: The server refuses connections (too many open).
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/health"))

    def get_predownload_status(self) -> dict[str, Any]:
        """State of the server's automatic pre-download (``GET /api/meta/predownload``).

        Returns:
            ``{"enabled", "interval_hours", "rounds_completed", "rounds_skipped", "running",
            "last_round_started", "last_round_finished", "next_round", "last_skipped", "items": {function:
            {"status", "started", "finished", "duration_s", "error", "attempts", "next_retry",
            "last_error"}}}``; ``status`` is ``pending``, ``running``, ``ok`` or ``failed``; a failed item is
            retried with backoff (``next_retry``); ``last_skipped`` is ``{"day", "reason"}`` (``weekend`` or
            ``holiday``) or null.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/predownload"))

    def get_market_status(self, markets: str | list[str] = "SH,SZ,BJ") -> dict[str, Any]:
        """市场状态: where each A-share exchange is in its day (``GET /api/meta/market_status``).

        Args:
            markets: ``"SH,SZ,BJ"`` (the default), or some of them, as a string or a list.

        Returns:
            ``{"time", "markets": {market: {"state", "unified", "raw", "trading_day", "next_state",
            "next_change"}}}``; ``state`` is ``pre_open``, ``call_auction``, ``trading``, ``closing_auction``,
            ``lunch_break`` or ``closed``; ``unified`` seed 002's ``PRE_HOURS``, ``RTH``, ``REST`` or
            ``CLOSED``; ``raw`` the exchange's period (``status`` 2/3/8, ``begin``, ``end``) or None.

        Raises:
            BadRequestError: A market other than SH, SZ and BJ.
            APIConnectionError: The server cannot be reached.
        """
        wanted = markets if isinstance(markets, str) else ",".join(markets)
        return dict(self._request("GET", "/api/meta/market_status", params={"markets": wanted}))

    def get_quote_book_status(self) -> dict[str, Any]:
        """State of the server's quote book, from which it answers snapshot requests
        (``GET /api/meta/quote_book``).

        Returns:
            ``{"enabled", "markets", "subscribed", "ready", "serving", "stale", "codes", "pushes",
            "last_push", "last_push_age_seconds", "silent_after_seconds", "resubscriptions",
            "idle_release_seconds"}`` (only the first four when it is turned off); ``last_push`` is ms since
            the epoch or null.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/quote_book"))

    def get_realtime_status(self) -> dict[str, Any]:
        """State of the server's realtime hub behind the WebSocket streams (``GET /api/meta/realtime``).

        Returns:
            ``{"connections", "queued_messages", "largest_queue", "conflated_messages", "streams":
            [{"code", "period", "subscribed", "subscribers", "pushes", "last_push_age_seconds"}],
            "upstream_subscriptions", "whole_quote_subscribers", "ticks_from_whole_quote",
            "resubscriptions": {"reconnect", "silence"}}``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/realtime"))

    def get_backend_status(self) -> dict[str, Any]:
        """Where the server's backend runs and how it has fared (``GET /api/meta/backend``).

        Returns:
            ``{"backend", "isolation", "state", "pid", "generation", "uptime_seconds", "restarts":
            [{"at", "cause", "exit_code", "hung_call", "calls_lost"}], "restarts_last_hour",
            "max_restarts_per_hour", "reason", "calls_in_flight": [{"call", "seconds"}]}``. ``state`` is
            ``restarting`` while a crashed or hung backend process is replaced, ``down`` after too many
            restarts within an hour.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/backend"))

    def get_version(self) -> str:
        """Version of the qmt-bridge server (``GET /api/meta/version``).

        Returns:
            The version string, e.g. ``"0.1.0"``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return str(self._request("GET", "/api/meta/version")["version"])

    def get_xtdata_version(self) -> str:
        """Version of xtquant's ``xtdata`` used by the server (``GET /api/meta/xtdata_version``).

        Returns:
            The version string (the simulator reports its own).

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return str(self._request("GET", "/api/meta/xtdata_version")["xtdata_version"])

    def get_connection_status(self) -> dict[str, Any]:
        """Whether the server's xtdata is connected (``GET /api/meta/connection_status``).

        Returns:
            ``{"connected": bool, ...}``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/connection_status"))

    def get_markets(self) -> dict[str, str]:
        """Available markets (``GET /api/meta/markets``).

        Returns:
            ``{market_code: name}``, e.g. ``{"SH": "上交所", ...}``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return dict(self._request("GET", "/api/meta/markets").get("markets") or {})

    def get_periods(self) -> list[Any]:
        """K-line periods the server supports (``GET /api/meta/period_list``).

        Returns:
            xtquant's ``get_period_list()`` as is: ``[{"name": "1m", "desc": "1分钟线"}, ...]``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/meta/period_list").get("periods") or [])

    def get_stock_list(self, category: str) -> list[str]:
        """Codes in a category (``GET /api/meta/stock_list``).

        Args:
            category: Category or sector name, e.g. ``"沪深A股"``.

        Returns:
            The codes.

        Raises:
            BadRequestError: The category is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/meta/stock_list", params={"category": category})
        return list(response.get("stocks") or [])

    def get_last_trade_date(self, market: str) -> str:
        """Most recent trading day of a market (``GET /api/meta/last_trade_date``).

        Args:
            market: Market code, e.g. ``"SH"``.

        Returns:
            The day as ``YYYYMMDD``.

        Raises:
            BadRequestError: The market is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/meta/last_trade_date", params={"market": market})
        if response.get("date"):
            return str(response["date"])
        millis = int(response["last_trade_date"])
        return dt.datetime.fromtimestamp(millis / 1000, _SHANGHAI).strftime("%Y%m%d")

    def get_authorized_market_list(self) -> list[str]:
        """Markets this account may read (``GET /api/meta/authorized_market_list``).

        Returns:
            Market codes, e.g. ``["SH", "SZ", ...]``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/meta/authorized_market_list").get("markets") or [])

    def get_wp_market_list(self) -> list[Any]:
        """Foreign (外盘) markets (``GET /api/meta/wp_market_list``).

        Returns:
            xtquant's ``get_wp_market_list`` answer (empty when the account has none).

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/meta/wp_market_list").get("markets") or [])

    def get_field_list(self, metaid: int) -> dict[str, str]:
        """Field names and their Chinese descriptions for a data type (``GET /api/meta/field_list``).

        Args:
            metaid: xtquant's data type id, e.g. ``3001`` for K-lines, ``2`` for ticks.

        Returns:
            ``{field: description}``, e.g. ``{"open": "开盘价", ...}``.

        Raises:
            NotFoundError: The server has no field list for ``metaid``.
            UnprocessableEntityError: ``metaid`` is not a non-negative integer.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/meta/field_list", params={"metaid": metaid})
        return dict(response.get("fields") or {})

    def get_sub_info(self) -> dict[str, list[Any]]:
        """Quote subscriptions of the server's connection and of the whole terminal (``GET /api/meta/sub_info``).

        Returns:
            ``{"current_connection": [...], "all": [...]}``, each a list of xtquant's subscription entries.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/meta/sub_info")
        return {
            "current_connection": list(response.get("current_connection") or []),
            "all": list(response.get("all") or []),
        }
