"""History on demand against the fake xtquant, whose local cache (like a fresh MiniQMT's) is empty until a
download fills it (issue: "Empty history"). Before the fix these answered 200 with empty lists."""

from __future__ import annotations

import datetime as dt
from types import ModuleType
from typing import Any

import pytest

from helpers import FAKE_NOW, assert_error
from qmt_bridge.server.services import local_history
from qmt_bridge.server.services.local_history import LocalHistory

D1117, D1118, D1119, D1120, D1121 = 1763308800000, 1763395200000, 1763481600000, 1763568000000, 1763654400000
CST = dt.timezone(dt.timedelta(hours=8))


def bars(client: Any, path: str = "/api/market/market_data_ex", **params: Any) -> dict[str, Any]:
    response = client.get(path, params={"fields": "close", **params})
    assert response.status_code == 200, response.text
    return response.json()


def downloads(fake: ModuleType) -> list[tuple[list[str], str, str, str]]:
    """``(codes, period, start_time, end_time)`` of each download_history_data2 call."""
    out = []
    for args, kwargs in fake.calls_to("download_history_data2"):
        codes, period, start, end = (*args, "", "")[:4]
        out.append((codes, period, kwargs.get("start_time", start), kwargs.get("end_time", end)))
    return out


def test_a_fresh_cache_is_filled_before_the_read(client: Any, fake_xtdata: ModuleType) -> None:
    body = bars(client, stocks="600000.SH", period="1m", count=3)
    assert [row["time"] for row in body["data"]["600000.SH"]] == [
        fake_xtdata._ms("20251121093000"),
        fake_xtdata._ms("20251121093100"),
        fake_xtdata._ms("20251121093200"),
    ]
    assert body["download"]["mode"] == "auto" and body["download"]["downloaded"] == ["600000.SH"]
    assert isinstance(body["download"]["seconds"], float) and body["download"]["error"] is None
    assert body["no_data"] == []
    [(codes, period, start, end)] = downloads(fake_xtdata)
    assert codes == ["600000.SH"] and period == "1m" and end == ""
    # Three 1m bars reach back less than a day; the range downloaded is bounded, not the whole history.
    assert "20251101" <= start <= "20251121"
    # The download came before the read.
    names = [name for name, _, _ in fake_xtdata.CALLS]
    assert names.index("download_history_data2") < names.index("get_market_data_ex")


def test_a_range_downloaded_once_is_not_downloaded_again(client: Any, fake_xtdata: ModuleType) -> None:
    first = bars(client, stocks="600000.SH,000001.SZ", start_time="20251117", end_time="20251121")
    assert first["download"]["downloaded"] == ["600000.SH", "000001.SZ"]
    again = bars(client, stocks="600000.SH,000001.SZ", start_time="20251118", end_time="20251120")
    assert again["download"]["downloaded"] == [] and again["download"]["seconds"] is None
    assert len(downloads(fake_xtdata)) == 1
    assert [row["time"] for row in again["data"]["600000.SH"]] == [D1118, D1119, D1120]


def test_a_start_one_day_earlier_than_what_is_held_downloads_again(
    client: Any, fake_xtdata: ModuleType
) -> None:
    bars(client, stocks="600000.SH", start_time="20251118", end_time="20251121")
    same = bars(client, stocks="600000.SH", start_time="20251118", end_time="20251121")
    assert same["download"]["downloaded"] == []
    earlier = bars(client, stocks="600000.SH", start_time="20251117", end_time="20251121")
    assert earlier["download"]["downloaded"] == ["600000.SH"]
    assert earlier["data"]["600000.SH"][0]["time"] == D1117
    assert [d[2] for d in downloads(fake_xtdata)] == ["20251118", "20251117"]


def test_only_the_codes_not_held_are_downloaded(client: Any, fake_xtdata: ModuleType) -> None:
    bars(client, stocks="600000.SH", start_time="20251117")
    body = bars(client, stocks="600000.SH,000001.SZ", start_time="20251117")
    assert body["download"]["downloaded"] == ["000001.SZ"]
    assert downloads(fake_xtdata)[-1][0] == ["000001.SZ"]


