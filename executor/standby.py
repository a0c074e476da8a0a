"""Standby helpers: a run's helper forked ahead of time, already inside its slot's cgroups.

Moving a process into a cgroup v1 hierarchy waits for an RCU grace period (the kernel takes
cgroup_threadgroup_rwsem for writing): 4-16 ms on a 2-CPU machine, the largest single cost
of a run. A forked child inherits its parent's cgroups for nothing, so when a run ends the
caller keeps its slot (the flock stays held) and leaves a standby in it: a process forked
from the caller (or by the spawner) that detaches like a helper, joins the slot's cgroups
at its own pace, says ``R`` on its socket and waits for the next run's SpawnPlan and
descriptors; from there on it is exactly the helper of spawn.py. Until then it has entered
no namespace and holds no descriptor but its socket. It dies with the process that forked
it; a run that cannot use it (cgroup layer off, another spawner asked for, dead) kills it
and starts a helper as before. The ``standby`` setting (settings.py) caps how many wait.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import pickle
import select
import signal
import socket
import threading
import time
from dataclasses import dataclass

from airlock.executor import cgroups, settings, spawn

TYPE_CHECKING = False  # the spawner imports this module: keep typing out of it
if TYPE_CHECKING:
    from airlock.executor.slots import Slot

READY_TIMEOUT_S = 0.25  # normally 4–16 ms; a slower standby is discarded, not waited for
_MAX_MESSAGE = 1 << 20


def max_parked() -> int:
    """How many idle slots (each with a standby) one process may keep."""
    return settings.current().standby


@dataclass
class Standby:
    """The caller's handle on one standby helper."""

    _pid: int
    _pidfd: int
    sock: socket.socket
    group: cgroups.SlotCgroup
    is_child: bool  # forked by this process (else by the spawner, which reaps it)
    origin: str  # "fork" or "zygote"
    ready: bool = False
    done: bool = False  # handed a run, or discarded
    waited_ms: float = 0.0
    pending: object | None = None  # a zygote.Pending: pid and pidfd still to be read

    @property
    def pid(self) -> int:
        """The standby's pid (-1 when the spawner could not start it)."""
        settle(self)
        return self._pid

    @property
    def pidfd(self) -> int:
        settle(self)
        return self._pidfd


@dataclass(frozen=True)
class Request:
    """Asks the spawner for a standby in ``group``; its socket end travels as SCM_RIGHTS."""

    group: cgroups.SlotCgroup


def fork(group: cgroups.SlotCgroup, fd: int, from_caller: bool) -> int:
    """Fork a standby serving socket ``fd``; returns its pid (the caller closes ``fd``)."""
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        gc.disable()  # a collection here would touch (and copy) every page of the caller's heap
        try:
            spawn.die_with_parent(parent)
            _serve(fd, group, from_caller)
        finally:
            os._exit(spawn.SETUP_FAILED)
    return pid


def _serve(fd: int, group: cgroups.SlotCgroup, from_caller: bool) -> None:
    try:
        spawn.detach(from_caller, {fd})
        spawn.enter_cgroup(group)
        sock = socket.socket(fileno=fd)
        sock.send(b"R")
        msg, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, 3)
        sock.close()
        if not msg or len(fds) != 3:
            return
        out, err, rep = fds
        plan = pickle.loads(msg)
    except BaseException:
        return
    child = dataclasses.replace(plan.child, stdout_fd=out, stderr_fd=err)
    spawn.contain(dataclasses.replace(plan, child=child), rep)


def create(group: cgroups.SlotCgroup, spawner: object | None) -> Standby:
    """Start a standby for ``group``: forked here, or by ``spawner`` (a zygote.Zygote)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        if spawner is None:
            pid = fork(group, theirs.fileno(), from_caller=True)
            try:
                pidfd = os.pidfd_open(pid)
            except OSError:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise
            return Standby(pid, pidfd, ours, group, True, "fork")
        pending = spawner.request_later(Request(group), [theirs.fileno()])  # type: ignore[attr-defined]
        return Standby(-1, -1, ours, group, False, "zygote", pending=pending)
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()


def settle(sb: Standby) -> bool:
    """Read the spawner's reply about a standby asked of it (its pid and pidfd); False, and
    the standby let go of, when the spawner could not start it."""
    pending, sb.pending = sb.pending, None
    if pending is None:
        return True
    try:
        sb._pid, sb._pidfd = pending.result()  # type: ignore[attr-defined]
    except OSError:
        sb.done = True
        sb.sock.close()
        return False
    return True


def alive(sb: Standby) -> bool:
    """Whether the standby process has not exited."""
    if sb.done or not settle(sb):
        return False
    poller = select.poll()
    poller.register(sb.pidfd, select.POLLIN)
    return not sb.done and not poller.poll(0)


def hand_over(sb: Standby, plan: spawn.SpawnPlan, report_w: int) -> None:
    """Give the standby its run (waiting until it is in its cgroups); raises OSError when it
    cannot take it, and the caller then discards it."""
    if sb.done or not settle(sb) or plan.cgroup != sb.group:
        raise OSError("the standby is not for this run's cgroup")
    t0 = time.monotonic()
    if not sb.ready:
        poller = select.poll()
        poller.register(sb.sock, select.POLLIN)
        if not poller.poll(int(READY_TIMEOUT_S * 1000)) or sb.sock.recv(1) != b"R":
            raise OSError("the standby did not join its cgroups")
        sb.ready = True
    sb.waited_ms = (time.monotonic() - t0) * 1000
    fds = [plan.child.stdout_fd, plan.child.stderr_fd, report_w]
    socket.send_fds(sb.sock, [pickle.dumps(plan)], fds)
    sb.done = True
    sb.sock.close()


def discard(sb: Standby) -> None:
    """Kill an unused standby and let go of it (no-op once handed a run or discarded)."""
    if sb.done or not settle(sb):
        return
    sb.done = True
    with contextlib.suppress(OSError):
        signal.pidfd_send_signal(sb.pidfd, signal.SIGKILL)
    if sb.is_child:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(sb.pid, 0)
    sb.sock.close()
    os.close(sb.pidfd)


_parked: list[tuple[Slot, Standby]] = []
_lock = threading.Lock()


def park(slot: Slot, sb: Standby) -> bool:
    """Keep ``slot`` with its standby for a later run; False (standby discarded) if full."""
    with _lock:
        if len(_parked) < max_parked():
            _parked.append((slot, sb))
            return True
    discard(sb)
    return False


def room() -> bool:
    """Whether another slot may be parked."""
    with _lock:
        return len(_parked) < max_parked()


def claim() -> tuple[Slot, Standby] | None:
    """The longest-parked slot and its standby, or None (always None with standbys off);
    the standby's pid is known from here on (``done`` if the spawner failed to start it)."""
    with _lock:
        parked = _parked.pop(0) if _parked and max_parked() else None
    if parked is not None:
        settle(parked[1])
    return parked


def _forget_in_child() -> None:
    """A forked copy of the caller owns none of the parked slots: drop its descriptors."""
    global _lock
    _lock = threading.Lock()
    for slot, sb in _parked:
        slot.release()  # the parent's flock stays: the parent still holds the same lock
        sb.sock.close()
        if sb._pidfd >= 0:
            with contextlib.suppress(OSError):
                os.close(sb._pidfd)
    _parked.clear()


os.register_at_fork(after_in_child=_forget_in_child)
