"""What `airlock run` decided, as an exit status, a summary line and JSON."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airlock.cli.common import EXIT_USAGE
from airlock.vocabulary import GateDecision as Decision

if TYPE_CHECKING:
    from airlock.analyzer.models import Report
    from airlock.executor.models import ExecutionResult

EXIT_BLOCKED = 3
EXIT_REVIEW = 4
EXIT_REFUSED = 5
EXIT_SANDBOX_FAILURE = 70
EXIT_TIMEOUT = 124
EXIT_KILLED = 137

EXIT_CODES_HELP = f"""
Exit status: the program's own exit code when it ran to completion; otherwise
{EXIT_USAGE} usage error (missing file, bad --file, unknown rule set),
{EXIT_BLOCKED} blocked by the analyzer (never ran),
{EXIT_REVIEW} verdict is review and --approve was not given (did not run),
{EXIT_REFUSED} refused: a required isolation layer is unavailable (see --allow-degraded),
{EXIT_SANDBOX_FAILURE} the sandbox itself failed,
{EXIT_TIMEOUT} timed out (wall clock),
{EXIT_KILLED} killed: memory limit, another limit or a signal.
"""


@dataclass
class Outcome:
    """What the gate decided and, if the code ran, what happened."""

    decision: Decision
    report: Report | None = None
    result: ExecutionResult | None = None
    error: str | None = None
    usage_error: bool = False
    record_id: int | None = None


def exit_code_for(outcome: Outcome) -> int:
    """The documented exit status for an outcome (see EXIT_CODES_HELP)."""
    result = outcome.result
    if outcome.decision == "blocked":
        return EXIT_BLOCKED
    if outcome.decision == "held_for_review":
        return EXIT_REVIEW
    if outcome.decision == "refused":
        return EXIT_REFUSED
    if outcome.decision == "error" or result is None:
        return EXIT_USAGE if outcome.usage_error else EXIT_SANDBOX_FAILURE
    if result.timed_out:
        return EXIT_TIMEOUT
    if result.memory_exceeded or result.signal is not None:
        return EXIT_KILLED
    if result.exit_code is None:
        reason = result.killed_reason or ""
        return EXIT_SANDBOX_FAILURE if reason.startswith("sandbox failure") else EXIT_KILLED
    return result.exit_code & 0xFF


def summary(outcome: Outcome, code: int) -> str:
    """One line: verdict, what happened, exit status, wall time, layers."""
    parts = ["airlock:"]
    if outcome.report is not None:
        parts.append(f"verdict={outcome.report.verdict} score={outcome.report.score}")
    else:
        parts.append("verdict=not-screened")
    parts.append(f"decision={outcome.decision}")
    if outcome.record_id is not None:
        parts.append(f"record={outcome.record_id}")
    result = outcome.result
    if outcome.decision in ("blocked", "held_for_review") and outcome.report is not None:
        reasons = "; ".join(r.text for r in outcome.report.reasons[:3])
        if reasons:
            parts.append(f"reasons={reasons!r}")
        if outcome.decision == "held_for_review":
            parts.append("(re-run with --approve to run it)")
    if result is not None:
        if result.refused:
            parts.append(f"refused={result.refused!r} (see --allow-degraded)")
        else:
            parts.append(f"exit={code} wall={result.wall_s:.2f}s")
            flags = [
                name
                for name, on in (
                    ("timed-out", result.timed_out),
                    ("memory-exceeded", result.memory_exceeded),
                    ("stdout-truncated", result.stdout_truncated),
                    ("stderr-truncated", result.stderr_truncated),
                    ("DEGRADED", result.degraded),
                )
                if on
            ]
            if result.signal is not None:
                flags.append(f"signal={result.signal}")
            if result.killed_reason:
                flags.append(f"killed={result.killed_reason!r}")
            parts += flags
        active = [layer.name for layer in result.layers if layer.status == "active"]
        others = [str(layer) for layer in result.layers if layer.status != "active"]
        parts.append(f"layers={len(active)}/{len(result.layers)} active")
        if others:
            parts.append("(" + "; ".join(others) + ")")
    if outcome.error:
        parts.append(f"error={outcome.error!r}")
    return " ".join(parts).replace("\n", " ")


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    from airlock.executor import ExecutionResult

    result = outcome.result or ExecutionResult()
    try:
        data = result.model_dump(mode="json")
    except ValueError:  # undecodable bytes or names: fall back to base64 / escaped text
        data = plain(result.model_dump(mode="python"))
    report = outcome.report
    data.update(
        verdict=str(report.verdict) if report else None,
        score=report.score if report else None,
        reasons=[r.text for r in report.reasons] if report else [],
        decision=outcome.decision,
        record_id=outcome.record_id,
        error=outcome.error,
    )
    return data


def plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def write(stream: Any, text: str) -> None:
    if not text:
        return
    if not hasattr(stream, "buffer"):
        stream.write(text)
        return
    try:
        stream.buffer.write(text.encode("utf-8", "surrogateescape"))
        stream.flush()
    except UnicodeEncodeError:
        stream.buffer.write(text.encode("utf-8", "replace"))
        stream.flush()
    except BrokenPipeError:
        pass