def test_never_reads_the_cache_as_it_is_and_says_which_codes_have_no_data(
    client: Any, fake_xtdata: ModuleType
) -> None:
    body = bars(client, stocks="600000.SH,000001.SZ", count=3, download="never")
    assert body["data"] == {"600000.SH": [], "000001.SZ": []}
    assert body["no_data"] == ["600000.SH", "000001.SZ"]
    assert body["download"] == {"mode": "never", "downloaded": [], "seconds": None, "error": None}
    assert downloads(fake_xtdata) == []


def test_always_downloads_even_what_is_held(client: Any, fake_xtdata: ModuleType) -> None:
    bars(client, stocks="600000.SH", count=2)
    body = bars(client, stocks="600000.SH", count=2, download="always")
    assert body["download"]["downloaded"] == ["600000.SH"] and len(downloads(fake_xtdata)) == 2


def test_an_unknown_download_mode_is_refused(client: Any) -> None:
    response = client.get(
        "/api/market/market_data_ex", params={"stocks": "600000.SH", "download": "sometimes"}
    )
    assert_error(response, 422, param="download")


def test_a_range_without_bars_says_so(client: Any, fake_xtdata: ModuleType) -> None:
    body = bars(client, stocks="600000.SH", start_time="20251122", end_time="20251123")  # a weekend
    assert body["data"] == {"600000.SH": []} and body["no_data"] == ["600000.SH"]
    assert body["download"]["downloaded"] == ["600000.SH"]


def test_a_failed_download_is_reported_and_the_cache_read_anyway(
    client: Any, fake_xtdata: ModuleType
) -> None:
    fake_xtdata.FAILURES["download_history_data2"] = Exception("下载数据失败：no data service")
    body = bars(client, stocks="600000.SH", count=3)
    assert "下载数据失败" in body["download"]["error"] and body["download"]["downloaded"] == []
    assert body["no_data"] == ["600000.SH"]
    # Not remembered as held: the next request tries again.
    del fake_xtdata.FAILURES["download_history_data2"]
    assert bars(client, stocks="600000.SH", count=3)["download"]["downloaded"] == ["600000.SH"]


def test_a_failed_download_with_always_is_an_error(client: Any, fake_xtdata: ModuleType) -> None:
    fake_xtdata.FAILURES["download_history_data2"] = Exception("下载数据失败：no data service")
    response = client.get("/api/market/market_data_ex", params={"stocks": "600000.SH", "download": "always"})
    assert "download_history_data2" in assert_error(response, 502, "backend_error")["message"]


def test_field_major_market_data_and_legacy_history_download_too(
    client: Any, fake_xtdata: ModuleType
) -> None:
    body = bars(client, "/api/market/market_data", stocks="000001.SZ", count=2)
    assert [row["close"] for row in body["data"]["000001.SZ"]] == [12.05, 11.72]
    assert body["download"]["downloaded"] == ["000001.SZ"]
    legacy = client.get("/api/history", params={"stock": "600000.SH", "count": 2}).json()
    assert [row["time"] for row in legacy["data"]] == [D1120, D1121]
    assert legacy["download"]["downloaded"] == ["600000.SH"]


def test_an_explicit_download_counts_as_held(client: Any, fake_xtdata: ModuleType) -> None:
    response = client.post(
        "/api/download/history_data2?wait=true", json={"stocks": ["600000.SH"], "start_time": "20251117"}
    )
    assert response.status_code == 200, response.text
    body = bars(client, stocks="600000.SH", start_time="20251117", end_time="20251121")
    assert body["download"]["downloaded"] == [] and len(body["data"]["600000.SH"]) == 5


