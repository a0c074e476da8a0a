"""Record before run: the decision to run is stored before the program starts; a crash in
between leaves a record that says "interrupted"; what cannot be recorded does not run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from airlock.audit import Store, StoreError, guard
from airlock.audit import pipeline as pipeline_mod
from airlock.audit.intents import INTERRUPTED
from airlock.executor import probe_layers
from airlock.executor.models import Limits

FAST = Limits(timeout_s=5, cpu_s=5)
RISKY = "import subprocess\nsubprocess.run(['ls'])"  # review
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def _sandbox() -> None:
    missing = [str(layer) for layer in probe_layers() if layer.status != "active"]
    if missing:
        pytest.skip(f"not every executor layer is available here: {missing}")


class Spy:
    """Wraps the real `run_code`: records what the store held when the program started."""

    def __init__(self, url: str, real) -> None:
        self.url, self.real, self.seen = url, real, []

    def __call__(self, code, **kw):
        with Store(self.url) as other:  # a separate connection: only committed rows show
            rows = other.list_screenings(limit=1)
            self.seen.append(
                (rows[0].gate_decision, rows[0].outcome, other.running([rows[0].id]))
                if rows
                else None
            )
        return self.real(code, **kw)


def test_the_decision_is_committed_before_the_program_starts(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(sqlite_url, pipeline_mod.run_code)
    monkeypatch.setattr(pipeline_mod, "run_code", spy)
    with Store(sqlite_url) as store:
        res = guard("print(1)", store=store, limits=FAST)
        assert res.decision == "ran" and res.result.stdout == "1\n"
        [(decision, outcome, running)] = spy.seen
        assert (decision, outcome) == ("ran", INTERRUPTED) and running == {res.record_id}
        s = store.get(res.record_id).screening
        assert s.outcome == "ok" and store.running([res.record_id]) == set()  # completed
        assert store.verify().ok


def test_nothing_runs_when_the_intent_cannot_be_written(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(sqlite_url, pipeline_mod.run_code)
    monkeypatch.setattr(pipeline_mod, "run_code", spy)
    monkeypatch.setenv("AIRLOCK_DB_TIMEOUT", "0.2")
    store = Store(sqlite_url)
    holder = sqlite3.connect(sqlite_url, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store
    try:
        with pytest.raises(StoreError, match="locked"):
            guard("print(1)", store=store, limits=FAST)
        assert spy.seen == []  # the program never started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    res = guard("print(1)", store=store, limits=FAST)  # negative control: free store, it runs
    assert res.decision == "ran" and len(spy.seen) == 1
    store.close()


def test_a_result_that_cannot_be_recorded_leaves_interrupted(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store goes away while the program runs: the record says interrupted, not nothing."""
    real = pipeline_mod.run_code
    holder = sqlite3.connect(sqlite_url, isolation_level=None)

    def run_then_lock(code, **kw):
        out = real(code, **kw)
        holder.execute("BEGIN IMMEDIATE")
        return out

    monkeypatch.setattr(pipeline_mod, "run_code", run_then_lock)
    monkeypatch.setenv("AIRLOCK_DB_TIMEOUT", "0.2")
    with Store(sqlite_url) as store:
        res = guard("print('out')", store=store, limits=FAST)
        holder.execute("ROLLBACK")
        holder.close()
        assert res.result.stdout == "out\n"  # the caller still gets what ran
        assert res.record_error and "interrupted" in res.record_error
        assert res.as_dict()["success"] is False
        s = store.get(res.record_id).screening
        assert (s.gate_decision, s.outcome) == ("ran", INTERRUPTED)
        assert store.get(res.record_id).executions == []
        assert store.verify().ok
        # its marker names a live process, so it reads "running" until its deadline passes
        from sqlalchemy import select

        from airlock.audit.intents import alive
        from airlock.audit.tables import PendingRun

        with store.reading() as session:
            [p] = session.scalars(select(PendingRun)).all()
        assert alive(p) and not alive(p, at=p.deadline_at.replace(tzinfo=UTC) + timedelta(1))


def _airlock(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from airlock.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_a_crash_mid_run_shows_as_interrupted_in_history(tmp_path: Path) -> None:
    """Kill the recording process while its program runs (SIGKILL: no clean-up at all)."""
    db = str(tmp_path / "audit.db")
    Store(db).close()
    env = {"AIRLOCK_DB": db}
    script = tmp_path / "slow.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    proc = subprocess.Popen(
        # a timeout well past the test's own waits: a loaded machine must not end the run first
        [
            sys.executable,
            "-c",
            "from airlock.cli import main; main()",
            "run",
            "--timeout",
            "300",
            str(script),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        with Store(db) as store:
            while not store.count():
                assert proc.poll() is None and time.monotonic() < deadline, "never recorded"
                time.sleep(0.05)
            [row] = store.list_screenings()
        running = _airlock("history", "--format", "json", env=env)
        assert '"outcome": "running"' in running.stdout  # negative control: alive, running
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    history = _airlock("history", env=env)
    assert history.returncode == 0 and "interrupted" in history.stdout
    shown = _airlock("show", str(row.id), env=env)
    assert "outcome interrupted" in shown.stdout
    assert _airlock("audit", "verify", env=env).stdout.startswith("OK: 1 records")


def test_an_approval_is_recorded_before_the_held_code_runs(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airlock.audit import reviews

    with Store(sqlite_url) as store:
        held = guard(RISKY, store=store, limits=FAST)
        token = store.add_reviewer("ann")
        seen = []
        real = reviews.run_code

        def spy(code, **kw):
            with Store(sqlite_url) as other:
                d = other.get(held.record_id)
                seen.append(([r.state for r in d.reviews], d.screening.outcome))
            return real(code, **kw)

        monkeypatch.setattr(reviews, "run_code", spy)
        out = reviews.decide(store, held.record_id, "approved", token=token)
        assert seen == [(["approved"], INTERRUPTED)]
        assert out.execution is not None and store.get(held.record_id).screening.outcome != (
            INTERRUPTED
        )
        assert store.verify().ok
