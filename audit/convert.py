"""Turning the analyzer's and executor's models into rows, and rows into events."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from airlock.audit.events import RecordedEvent
from airlock.audit.tables import Execution, FindingRow, Screening

if TYPE_CHECKING:
    from airlock.analyzer.models import Report
    from airlock.executor.models import ExecutionResult

OUTPUT_CAP = 64 * 1024  # characters of stdout/stderr kept per run


def outcome_of(result: ExecutionResult) -> str:
    """One word for how a run ended: ok, failed, timeout, memory, killed, signal, refused."""
    if result.refused:
        return "refused"
    if result.timed_out:
        return "timeout"
    if result.memory_exceeded:
        return "memory"
    if result.killed_reason:
        return "killed"
    if result.signal:
        return "signal"
    return "ok" if result.exit_code == 0 else "failed"


def _cap(text: str, truncated: bool) -> tuple[str, bool]:
    if len(text) > OUTPUT_CAP:
        return text[:OUTPUT_CAP], True
    return text, truncated


def finding_rows(report: Report | None) -> list[FindingRow]:
    """One row per finding of the report (suppressed ones included, flagged)."""
    if report is None:
        return []
    return [
        FindingRow(
            rule_id=f.rule_id,
            title=f.title[:500],
            severity=str(f.severity),
            confidence=str(f.confidence),
            category=f.category,
            cwe=f.cwe,
            line=f.line,
            column=f.column,
            end_line=f.end_line,
            end_column=f.end_column,
            source_line=f.source_line,
            message=f.message,
            origin=f.origin,
            suppressed=f.suppressed,
            suppression=f.suppression,
        )
        for f in report.findings
    ]


def execution_row(
    result: ExecutionResult | None, *, error: str | None = None, **extra: Any
) -> Execution:
    """An executions row for a run's result (or for a run that raised: `error`)."""
    if result is None:
        return Execution(outcome="error", error=error, layers=[], files=[], **extra)
    stdout, out_cut = _cap(result.stdout, result.stdout_truncated)
    stderr, err_cut = _cap(result.stderr, result.stderr_truncated)
    return Execution(
        outcome=outcome_of(result),
        exit_code=result.exit_code,
        signal=result.signal,
        timed_out=result.timed_out,
        memory_exceeded=result.memory_exceeded,
        killed_reason=result.killed_reason,
        stdout=stdout,
        stderr=stderr,
        stdout_truncated=out_cut,
        stderr_truncated=err_cut,
        wall_s=result.wall_s,
        cpu_s=result.cpu_s,
        peak_memory_mb=result.peak_memory_mb,
        layers=[layer.model_dump(mode="json") for layer in result.layers],
        limits=result.limits.model_dump(mode="json"),
        files=[{"name": f.name, "size": f.size, "truncated": f.truncated} for f in result.files],
        value=result.value,
        display=[
            {"mime": d.mime, "size": len(d.data), "sha256": hashlib.sha256(d.data).hexdigest()}
            for d in result.display
        ]
        or None,
        degraded=result.degraded,
        refused=result.refused,
        error=error,
        egress=None
        if result.limits.egress is None
        else [a.model_dump(mode="json") for a in result.egress],
        egress_count=result.egress_count,
        **extra,
    )


def _decision(screening: Screening, ex: Execution | None) -> str:
    """What the gate's "ran" came to: refused or error when the sandbox refused or raised."""
    if screening.gate_decision == "ran" and ex is not None and ex.outcome in ("refused", "error"):
        return ex.outcome
    return screening.gate_decision


def event_of(
    screening: Screening, findings: list[FindingRow], execution: Execution | None
) -> RecordedEvent:
    """The alert engine's view of a stored screening and its latest run."""
    ex = execution
    unavailable = (
        [
            str(layer.get("name"))
            for layer in (ex.layers or [])
            if layer.get("status") == "unavailable"
        ]
        if ex
        else []
    )
    return RecordedEvent(
        id=screening.id or 0,
        created_at=screening.created_at,
        agent_id=screening.agent_id,
        user_id=screening.user_id,
        session_id=screening.session_id,
        code=screening.code,
        code_sha256=screening.code_sha256,
        ruleset=screening.ruleset,
        verdict=screening.verdict,  # type: ignore[arg-type]
        score=screening.score,
        rule_ids=[f.rule_id for f in findings if not f.suppressed],
        gate_decision=_decision(screening, ex),  # type: ignore[arg-type]
        ran=ex is not None and ex.outcome not in ("refused", "error"),
        exit_code=ex.exit_code if ex else None,
        timed_out=bool(ex and ex.timed_out),
        memory_exceeded=bool(ex and ex.memory_exceeded),
        killed_reason=ex.killed_reason if ex else None,
        unavailable_layers=unavailable,
        degraded=bool(ex and ex.degraded),
        stdout=ex.stdout if ex else "",
        stderr=ex.stderr if ex else "",
        egress_denied=_denied(ex.egress if ex else None),
    )


def _denied(egress: list[dict[str, Any]] | None) -> list[str]:
    """``host:port: reason`` of each attempt the egress proxy refused (not allowed)."""
    out = []
    for a in egress or []:
        if isinstance(a, dict) and not a.get("allowed"):
            host = str(a.get("host") or "?")
            host = f"[{host}]" if ":" in host else host
            out.append(f"{host}:{a.get('port')}: {a.get('reason') or 'refused'}")
    return out
