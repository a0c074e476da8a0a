"""Starting a run's helper (directly or through the spawner) and killing its whole tree."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time

from executor import cgroups, spawn, zygote

ZYGOTE_ABOVE_MB = float(os.environ.get("AIRLOCK_ZYGOTE_ABOVE_MB", "64"))
_direct_runs = 0


def start(plan: spawn.SpawnPlan, report_w: int, interpreter: str) -> tuple[int, int, bool]:
    """Start the helper: (pid, pidfd, whether it is our child).

    The spawner process is used when it already runs, or when this caller's image is large
    (forking it would copy all of it, three times). A small caller forks directly for its
    first runs, and starts the spawner in the background on its second, so a one-shot
    command never waits for it while a long-lived caller gets it from its third run on.
    AIRLOCK_SPAWNER=fork|zygote forces either way.
    """
    global _direct_runs
    mode = os.environ.get("AIRLOCK_SPAWNER", "auto")
    auto = mode == "auto" and (zygote.running() or rss_mb() > ZYGOTE_ABOVE_MB)
    if mode == "zygote" or auto:
        for _ in range(2):  # a spawner that died is replaced once
            z = None
            try:
                z = zygote.get(interpreter)
                pid, pidfd = z.spawn(plan, report_w)
                return pid, pidfd, False
            except OSError as exc:
                zygote.last_error = f"{type(exc).__name__}: {exc}"
                if z is not None:
                    zygote.discard(z)
    pid = spawn.start(plan, report_w)
    _direct_runs += 1
    if mode == "auto" and _direct_runs == 2:
        with contextlib.suppress(OSError):
            zygote.get(interpreter)  # starts in the background while this run proceeds
    return pid, os.pidfd_open(pid), True


def rss_mb() -> float:
    """This process's resident memory in MiB."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


def alive(pidfd: int) -> bool:
    """Whether the process behind ``pidfd`` has not exited yet."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return not poller.poll(0)


def kill_tree(
    helper: int, reports: list[str], group: cgroups.SlotCgroup | None, session: bool
) -> bool:
    """Kill init (its PID namespace dies with it), the session, the cgroup; True if empty.

    ``session`` is true only while the helper is unreaped, so neither its pid (the session
    id) nor init's (checked to still be the helper's child) can have been reused.
    """
    for line in reports:
        if line.startswith("I "):
            _kill_child_of(helper, int(line[2:]))
    if session:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(helper, signal.SIGKILL)
    return cgroups.kill_all(group, 1.0) if group is not None else True


def reap(pid: int, budget_s: float = 2.0) -> None:
    """Reap our child ``pid``, waiting at most ``budget_s``."""
    end = time.monotonic() + budget_s
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(pid, os.WNOHANG)[0] == 0 and time.monotonic() < end:
            time.sleep(0.005)


def child_pidfd(parent: int, pid: int) -> int | None:
    """A pidfd for ``pid`` if it is (still) a child of ``parent``, else None."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        if ppid == parent:
            return pidfd
    except (OSError, ValueError, IndexError):
        pass
    os.close(pidfd)
    return None


def _kill_child_of(parent: int, pid: int) -> None:
    pidfd = child_pidfd(parent, pid)
    if pidfd is not None:
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        os.close(pidfd)
