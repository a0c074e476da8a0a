"""Outcomes come from the host: its clock, the cgroup's OOM count, a kernel-sent SIGXCPU at
the CPU limit. What a program prints, the exit code it picks and the signals it sends
itself are its own and are recorded as such, never as a limit.
"""

from __future__ import annotations

import signal

import pytest
from executor_support import need, need_cgroup

from airlock.executor import ExecutionResult, Limits, SandboxPolicy, run
from airlock.executor.results import killed_by

pytestmark = pytest.mark.timeout(60)
NO_SECCOMP = SandboxPolicy(disabled=frozenset({"seccomp"}))

SPIN_SELF_XCPU = (
    "import os, signal, time\n"
    "t = time.process_time()\n"
    "while time.process_time() - t < 0.02:\n    pass\n"
    "os.kill(os.getpid(), signal.SIGXCPU)\n"
)


SECCOMP = {"name": "seccomp", "status": "active"}


def _no_limit(r: ExecutionResult) -> None:
    assert not r.timed_out and not r.memory_exceeded, r
    assert r.killed_by is None and r.killed_reason is None, r


def test_printed_memory_error_is_the_programs_claim_not_the_outcome() -> None:
    r = run(
        "import sys\n"
        "sys.stderr.write('Traceback (most recent call last):\\nMemoryError\\n')\n"
        "sys.exit(1)\n"
    )
    assert r.exit_code == 1 and r.python_memory_error
    _no_limit(r)


@need_cgroup("memory")
def test_a_real_memory_blow_up_is_recorded_as_memory() -> None:
    """Negative control for the forged MemoryError: touched memory past the limit is an OOM
    kill the host counts in the cgroup."""
    r = run(
        "chunks = []\nwhile True:\n    chunks.append(b'x' * (4 << 20))\n",
        limits=Limits(memory_mb=96),
    )
    assert r.memory_exceeded and r.killed_by == "memory" and r.signal == signal.SIGKILL, r
    assert r.peak_memory_mb is not None and r.peak_memory_mb >= 90


def test_a_refused_allocation_is_a_memory_error_not_a_memory_outcome() -> None:
    """Asking for far more than the machine has is refused at once: nothing was used."""
    r = run("x = bytearray(1 << 46)", limits=Limits(memory_mb=96))
    assert r.exit_code == 1 and r.python_memory_error
    assert not r.memory_exceeded and r.killed_by is None, r


def test_self_sent_sigxcpu_is_a_signal_not_the_cpu_limit() -> None:
    r = run(SPIN_SELF_XCPU, limits=Limits(cpu_s=5), policy=NO_SECCOMP, allow_degraded=True)
    assert r.signal == signal.SIGXCPU and r.cpu_s < 1
    _no_limit(r)


@need("seccomp")
def test_the_program_cannot_send_sigxcpu_by_any_call() -> None:
    code = (
        "import os, signal, ctypes, fcntl\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def tries():\n"
        "    yield 'kill', lambda: os.kill(os.getpid(), signal.SIGXCPU)\n"
        "    yield 'raise', lambda: signal.raise_signal(signal.SIGXCPU)\n"
        "    yield 'pidfd', lambda: signal.pidfd_send_signal(os.pidfd_open(os.getpid()), signal.SIGXCPU)\n"
        "    yield 'sigqueue', lambda: os.sched_yield() if libc.syscall(129, os.getpid(), 24, None) == 0 else (_ for _ in ()).throw(OSError(ctypes.get_errno(), 'x'))\n"
        "    yield 'setsig', lambda: fcntl.fcntl(0, 10, signal.SIGXCPU)\n"
        "    yield 'timer', lambda: (_ for _ in ()).throw(OSError(ctypes.get_errno(), 'x')) if libc.syscall(222, 1, None, ctypes.byref(ctypes.c_int())) else None\n"
        "for name, call in tries():\n"
        "    try:\n        call(); print(name, 'sent', flush=True)\n"
        "    except OSError as e:\n        print(name, e.errno, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGUSR1)\n"
    )
    r = run(code)
    assert r.stdout.split("\n")[:-1] == [
        f"{n} 1" for n in ("kill", "raise", "pidfd", "sigqueue", "setsig", "timer")
    ], r.stderr
    assert r.signal == signal.SIGUSR1  # control: other signals still reach the program
    # control: without the filter the first call lands
    loose = run(code, policy=NO_SECCOMP, allow_degraded=True)
    assert loose.signal == signal.SIGXCPU and loose.stdout == ""


