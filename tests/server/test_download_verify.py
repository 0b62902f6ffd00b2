"""What a history download left, per code (``downloads/verify.py``), and the job history's bound."""

from __future__ import annotations

import asyncio

from qmt_bridge.server.downloads import jobs
from qmt_bridge.server.downloads.verify import boundary_coverage, coverage, listed_day, read_back

DAYS = ["20251117", "20251118", "20251119", "20251120", "20251121"]


def test_all_expected_days_present_is_complete() -> None:
    covered = coverage(DAYS, DAYS, None)
    assert (covered.rows, covered.expected_days, covered.failed, covered.partial) == (5, 5, False, False)
    assert covered.problem() is None


def test_no_bar_where_the_calendar_has_days_fails_and_none_expected_does_not() -> None:
    failed = coverage([], DAYS, None)
    assert failed.failed and "5 trading day(s)" in (failed.problem() or "")
    listed_later = coverage([], DAYS, "20251122")  # listed after the range: nothing to expect
    assert (listed_later.expected_days, listed_later.failed, listed_later.problem()) == (0, False, None)
    unknown = coverage([], None, None)  # no calendar: no judgement
    assert (unknown.expected_days, unknown.failed) == (None, False)


def test_missing_days_at_either_end_by_one_day() -> None:
    late = coverage(DAYS[1:], DAYS, None)
    assert (late.missing_before, late.missing_after, late.partial) == ("20251117", None, True)
    early = coverage(DAYS[:-1], DAYS, None)
    assert (early.missing_before, early.missing_after) == (None, "20251121")
    assert early.problem() == "missing after 20251120 to 20251121"


def test_the_listing_day_itself_is_expected() -> None:
    covered = coverage(DAYS[2:], DAYS, "20251119")
    assert (covered.expected_days, covered.partial) == (3, False)
    assert coverage(DAYS[3:], DAYS, "20251119").missing_before == "20251119"


def test_intraday_bars_count_rows_not_days() -> None:
    minutes = [day for day in DAYS for _ in range(240)]
    covered = coverage(minutes, DAYS, None)
    assert (covered.rows, covered.first, covered.last, covered.partial) == (
        1200,
        "20251117",
        "20251121",
        False,
    )


def test_listed_day_reads_open_date() -> None:
    assert listed_day({"OpenDate": 20251119}) == "20251119"
    assert (
        listed_day({"OpenDate": "19700101"}) is None and listed_day(None) is None and listed_day({}) is None
    )


def test_the_history_keeps_the_last_ended_jobs() -> None:
    manager = jobs.JobManager(ctx=None, data_dir=None, timeout=1.0)  # type: ignore[arg-type]
    for n in range(jobs.HISTORY + 1):
        job = jobs.Job(
            f"dl-{n}", "download_history_data2", {}, ["600519.SH"], 1.0, state=jobs.FINISHED, created=n
        )
        manager.jobs[job.id] = job
    running = jobs.Job(
        "dl-running", "download_history_data2", {}, ["600519.SH"], 1.0, state=jobs.RUNNING, created=-1
    )
    manager.jobs[running.id] = running
    manager._trim()
    kept = set(manager.jobs)
    assert len(kept) == jobs.HISTORY + 1 and "dl-0" not in kept and "dl-1" in kept and "dl-running" in kept


def test_intraday_is_judged_by_the_first_and_last_expected_days() -> None:
    both = boundary_coverage(True, True, DAYS)
    assert (both.rows, both.first, both.last, both.expected_days, both.partial, both.failed) == (
        None, "20251117", "20251121", 5, False, False,
    )  # fmt: skip
    late = boundary_coverage(False, True, DAYS)
    assert (late.missing_before, late.partial, late.problem()) == ("20251117", True, "missing 20251117")
    neither = boundary_coverage(False, False, DAYS)
    assert neither.failed and "first or the last trading day" in (neither.problem() or "")
    assert not boundary_coverage(False, False, []).failed  # nothing expected (listed after the range)
    assert boundary_coverage(False, False, None).expected_days is None


def test_read_back_reads_intraday_boundaries_only() -> None:
    class Cache:
        def __init__(self) -> None:
            self.asked: list[tuple[str, str]] = []

        def get_local_data(self, fields, codes, period, start, end, count):  # noqa: ANN001, ANN201
            import pandas as pd

            self.asked.append((start, end))
            ms = 1763341200000 if start.startswith("20251117") else 1763686800000  # 11-17 / 11-21 09:40 CST
            return {code: pd.DataFrame({"time": [ms]}) for code in codes}

    cache = Cache()
    rows, covered = read_back(cache, ["600519.SH"], "1m", "20251117", "20251121", {"600519.SH": DAYS})
    assert cache.asked == [("20251117000000", "20251117235959"), ("20251121000000", "20251121235959")]
    assert rows == {"600519.SH": None} and covered["600519.SH"].partial is False


def test_stopping_with_a_full_history_interrupts_every_active_job() -> None:
    """Ending a job trims the history: stopping must not trip over the jobs it removes."""

    async def stop() -> jobs.JobManager:
        manager = jobs.JobManager(ctx=None, data_dir=None, timeout=1.0)  # type: ignore[arg-type]
        for n in range(jobs.HISTORY):
            job = jobs.Job(f"dl-{n}", "download_sector_data", {}, [], 1.0, state=jobs.FINISHED, created=n)
            manager.jobs[job.id] = job
        for n in range(3):
            job = jobs.Job(f"dl-active-{n}", "download_sector_data", {}, [], 1.0, created=jobs.HISTORY + n)
            manager.jobs[job.id] = job
        await manager.stop()
        return manager

    manager = asyncio.run(stop())
    assert len(manager.jobs) == jobs.HISTORY
    assert {manager.jobs[f"dl-active-{n}"].state for n in range(3)} == {jobs.INTERRUPTED}
