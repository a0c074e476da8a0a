"""Turn what the parent observed into the ExecutionResult fields."""

from __future__ import annotations

import os
import signal

from airlock.executor.models import ExecutionResult, KilledBy, Limits
from airlock.executor.supervise import Outcome, Stream

# The kernel checks RLIMIT_CPU against tick-sampled CPU time; the rusage wait4 reports is
# the precise runtime, which reads less when the CPU is shared (5 % less measured with the
# CPUs oversubscribed threefold, more on a loaded CI machine). With the seccomp layer the
# program cannot send SIGXCPU (seccomp.SIGNAL_ARG), so a SIGXCPU death needs only half
# the limit as corroboration; any other death by SIGXCPU or SIGKILL needs 90 %.
CPU_AT_LIMIT = 0.9
CPU_SIGNALLED = 0.5


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
    """Fill exit code, signal, flags, output and resource fields from the outcome.

    ``peak_mb`` and ``oom`` are the memory cgroup's peak and whether its OOM killer fired;
    without a cgroup (``peak_mb`` None) the memory limit counts as exceeded only when the
    kernel-measured peak RSS reached it.
    """
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
    elif outcome.timed_out or outcome.stopped:
        result.signal = signal.SIGKILL
    result.python_memory_error = _ends_with_memory_error(result.stderr)
    # without a memory cgroup the data rlimit refuses allocations, unseen by the host
    reached = peak_mb is None and (result.peak_memory_mb or 0.0) >= limits.memory_mb
    result.memory_exceeded = oom or reached
    result.timed_out = outcome.timed_out
    if reports.errors:
        first = reports.errors[0]
        result.refused = f"{first.layer}: setup failed: {first.message}"
        result.killed_reason = "sandbox setup failed; the code did not run"
        result.exit_code = result.signal = None
        return
    result.killed_by = killed_by(result, limits, outcome.timed_out, oom)
    if result.killed_by == "timeout":
        result.killed_reason = f"wall-clock timeout after {limits.timeout_s:g}s"
    elif result.killed_by == "memory":
        result.killed_reason = f"memory limit of {limits.memory_mb} MB"
    elif result.killed_by == "cpu":
        result.killed_reason = f"CPU time limit of {limits.cpu_s}s"
    elif outcome.stopped:
        result.killed_reason = "stopped by the caller"
    elif status is None:
        result.killed_reason = "the sandbox's init process died before the program finished"
    if outcome.survivors:
        note = "processes survived the run and were killed through the cgroup"
        result.killed_reason = f"{result.killed_reason}; {note}" if result.killed_reason else note


def killed_by(
    result: ExecutionResult, limits: Limits, timed_out: bool, oom: bool
) -> KilledBy | None:
    """The limit that ended the program, judged only from what the host saw: its own clock,
    the cgroup's OOM count, and a SIGXCPU (or the SIGKILL at the hard limit) arriving when
    the program's CPU time, measured by the kernel, had reached the limit (see
    CPU_AT_LIMIT). A program that signals itself, prints an error or picks an exit code
    gets none of these."""
    if timed_out:
        return "timeout"
    if oom and result.signal == signal.SIGKILL:
        return "memory"
    seccomp = any(lay.name == "seccomp" and lay.status == "active" for lay in result.layers)
    kernel_sent = result.signal == signal.SIGXCPU and seccomp
    at_limit = result.cpu_s >= limits.cpu_s * (CPU_SIGNALLED if kernel_sent else CPU_AT_LIMIT)
    if result.signal in (signal.SIGXCPU, signal.SIGKILL) and at_limit:
        return "cpu"
    return None


def _ends_with_memory_error(stderr: str) -> bool:
    lines = stderr[-4096:].rstrip().splitlines()
    return bool(lines) and lines[-1].startswith("MemoryError")
