"""Child-side confinement: one plain function applied right after a fork, before execve.

``confine(plan)`` needs nothing from the caller but the plan, so it works equally in a
freshly forked helper and in a pre-forked worker. Order matters: stdio, OOM score,
working directory, drop the uid, no_new_privs, Landlock, rlimits (late, so the forked
Python image is not starved), close-on-exec for every other descriptor, seccomp last
(it forbids setrlimit and mount), then execve.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from airlock.executor import landlock, rlimits, seccomp, syscalls, user


@dataclass(frozen=True)
class ChildPlan:
    """Everything the child needs, computed by the parent before the fork."""

    executable: str
    argv: tuple[bytes, ...]
    env: dict[bytes, bytes]
    cwd: str
    stdout_fd: int
    stderr_fd: int
    rlimits: tuple[tuple[int, int, int], ...] | None = None
    uid: int | None = None
    gid: int | None = None
    landlock_rules: tuple[landlock.Rule, ...] | None = None
    landlock_abi: int = 0
    deny_tcp: bool = True
    tcp_connect_port: int | None = None  # with deny_tcp: the one port it may connect to
    seccomp_filter: bytes | None = None
    oom_score_adj: int | None = 1000
    drop_caps_up_to: int | None = None  # set when the child stays root: drop every capability
    stdin_path: str | None = None  # the bounded stdin, opened by the helper (else /dev/null)
    stdin_fd: int | None = None
    timings: dict[str, int] = field(default_factory=dict)


class ConfineError(Exception):
    """A layer could not be applied; ``layer`` names it."""

    def __init__(self, layer: str, exc: BaseException) -> None:
        super().__init__(f"{layer}: {exc}")
        self.layer = layer


def _step(plan: ChildPlan, name: str, fn: Callable[..., object], *args: object) -> None:
    t0 = time.perf_counter_ns()
    try:
        fn(*args)
    except BaseException as exc:
        raise ConfineError(name, exc) from exc
    plan.timings[name] = time.perf_counter_ns() - t0


def _stdio(plan: ChildPlan) -> None:
    null = os.open("/dev/null", os.O_RDONLY) if plan.stdin_fd is None else plan.stdin_fd
    os.dup2(null, 0)
    os.dup2(plan.stdout_fd, 1)
    os.dup2(plan.stderr_fd, 2)
    for fd in {null, plan.stdout_fd, plan.stderr_fd} - {0, 1, 2}:
        os.close(fd)


def set_oom_score(score: str) -> None:
    """Best effort: some kernels and VMs refuse writes to oom_score_adj."""
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.write(fd, score.encode())
    except OSError:
        pass
    finally:
        os.close(fd)


def reset_process_state() -> None:
    """Default signal dispositions, an empty signal mask and umask 022 (none inherited)."""
    for sig in signal.valid_signals():
        if sig not in (signal.SIGKILL, signal.SIGSTOP) and signal.getsignal(sig) != signal.SIG_DFL:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.umask(0o022)


def confine(plan: ChildPlan) -> None:
    """Apply every layer in the plan to the calling process (raises ConfineError)."""
    _step(plan, "process", reset_process_state)
    _step(plan, "stdio", _stdio, plan)
    if plan.oom_score_adj is not None:
        _step(plan, "oom", set_oom_score, str(plan.oom_score_adj))
    _step(plan, "cwd", os.chdir, plan.cwd)
    if plan.uid is not None and plan.gid is not None:
        _step(plan, "user", user.drop, plan.uid, plan.gid)
    if plan.drop_caps_up_to is not None:
        _step(plan, "capabilities", user.drop_capabilities, plan.drop_caps_up_to)
    _step(plan, "no_new_privs", syscalls.prctl, syscalls.PR_SET_NO_NEW_PRIVS, 1)
    if plan.landlock_rules is not None:
        rules = list(plan.landlock_rules)
        abi, port = plan.landlock_abi, plan.tcp_connect_port
        _step(plan, "landlock", landlock.restrict_self, rules, abi, plan.deny_tcp, port)
    if plan.rlimits is not None:
        _step(plan, "rlimits", rlimits.apply, list(plan.rlimits))
    _step(plan, "close_fds", syscalls.cloexec_from, 3)
    if plan.seccomp_filter is not None:
        _step(plan, "seccomp", seccomp.install, plan.seccomp_filter)


def execute(plan: ChildPlan) -> None:
    """execve the program (only returns by raising)."""
    os.execve(plan.executable, list(plan.argv), plan.env)
