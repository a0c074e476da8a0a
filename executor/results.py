"""Turn what the parent observed into the ExecutionResult fields."""

from __future__ import annotations

import os
import signal

from airlock.executor.models import ExecutionResult, Limits
from airlock.executor.supervise import Outcome, Stream


def _timings(reports: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in reports:
        if line.startswith("T "):
            for item in line[2:].split():
                name, _, ns = item.partition("=")
                if ns.isdigit():
                    out[name] = int(ns) / 1e6
    return out


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
    result.timing.update(_timings(outcome.reports))
    errors = [line[2:] for line in outcome.reports if line.startswith("E ")]
    statuses = [line[2:] for line in outcome.reports if line.startswith("S ")]
    if statuses:
        status, cpu, maxrss = ([*statuses[-1].split(), "", ""])[:3]
        if cpu:
            result.cpu_s = round(float(cpu), 6)
            if peak_mb is None:
                result.peak_memory_mb = round(int(maxrss) / 1024, 3)
        code = os.waitstatus_to_exitcode(int(status))
        if code >= 0:
            result.exit_code = code
        else:
            result.signal = -code
    elif outcome.timed_out:
        result.signal = signal.SIGKILL
    memory_error = "MemoryError" in result.stderr[-4096:] and result.exit_code not in (0, None)
    result.memory_exceeded = oom or memory_error
    result.timed_out = outcome.timed_out
    if errors:
        layer, _, message = errors[0].partition(" ")
        result.refused = f"{layer}: setup failed: {message}"
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
    elif not statuses:
        result.killed_reason = "the sandbox's init process died before the program finished"
    if outcome.survivors:
        note = "processes survived the run and were killed through the cgroup"
        result.killed_reason = f"{result.killed_reason}; {note}" if result.killed_reason else note
