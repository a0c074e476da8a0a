"""Nothing is lost: concurrent writer processes, and a writer killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from airlock.audit.store import Store

WORKER = str(Path(__file__).with_name("audit_worker.py"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    return env


def _spawn(url: str, count: int, tag: str, mode: str, **kw: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, WORKER, url, str(count), tag, mode], env=_env(), text=True, **kw
    )


def _run_writers(url: str, count: int, mode: str, timeout: float) -> None:
    procs = [_spawn(url, count, f"w{n}", mode, stderr=subprocess.PIPE) for n in range(4)]
    try:
        for p in procs:
            _, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.mark.slow
def test_four_processes_append_500_each(db_url: str) -> None:
    Store(db_url).close()  # migrate first so the writers measure appends only
    _run_writers(db_url, 500, "append", timeout=240)
    with Store(db_url) as store:
        assert store.count() == 2000
        for n in range(4):
            codes = {s.code for s in store.iter_screenings() if s.agent_id == f"w{n}"}
            assert codes == {f"w{n}-{i}" for i in range(500)}
        report = store.verify()
        assert report.ok and report.count == 2000, report.line()


@pytest.mark.slow
def test_four_processes_guard_500_snippets_each(sqlite_url: str) -> None:
    """The whole pipeline from four processes at once: every screening, run and alert
    is recorded and the chain stays one chain."""
    Store(sqlite_url).close()
    _run_writers(sqlite_url, 500, "guard", timeout=280)
    with Store(sqlite_url) as store:
        assert store.count() == 2000
        for n in range(4):
            tags = {
                s.code.rsplit("# ", 1)[1] for s in store.iter_screenings() if s.agent_id == f"w{n}"
            }
            assert tags == {f"w{n}-{i}" for i in range(500)}
        decisions = Counter(s.gate_decision for s in store.iter_screenings())
        assert decisions["blocked"] == decisions["held_for_review"] == 960
        assert decisions["ran"] + decisions["refused"] == 80
        report = store.verify()
        assert report.ok and report.count >= 2000, report.line()


def test_writer_killed_mid_run_leaves_a_clean_chain(db_url: str) -> None:
    Store(db_url).close()
    proc = _spawn(db_url, 0, "victim", "forever", stdout=subprocess.PIPE)
    committed: list[int] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while len(committed) < 40 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            committed.append(int(line))
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert len(committed) >= 40, "the writer did not get going"
    with Store(db_url) as store:
        n = store.count()
        assert n >= committed[-1]  # everything it reported as committed is there
        report = store.verify()
        assert report.ok and report.count == n, report.line()
        store.record(code="after", report=None, gate_decision="error", error="after the crash")
        assert store.verify().ok