def test_a_delisted_code_with_history_is_served(client: Any, fake_xtdata: ModuleType) -> None:
    """600087.SH is outside the current contract list (get_instrument_detail is None) but listed in
    过期沪深A股: its history is downloaded and served rather than refused as unknown."""
    assert fake_xtdata.get_instrument_detail("600087.SH") is None
    body = bars(client, stocks="600087.SH", start_time="20251117")
    assert [row["close"] for row in body["data"]["600087.SH"]] == [1.01, 0.98]
    unknown = client.get("/api/market/market_data_ex", params={"stocks": "600999.SH"})
    assert_error(unknown, 404, "unknown_code")


def test_a_code_found_in_the_local_cache_alone_is_accepted(client: Any, fake_xtdata: ModuleType) -> None:
    fake_xtdata.download_history_data2(["600087.SH"], "1d")
    with fake_xtdata._sector_lock:  # no longer in an expired sector: the local bars alone vouch for it
        saved = fake_xtdata._SECTORS.pop("过期沪深A股")
    try:
        body = bars(client, stocks="600087.SH", download="never", start_time="20251117")
        assert len(body["data"]["600087.SH"]) == 2
    finally:
        fake_xtdata._SECTORS["过期沪深A股"] = saved


def test_count_zero_downloads_nothing(client: Any, fake_xtdata: ModuleType) -> None:
    body = bars(client, stocks="600000.SH", count=0)
    assert body["data"] == {"600000.SH": []} and downloads(fake_xtdata) == []


# ------------------------------------------------------------------ what counts as held, at its edges


@pytest.fixture
def history() -> LocalHistory:
    return LocalHistory(now=lambda: FAKE_NOW)


def test_the_start_held_is_inclusive(history: LocalHistory) -> None:
    history.record(["A"], "1d", "20251117", "20251121")
    assert history.missing(["A"], "1d", "20251117", "20251121") == []
    assert history.missing(["A"], "1d", "20251116", "20251121") == ["A"]
    assert history.missing(["A"], "1d", "", "20251121") == ["A"]  # all history is more than from 1117
    assert history.missing(["A"], "5m", "20251117", "20251121") == ["A"]  # another period


def test_the_end_held_is_inclusive(history: LocalHistory) -> None:
    history.record(["A"], "1m", "20251117", "20251120")
    assert history.missing(["A"], "1m", "20251118", "20251120") == []
    assert history.missing(["A"], "1m", "20251118", "20251120235959") == []
    assert history.missing(["A"], "1m", "20251118", "20251121") == ["A"]


def test_up_to_now_is_held_while_fresh_in_a_session(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = [dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)]
    clock = [1000.0]
    monkeypatch.setattr(local_history.time, "monotonic", lambda: clock[0])
    history = LocalHistory(now=lambda: moment[0])
    history.record(["A"], "1m", "20251120", "")
    clock[0] += local_history.FRESH_SECONDS - 0.5
    moment[0] += dt.timedelta(seconds=local_history.FRESH_SECONDS - 0.5)
    assert history.missing(["A"], "1m", "20251120", "") == []
    clock[0] += 1.0
    moment[0] += dt.timedelta(seconds=1)
    assert history.missing(["A"], "1m", "20251120", "") == ["A"]
    # A range that ended before the download finished stays held.
    assert history.missing(["A"], "1m", "20251120", "20251120095959") == []


@pytest.mark.parametrize(
    ("finished", "asked", "held"),
    [
        ("2025-11-21 15:40", "2025-11-24 09:05", True),  # Friday after the close → Monday before the auction
        ("2025-11-21 15:40", "2025-11-24 09:10", False),  # the auction begins
        ("2025-11-21 15:30", "2025-11-21 15:40", False),  # after-hours trading may still add to the day
        ("2025-11-22 11:00", "2025-11-23 20:00", True),  # the weekend
        ("2025-11-20 16:00", "2025-11-21 08:00", True),  # overnight
        ("2025-11-20 16:00", "2025-11-21 12:00", False),  # a session ran in between
        ("2025-11-20 11:40", "2025-11-20 12:40", False),  # the lunch break is no close
    ],
)
def test_up_to_now_is_held_until_the_next_session(
    monkeypatch: pytest.MonkeyPatch, finished: str, asked: str, held: bool
) -> None:
    def moment(text: str) -> dt.datetime:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)

    now = [moment(finished)]
    clock = [1000.0]
    monkeypatch.setattr(local_history.time, "monotonic", lambda: clock[0])
    history = LocalHistory(now=lambda: now[0])
    history.record(["A"], "1d", "20250101", "")
    now[0] = moment(asked)
    clock[0] += (now[0] - moment(finished)).total_seconds()
    assert (history.missing(["A"], "1d", "20250101", "") == []) is held


