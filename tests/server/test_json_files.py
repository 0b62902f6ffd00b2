"""State files: written whole (the old document or the new one after a crash, never part of one), and by
``LatestWriter`` off the event loop, in order, the newest waiting document replacing older ones."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path

import pytest

from helpers import wait_until
from qmt_bridge import json_files
from qmt_bridge.json_files import LatestWriter, write_json


def test_write_json_replaces_the_document_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "jobs.json"
    write_json(path, [{"code": "600519.SH", "name": "贵州茅台"}], ensure_ascii=False)
    write_json(path, {"n": 2})
    assert json.loads(path.read_text("utf-8")) == {"n": 2}
    assert [p.name for p in path.parent.iterdir()] == ["jobs.json"]


def test_a_failed_write_keeps_the_old_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "jobs.json"
    write_json(path, {"n": 1})

    def no_disk(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(json_files.os, "fsync", no_disk)
    with pytest.raises(OSError, match="disk full"):
        write_json(path, {"n": 2})
    assert json.loads(path.read_text("utf-8")) == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["jobs.json"]


def test_the_writer_ends_with_the_last_document_and_close_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "jobs.json"
    written: list[bytes] = []
    release = threading.Event()
    real = json_files.write_bytes

    def slow_write(target: Path, document: bytes) -> None:
        release.wait(5)  # the disk is slow: documents pile up meanwhile
        real(target, document)
        written.append(document)

    monkeypatch.setattr(json_files, "write_bytes", slow_write)
    writer = LatestWriter(path)
    for n in range(1, 6):
        writer.put(b'{"n": %d}' % n)  # never blocks, however slow the disk
    release.set()
    writer.close()
    assert json.loads(path.read_text("utf-8")) == {"n": 5}
    assert written[-1] == b'{"n": 5}' and len(written) <= 2  # the first, maybe; then only the newest
    assert not writer._thread.is_alive()


def test_a_write_that_fails_is_logged_and_the_next_one_still_happens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "jobs.json"
    path.mkdir()  # a directory where the file should be: os.replace fails
    (path / "x").write_text("")
    with caplog.at_level(logging.WARNING, logger="qmt_bridge"):
        writer = LatestWriter(path)
        writer.put(b"{}")
        wait_until(lambda: "could not write" in caplog.text, "the failure logged")
        assert str(path) in caplog.text
        shutil.rmtree(path)
        writer.put(b"[1]")
        writer.close()
    assert path.read_bytes() == b"[1]"