@need("rlimits")
def test_a_real_cpu_spin_is_recorded_as_the_cpu_limit() -> None:
    """Negative control: the kernel's SIGXCPU arrives with the CPU time at the limit."""
    r = run("while True:\n    pass\n", limits=Limits(cpu_s=1, timeout_s=20))
    assert r.killed_by == "cpu" and r.signal in (signal.SIGXCPU, signal.SIGKILL), r
    assert r.cpu_s >= 0.5 and not r.timed_out


@pytest.mark.parametrize("code", [124, 137, 139])
def test_exit_codes_that_look_like_limits_are_the_programs_own(code: int) -> None:
    r = run(f"import sys; sys.exit({code})")
    assert r.exit_code == code and r.signal is None
    _no_limit(r)


def test_a_self_sent_sigkill_is_not_a_memory_or_cpu_kill() -> None:
    r = run("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert r.signal == signal.SIGKILL
    _no_limit(r)


def test_timeout_comes_from_the_supervisors_clock() -> None:
    """Negative control for the exit codes: a real timeout is the host's kill."""
    r = run("import time; time.sleep(30)", limits=Limits(timeout_s=0.5))
    assert r.timed_out and r.killed_by == "timeout" and r.signal == signal.SIGKILL


@need("rlimits")
def test_without_a_cgroup_memory_counts_only_when_the_peak_reached_the_limit() -> None:
    r = run(
        "chunks = []\nwhile True:\n    chunks.append(b'x' * (1 << 20))\n",
        limits=Limits(memory_mb=96),
        policy=SandboxPolicy(disabled=frozenset({"cgroup"})),
        allow_degraded=True,
    )
    assert r.python_memory_error and r.killed_by is None
    assert r.memory_exceeded == ((r.peak_memory_mb or 0) >= 96), r


@pytest.mark.parametrize(
    ("fields", "timed_out", "oom", "expected"),
    [
        ({"signal": signal.SIGKILL}, True, False, "timeout"),
        ({"signal": signal.SIGKILL}, False, True, "memory"),
        ({"exit_code": 1}, False, True, None),  # a child was OOM-killed; the program exited
        ({"signal": signal.SIGXCPU, "cpu_s": 2.0}, False, False, "cpu"),
        ({"signal": signal.SIGKILL, "cpu_s": 3.0}, False, False, "cpu"),
        ({"signal": signal.SIGXCPU, "cpu_s": 0.02}, False, False, None),
        ({"signal": signal.SIGKILL, "cpu_s": 0.5}, False, False, None),
        ({"exit_code": 137, "cpu_s": 9.0}, False, False, None),
        ({"exit_code": 124}, False, False, None),
        ({"signal": signal.SIGXCPU, "cpu_s": 1.2, "layers": [SECCOMP]}, False, False, "cpu"),
        ({"signal": signal.SIGKILL, "cpu_s": 1.2, "layers": [SECCOMP]}, False, False, None),
        ({"signal": signal.SIGXCPU, "cpu_s": 0.3, "layers": [SECCOMP]}, False, False, None),
    ],
)
def test_killed_by_uses_only_host_observations(
    fields: dict[str, object], timed_out: bool, oom: bool, expected: str | None
) -> None:
    result = ExecutionResult.model_validate(fields)
    assert killed_by(result, Limits(cpu_s=2), timed_out, oom) == expected
