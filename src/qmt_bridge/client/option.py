"""Client methods for ``/api/option/*``: option details, chains, lists by expiry and historical lists."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["OptionMixin"]


class OptionMixin(ClientMixin):
    """Options (期权): ``/api/option/*``."""

    def get_option_detail(self, option_code: str) -> dict[str, Any]:
        """Contract details of an option (``GET /api/option/detail``).

        Args:
            option_code: Option code, e.g. ``"10009201.SHO"``.

        Returns:
            xtquant's ``get_option_detail_data`` fields (``OptExercisePrice``, ``OptUndlCodeFull``,
            ``ExpireDate``, ``optType`` ...).

        Raises:
            BadRequestError: The code is malformed or not an option.
            NotFoundError: The code is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/option/detail", params={"option_code": option_code})
        return dict(response.get("data") or {})

    def get_option_chain(self, undl_code: str) -> list[str]:
        """All options listed today on an underlying (``GET /api/option/chain``).

        Args:
            undl_code: Underlying code, e.g. ``"510050.SH"``.

        Returns:
            The option codes.

        Raises:
            BadRequestError: The code is malformed.
            NotFoundError: The underlying is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/option/chain", params={"undl_code": undl_code})
        return list(response.get("options") or [])

    def get_option_list(
        self, undl_code: str, dedate: str, opttype: str = "", isavailavle: bool = False
    ) -> list[str]:
        """Options on an underlying by expiry month or listing day and type (``GET /api/option/list``).

        Args:
            undl_code: Underlying code, e.g. ``"510050.SH"`` or ``"000300.SH"``.
            dedate: ``YYYYMM`` for the options expiring that month, ``YYYYMMDD`` for those listed on or
                before that day.
            opttype: ``"C"``/``"CALL"``, ``"P"``/``"PUT"``, or empty for both.
            isavailavle: With a ``YYYYMMDD`` ``dedate``, only options not yet expired on that day (xtquant's
                spelling).

        Returns:
            The option codes (empty when none match).

        Raises:
            BadRequestError: The code, ``dedate`` or ``opttype`` is invalid.
            NotFoundError: The underlying is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/option/list",
            params={"undl_code": undl_code, "dedate": dedate, "opttype": opttype, "isavailavle": isavailavle},
        )
        return list(response.get("options") or [])

    def get_his_option_list(self, undl_code: str, dedate: str) -> Any:
        """Options that existed on a past day, expired ones included (``GET /api/option/his_option_list``).

        Args:
            undl_code: Underlying code.
            dedate: The day, ``YYYYMMDD``.

        Returns:
            A DataFrame with one row per option and xtquant's Chinese columns (``期权编码``, ``行权价``,
            ``到期日`` ...), empty when the server has no history for that day; without pandas the
            ``{column: [values]}`` mapping (or ``[]`` for no history).

        Raises:
            BadRequestError: The code or the day is invalid.
            NotFoundError: The underlying is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/option/his_option_list",
            params={"undl_code": undl_code, "dedate": dedate, "format": "columns"},
        )
        return self._frame(response.get("data"))

    def get_his_option_list_batch(self, undl_code: str, start_time: str, end_time: str) -> dict[str, Any]:
        """Historical option lists for each trading day of a range (``GET /api/option/his_option_list_batch``).

        Args:
            undl_code: Underlying code.
            start_time: First day, ``YYYYMMDD``.
            end_time: Last day, ``YYYYMMDD``; at most 92 days after ``start_time``.

        Returns:
            ``{YYYYMMDD: DataFrame}`` shaped like :meth:`get_his_option_list`; without pandas
            ``{YYYYMMDD: {column: [values]}}``.

        Raises:
            BadRequestError: The code or a date is invalid, or the range is longer than 92 days.
            NotFoundError: The underlying is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/option/his_option_list_batch",
            params={
                "undl_code": undl_code,
                "start_time": start_time,
                "end_time": end_time,
                "format": "columns",
            },
        )
        return self._frames(response.get("data"))
