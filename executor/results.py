"""Turn what the parent observed into the ExecutionResult fields."""

from __future__ import annotations

import os
import signal

from airlock.executor.models import ExecutionResult, Limits
from airlock.executor.supervise import Outcome, Stream


def _exit_code(wait_status: int) -> int:
    try:
        return os.waitstatus_to_exitcode(wait_status)
    except ValueError:  # a stopped status: init never reports one
        return -signal.SIGKILL


def interpret(
    result: ExecutionResult,
    outcome: Outcome,
    streams: list[Stream],
    limits: Limits,
    peak_mb: float | None,
    oom: bool,
) -> None:
    """Fill exit code, signal, flags, output and resource fields from the outcome."""
    out, err = streams
    result.stdout = out.data.decode("utf-8", "replace")
    result.stderr = err.data.decode("utf-8", "replace")
    result.stdout_truncated, result.stderr_truncated = out.truncated, err.truncated
    result.wall_s = round(outcome.wall_s, 6)
    if outcome.rusage is not None:
        ru = outcome.rusage
        result.cpu_s = round(ru.ru_utime + ru.ru_stime, 6)
        result.peak_memory_mb = round(ru.ru_maxrss / 1024, 3)
    if peak_mb is not None:
        result.peak_memory_mb = round(peak_mb, 3)
    reports = outcome.reports
    result.timing.update({name: ns / 1e6 for name, ns in reports.timings.items()})
    status = reports.status
    if status is not None:
        result.cpu_s = round(status.cpu_s, 6)
        if peak_mb is None:
            result.peak_memory_mb = round(status.maxrss_kib / 1024, 3)
        code = _exit_code(status.wait_status)
        if code >= 0:
            result.exit_code = code
        else:
            result.signal = -code
    elif outcome.timed_out:
        result.signal = signal.SIGKILL
    memory_error = "MemoryError" in result.stderr[-4096:] and result.exit_code not in (0, None)
    result.memory_exceeded = oom or memory_error
    result.timed_out = outcome.timed_out
    if reports.errors:
        first = reports.errors[0]
        result.refused = f"{first.layer}: setup failed: {first.message}"
        result.killed_reason = "sandbox setup failed; the code did not run"
        result.exit_code = result.signal = None
    elif outcome.timed_out:
        result.killed_reason = f"wall-clock timeout after {limits.timeout_s:g}s"
    elif result.signal in (signal.SIGXCPU,) or (
        result.signal == signal.SIGKILL and result.cpu_s >= limits.cpu_s
    ):
        result.killed_reason = f"CPU time limit of {limits.cpu_s}s"
    elif oom:
        result.killed_reason = f"memory limit of {limits.memory_mb} MB"
    elif status is None:
        result.killed_reason = "the sandbox's init process died before the program finished"
    if outcome.survivors:
        note = "processes survived the run and were killed through the cgroup"
        result.killed_reason = f"{result.killed_reason}; {note}" if result.killed_reason else note
