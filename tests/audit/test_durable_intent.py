"""The record of a run about to start is durable before the run starts: on SQLite its
commit runs at `synchronous = FULL` (the WAL is fsynced), every other write at NORMAL
(the controls: a result and a blocked screening are not fsynced)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event

from airlock.analyzer import scan
from airlock.audit import Store
from airlock.executor.models import ExecutionResult, Limits

RESULT = ExecutionResult(exit_code=0, stdout="1\n", limits=Limits())


def test_only_the_intent_asks_for_a_full_sync(sqlite_url: str) -> None:
    with Store(sqlite_url) as store:
        said: list[str] = []
        event.listen(
            store.engine, "before_cursor_execute", lambda c, cur, sql, *a: said.append(sql)
        )

        def levels() -> list[str]:
            out = [s.split("=")[1].strip() for s in said if s.startswith("PRAGMA synchronous")]
            said.clear()
            return out

        row = store.record(
            code="print(1)", report=scan("print(1)"), gate_decision="ran", intent=True
        )
        assert levels() == ["FULL"]
        assert row.id is not None
        store.add_execution(row.id, RESULT, trigger="gate")
        assert levels() == ["NORMAL"]
        store.record(code="x", report=scan("x"), gate_decision="blocked")
        assert levels() == []  # still NORMAL: the level is only set when it changes
        again = store.record(code="y", report=scan("y"), gate_decision="ran", intent=True)
        assert levels() == ["FULL"] and again.id == row.id + 2


SCRIPT = textwrap.dedent(
    """
    import os, sys
    from airlock.analyzer import scan
    from airlock.audit import Store
    from airlock.executor.models import ExecutionResult, Limits

    store = Store(sys.argv[1])
    report = scan("print(1)")
    store.record(code="warm-up", report=report, gate_decision="blocked")
    os.write(2, b"@intent\\n")
    row = store.record(code="print(1)", report=report, gate_decision="ran", intent=True)
    os.write(2, b"@result\\n")
    store.add_execution(row.id, ExecutionResult(exit_code=0, limits=Limits()), trigger="gate")
    os.write(2, b"@blocked\\n")
    store.record(code="x", report=report, gate_decision="blocked")
    os.write(2, b"@end\\n")
    store.close()
    """
)


def test_the_intent_is_fsynced_and_the_other_writes_are_not(tmp_path: Path) -> None:
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed: the store's fsync calls cannot be observed")
    trace = tmp_path / "trace"
    done = subprocess.run(
        [strace, "-f", "-qq", "-e", "trace=fsync,fdatasync,write", "-o", str(trace),
         sys.executable, "-c", SCRIPT, str(tmp_path / "audit.db")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0 and "ptrace" in done.stderr.lower():
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    phase, syncs = "", {}
    for line in trace.read_text().splitlines():
        if 'write(2, "@' in line:
            phase = line.split('"@')[1].split("\\n")[0]
        elif "sync(" in line and phase:
            syncs[phase] = syncs.get(phase, 0) + 1
    assert syncs.get("intent", 0) >= 1, trace.read_text()[-2000:]
    assert syncs.get("result", 0) == 0 and syncs.get("blocked", 0) == 0, syncs
