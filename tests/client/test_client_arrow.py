"""The client reads the bulk K-line endpoints as Arrow when pandas and pyarrow are installed: the same
DataFrames as through JSON; JSON for good after a server that cannot write Arrow; JSON without pyarrow."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from helpers import serve_frozen_sim
from qmt_bridge import QMTClient
from qmt_bridge.client import arrow
from qmt_bridge.server.services import arrow_format

CODES = ["600519.SH", "000001.SZ"]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_frozen_sim(tmp_path_factory.mktemp("client-arrow"), name="uvicorn-arrow") as url:
        yield url


class CountingOpener:
    """urllib's opener, remembering the URLs it opened."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self._opener = urllib.request.build_opener()

    def open(self, request: urllib.request.Request, timeout: float) -> Any:
        self.urls.append(request.full_url)
        return self._opener.open(request, timeout=timeout)


def json_client(url: str) -> QMTClient:
    client = QMTClient(base_url=url)
    client._server_arrow = False  # as after a server that cannot write Arrow
    return client


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get_history_ex", {"period": "1d", "count": 5, "dividend_type": "front"}),
        ("get_market_data", {"period": "1d", "count": 5}),
        ("get_local_data", {"period": "1m", "count": 5, "fields": "close,volume"}),
    ],
)
def test_arrow_frames_equal_the_json_frames(server_url: str, method: str, kwargs: dict[str, Any]) -> None:
    opener = CountingOpener()
    client = QMTClient(base_url=server_url, opener=opener)
    through_arrow = getattr(client, method)(CODES, **kwargs)
    through_json = getattr(json_client(server_url), method)(CODES, **kwargs)
    assert "format=arrow" in opener.urls[-1] and client._server_arrow is True
    assert list(through_arrow) == list(through_json) == CODES
    for code in CODES:
        # Arrow keeps the server's integer widths (int32 openInterest); JSON gives int64.
        pd.testing.assert_frame_equal(through_arrow[code], through_json[code], check_dtype=False)
        assert through_arrow[code].index.name == "datetime" and len(through_arrow[code]) == 5


def test_a_code_without_rows_is_an_empty_frame_with_the_fields(server_url: str) -> None:
    frames = QMTClient(base_url=server_url).get_history_ex(
        ["600519.SH"], period="1d", start_time="19900101", end_time="19900110", download="never"
    )
    assert frames["600519.SH"].empty and "close" in frames["600519.SH"].columns


def test_after_a_server_without_pyarrow_the_client_asks_json_only(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_format, "pa", None)  # the server (in this process) cannot write Arrow
    opener = CountingOpener()
    client = QMTClient(base_url=server_url, opener=opener)
    first = client.get_history_ex(CODES, period="1d", count=3)
    second = client.get_history_ex(CODES, period="1d", count=3)
    assert ["format=arrow" in u for u in opener.urls] == [True, False, False]
    assert client._server_arrow is False
    pd.testing.assert_frame_equal(first["600519.SH"], second["600519.SH"])


def test_a_parameter_error_is_raised_and_does_not_turn_arrow_off(server_url: str) -> None:
    from qmt_bridge.client import BadRequestError

    client = QMTClient(base_url=server_url)
    with pytest.raises(BadRequestError, match="period"):
        client.get_history_ex(CODES, period="7m")
    assert client._server_arrow is not False


def test_without_pyarrow_the_client_asks_json(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow, "_pyarrow", None)
    opener = CountingOpener()
    frames = QMTClient(base_url=server_url, opener=opener).get_history_ex(CODES, count=2)
    assert len(opener.urls) == 1 and "format=columns" in opener.urls[0]
    assert len(frames["600519.SH"]) == 2


def test_without_pandas_wanted_the_client_asks_json(server_url: str) -> None:
    opener = CountingOpener()
    data = QMTClient(base_url=server_url, opener=opener, use_pandas=False).get_history_ex(CODES, count=2)
    assert "format=columns" in opener.urls[0] and len(data["600519.SH"]["close"]) == 2