def test_count_stands_for_a_range_that_reaches_its_bars(history: LocalHistory) -> None:
    """count=3 daily bars on Friday 2025-11-21: the range must start on or before Wednesday 1119."""
    start, end = history.wanted_range("1d", "", "", 3)
    assert start <= "20251119" and end == ""
    start_1m, _ = history.wanted_range("1m", "", "", 241 * 5)  # five days of minutes
    assert start_1m <= "20251117"
    assert history.wanted_range("1d", "20250101", "", 3) == ("20250101", "")  # a given start wins
    assert history.wanted_range("1d", "", "", -1) == ("", "")  # all bars: all history


def test_a_download_that_never_completes_is_bounded_by_the_download_timeout(
    make_client: Any, fake_xtdata: ModuleType
) -> None:
    """xtquant's download_history_data2 waits in a loop for a completion that may never come (field reports
    of hours): the read answers after the download timeout with the failure said, not never."""
    import time

    client = make_client(download_timeout=0.5, backend_timeout=5)
    fake_xtdata.DOWNLOAD_HANGS = True
    started = time.monotonic()
    body = bars(client, stocks="600000.SH", count=3)
    assert time.monotonic() - started < 4
    assert "download_history_data2" in body["download"]["error"] and body["no_data"] == ["600000.SH"]
    # The hung download holds only the background lane: other requests are served meanwhile.
    assert client.get("/api/instrument/detail_list", params={"stocks": "600000.SH"}).status_code == 200
    fake_xtdata.go_down()  # a dropped connection ends xtquant's loop; the next download then works
    fake_xtdata.come_back()
    fake_xtdata.DOWNLOAD_HANGS = False
    body = bars(client, stocks="600000.SH", count=3)
    assert body["download"]["downloaded"] == ["600000.SH"] and len(body["data"]["600000.SH"]) == 3


def test_a_download_forgets_the_older_ones_it_covers(history: LocalHistory) -> None:
    """A daily pre-download of the same range must not add a record a day for as long as the server runs;
    a range the new one does not cover is kept, and what was held stays held."""
    for _ in range(1000):
        history.record(["A"], "1d", "20250101", "")
    assert len(history._held[("A", "1d")]) == 1
    history.record(["A"], "1d", "20251117", "20251121")  # inside the open-ended one, later: both kept
    history.record(["A"], "1d", "20240101", "20241231")  # another range
    history.record(["A"], "1d", "20240101", "20241231")
    assert len(history._held[("A", "1d")]) == 3
    assert history.missing(["A"], "1d", "20240601", "20240630") == []
    assert history.missing(["A"], "1d", "20250301", "") == []
    history.record(["A"], "1d", "", "")  # everything up to now (16:00 on the 21st) covers two of them
    kept = history._held[("A", "1d")]
    assert [(h.start, h.end) for h in kept] == [("20251117", "20251121"), ("", "")]  # the 21st ends at 23:59
    assert history.missing(["A"], "1d", "20240601", "20240630") == []


def test_a_narrower_or_earlier_download_forgets_nothing(history: LocalHistory) -> None:
    history.record(["A"], "1m", "20251117", "20251120")
    history.record(["A"], "1m", "20251118", "20251120")  # starts later: does not cover the 17th
    history.record(["A"], "1m", "20251117", "20251119")  # ends earlier: does not cover the 20th
    assert len(history._held[("A", "1m")]) == 3
    assert history.missing(["A"], "1m", "20251117", "20251120") == []
