"""The alert engine sees the same event whether guard builds it from the rows it has just
written or the store reads it back: for a run, a refusal of the sandbox, and no run."""

from __future__ import annotations

from airlock.analyzer import scan
from airlock.audit import Store
from airlock.audit.pipeline import _event
from airlock.executor.models import ExecutionResult, Limits


def test_the_event_of_fresh_rows_is_the_stored_one(sqlite_url: str) -> None:
    with Store(sqlite_url) as store:
        for code, result in [
            ("print('x')", ExecutionResult(exit_code=0, stdout="x\n", limits=Limits())),
            ("print('y')", ExecutionResult(refused="seccomp: unavailable", limits=Limits())),
            ("import os\nos.system('x')", None),
        ]:
            report = scan(code)
            if result is None:
                row = store.record(code=code, report=report, gate_decision="blocked")
                execution = None
            else:
                row = store.record(code=code, report=report, gate_decision="ran", intent=True)
                assert row.id is not None
                execution = store.add_execution(row.id, result, trigger="gate")
            assert row.id is not None
            mine = _event(row, report, execution)
            assert mine == store.event(row.id)
            assert mine.gate_decision == (
                "refused" if result and result.refused else row.gate_decision
            )
