"""Starting a run's helper (directly or through the spawner) and killing its whole tree."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time

from airlock.executor import cgroups, settings, slots, spawn, standby, zygote
from airlock.executor.slots import Slot

_direct_runs = 0


def usable(sb: standby.Standby, group: cgroups.SlotCgroup | None) -> bool:
    """Whether this run can take the parked standby (same cgroup, alive, spawner allowed)."""
    mode = settings.current().spawner
    return group == sb.group and mode in ("auto", sb.origin) and standby.alive(sb)


def leave_standby(
    slot: Slot, group: cgroups.SlotCgroup | None, interpreter: str, repeat: bool
) -> bool:
    """After a run: keep ``slot`` with a standby helper for a later run; False when not (the
    caller then releases the slot). A caller on its second run or later (``repeat``) also
    gets a second idle slot, so that back-to-back runs alternate between two slots and each
    standby has a whole run's time to get into its cgroups. A large caller, and one on its
    second run or later (which then starts the spawner), has the spawner fork its standbys:
    the helper, init and the program are then forks of its small image, not of the caller's."""
    if group is None or not standby.room():
        return False
    cfg = settings.current()
    mode = cfg.spawner
    auto = mode == "auto" and (zygote.running() or rss_mb() > cfg.zygote_above_mb)
    big = mode == "zygote" or auto
    if mode == "auto" and repeat and not big:
        with contextlib.suppress(OSError):
            zygote.get(interpreter)  # boots during the next run; its standbys from then on
    if not big and threading.current_thread() is not threading.main_thread():
        # PR_SET_PDEATHSIG follows the forking *thread*: a standby forked here would be
        # killed when this thread ends, taking a later run (in another thread) with it.
        return False
    if not _park_new(slot, group, interpreter, big):
        return False
    if repeat and standby.room():
        with contextlib.suppress(TimeoutError):
            extra = slots.acquire(timeout_s=0)
            if not _park_new(extra, cgroups.for_slot(extra.number), interpreter, big):
                extra.release()
    return True


def _park_new(slot: Slot, group: cgroups.SlotCgroup, interpreter: str, big: bool) -> bool:
    try:
        cgroups.create(group)
        sb = standby.create(group, zygote.get(interpreter) if big else None)
    except OSError as exc:
        zygote.last_error = f"standby: {type(exc).__name__}: {exc}"
        return False
    return standby.park(slot, sb)


def start(
    plan: spawn.SpawnPlan, report_w: int, interpreter: str, sb: standby.Standby | None = None
) -> tuple[int, int, bool]:
    """Start the helper: (pid, pidfd, whether it is our child).

    A standby (see standby.py) is handed the run when one is given and takes it.

    The spawner process is used when it already runs, or when this caller's image is large
    (forking it would copy all of it, three times). A small caller forks directly for its
    first runs, and starts the spawner in the background on its second, so a one-shot
    command never waits for it while a long-lived caller gets it from its third run on.
    The ``spawner`` setting (settings.py) set to fork or zygote forces either way.
    """
    global _direct_runs
    if sb is not None:
        try:
            standby.hand_over(sb, plan, report_w)
            return sb.pid, sb.pidfd, sb.is_child
        except OSError:
            standby.discard(sb)
    cfg = settings.current()
    mode = cfg.spawner
    auto = mode == "auto" and (zygote.running() or rss_mb() > cfg.zygote_above_mb)
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
    helper: int, init_pid: int | None, group: cgroups.SlotCgroup | None, session: bool
) -> bool:
    """Kill init (its PID namespace dies with it), the session, the cgroup; True if empty.

    ``session`` is true only while the helper is unreaped, so neither its pid (the session
    id) nor init's (checked to still be the helper's child) can have been reused.
    """
    if init_pid is not None:
        _kill_child_of(helper, init_pid)
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
