"""What `airlock run` decided, as an exit status, a summary line and JSON."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airlock.cli.common import EXIT_USAGE, visible
from airlock.vocabulary import GateDecision as Decision

if TYPE_CHECKING:
    from airlock.analyzer.models import Report
    from airlock.executor.models import ExecutionResult

EXIT_PROGRAM_FAILED = 1
EXIT_BLOCKED = 3
EXIT_REVIEW = 4
EXIT_REFUSED = 5
EXIT_UNRECORDABLE = 6
EXIT_SANDBOX_FAILURE = 70
EXIT_AUTH = 77
EXIT_TIMEOUT = 124
EXIT_KILLED = 137

EXIT_CODES_HELP = f"""
Exit status (Airlock's own, never the program's unless --pass-exit-code):
0 it ran and the program exited 0,
{EXIT_PROGRAM_FAILED} it ran and the program failed (non-zero exit or a signal of its own; its
code is in the summary line and the JSON),
{EXIT_USAGE} usage error (missing file, bad --file, unknown rule set),
{EXIT_BLOCKED} blocked by the analyzer (never ran),
{EXIT_REVIEW} verdict is review and --approve was not given (did not run),
{EXIT_REFUSED} refused: a required isolation layer is unavailable (see --allow-degraded), or
--network asks for more than the rule set's policy allows (nothing ran),
{EXIT_UNRECORDABLE} the audit store cannot record it (nothing ran; or, after a run, its
result could not be recorded and the record says interrupted),
{EXIT_SANDBOX_FAILURE} the sandbox itself failed,
{EXIT_AUTH} --approve without a valid reviewer token ($AIRLOCK_TOKEN / --token),
{EXIT_TIMEOUT} timed out (the supervisor's wall clock),
{EXIT_KILLED} killed by a limit the host enforced (memory, CPU, output, processes).
With --pass-exit-code a run that completed exits with the program's own code instead of
0/{EXIT_PROGRAM_FAILED} (then a program can imitate the codes above).
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
    record_error: str | None = None
    screened: tuple[str, int] | None = None  # verdict and score of an earlier screening it ran


def program_status(result: ExecutionResult) -> int | None:
    """The program's own exit status (None when a limit or the sandbox ended it)."""
    if result.timed_out or result.memory_exceeded or result.killed_reason:
        return None
    if result.signal is not None:
        return 128 + result.signal
    return None if result.exit_code is None else result.exit_code & 0xFF


def exit_code_for(outcome: Outcome, *, pass_exit_code: bool = False) -> int:
    """The documented exit status for an outcome (see EXIT_CODES_HELP)."""
    result = outcome.result
    if outcome.record_error:
        return EXIT_UNRECORDABLE
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
    if result.memory_exceeded:
        return EXIT_KILLED
    if result.killed_reason:
        reason = result.killed_reason
        return EXIT_SANDBOX_FAILURE if reason.startswith("sandbox failure") else EXIT_KILLED
    own = program_status(result)
    if own is None:
        return EXIT_SANDBOX_FAILURE
    if pass_exit_code:
        return own
    return 0 if own == 0 else EXIT_PROGRAM_FAILED


def summary(outcome: Outcome, code: int) -> str:
    """One line: verdict, what happened, exit status, wall time, layers."""
    parts = ["airlock:"]
    if outcome.report is not None:
        parts.append(f"verdict={outcome.report.verdict} score={outcome.report.score}")
    elif outcome.screened is not None:
        parts.append(f"verdict={outcome.screened[0]} score={outcome.screened[1]} (held, approved)")
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
            hint = "" if result.refused.startswith("network:") else " (see --allow-degraded)"
            parts.append(f"refused={result.refused!r}{hint}")
        else:
            own = program_status(result)
            parts.append(f"program-exit={'-' if own is None else own}")
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
            if result.limits.egress is not None:
                flags.append(egress_summary(result))
            parts += flags
        active = [layer.name for layer in result.layers if layer.status == "active"]
        others = [str(layer) for layer in result.layers if layer.status != "active"]
        if result.layers:  # none when refused before the sandbox was asked
            parts.append(f"layers={len(active)}/{len(result.layers)} active")
        if others:
            parts.append("(" + "; ".join(others) + ")")
    if outcome.error:
        parts.append(f"error={outcome.error!r}")
    if outcome.record_error:
        parts.append(f"not-recorded={outcome.record_error!r}")
    return visible(" ".join(parts), newlines=False)


def egress_summary(result: ExecutionResult) -> str:
    """``egress=N`` attempts through the proxy, with how many were denied."""
    denied = sum(1 for a in result.egress if not a.allowed)
    more = result.egress_count - len(result.egress)
    text = f"egress={result.egress_count}"
    if denied or more:
        text += f" ({denied} denied" + (f", {more} not listed" if more else "") + ")"
    return text


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    from airlock.executor import ExecutionResult

    result = outcome.result or ExecutionResult()
    try:
        data = result.model_dump(mode="json")
    except ValueError:  # undecodable bytes or names: fall back to base64 / escaped text
        data = plain(result.model_dump(mode="python"))
    report = outcome.report
    data.update(
        verdict=str(report.verdict) if report else (outcome.screened or (None, None))[0],
        score=report.score if report else (outcome.screened or (None, None))[1],
        reasons=[r.text for r in report.reasons] if report else [],
        decision=outcome.decision,
        record_id=outcome.record_id,
        error=outcome.error,
        record_error=outcome.record_error,
        program_exit_code=None if outcome.result is None else program_status(outcome.result),
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
