"""A download job's saved record (``Job.record_json``): encoded afresh while the job runs, kept once it has
ended (the history is saved at every job's start and end; re-encoding every ended job each time stalled the
event loop for long histories), and read back as the same job after a restart."""

from __future__ import annotations

import json

from qmt_bridge.server.downloads.jobs import ACTIVE, FINISHED, RUNNING, Job


def make_job() -> Job:
    return Job(
        id="dl-1", function="download_history_data2", params={"period": "1d"}, codes=["600000.SH"], timeout=60
    )


def test_a_running_jobs_record_follows_its_changes() -> None:
    job = make_job()
    job.state = RUNNING
    assert RUNNING in ACTIVE
    first = json.loads(job.record_json())
    job.items["600000.SH"]["state"] = "done"
    second = json.loads(job.record_json())
    assert (
        first["items"]["600000.SH"]["state"] == "running" or first["items"]["600000.SH"]["state"] == "pending"
    )
    assert second["items"]["600000.SH"]["state"] == "done"


def test_an_ended_jobs_record_is_encoded_once() -> None:
    job = make_job()
    job.state, job.started, job.ended = FINISHED, 1.0, 2.0
    encoded = job.record_json()
    assert job.record_json() is encoded  # kept, not encoded again
    assert json.loads(encoded) == json.loads(json.dumps(job.to_record(), default=str))
    again = Job.from_record(json.loads(encoded))
    assert again.to_record() == job.to_record()


def test_a_job_that_runs_again_is_not_served_from_the_kept_record() -> None:
    """A record kept while ended is not used once the state is active again (a guard: nothing does so today)."""
    job = make_job()
    job.state = FINISHED
    job.record_json()
    job.state = RUNNING
    job.items["600000.SH"]["state"] = "running"
    assert json.loads(job.record_json())["items"]["600000.SH"]["state"] == "running"
