"""A small spawner process, so that ``run`` never forks the caller's own (possibly huge) image.

Forking costs grow with the caller's memory (here ~55 ms to fork, exit and reap a 230 MB
process, and a run forks three times). The spawner is a fresh ``python -I -S`` started once
with ``posix_spawn`` (vfork-cheap at any size); it forks each run's helper from its own
small image. Requests travel over a SOCK_SEQPACKET socketpair: the pickled SpawnPlan plus
the run's stdout, stderr and report pipes (SCM_RIGHTS), or a standby.Request plus the
standby's socket; the reply is the new process's pid and a pidfd for it. The spawner kills each helper's session before reaping it and, when the
caller goes away (EOF), kills every helper it started and exits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading

from airlock.executor import spawn, standby, syscalls

_MAX_MESSAGE = 1 << 20
_FDS = 3


# The spawner runs in an isolated interpreter (-I -S: no site-packages, no .pth finders),
# so it loads the two packages it needs from their folders, wherever the install put them
# (an editable install maps `airlock.executor` to the checkout's executor/ folder).
_BOOTSTRAP = """import sys,importlib.util as u
for n,d in {packages!r}:
    s=u.spec_from_file_location(n,d+'/__init__.py',submodule_search_locations=[d])
    m=u.module_from_spec(s);sys.modules[n]=m;s.loader.exec_module(m)
from airlock.executor.zygote import serve;serve(3)
"""


def _package_dirs() -> tuple[tuple[str, str], ...]:
    top = sys.modules["airlock"].__path__[0]  # loaded before any of its subpackages
    here = os.path.dirname(os.path.abspath(__file__))
    return (("airlock", os.path.abspath(top)), ("airlock.executor", here))


class Pending:
    """A spawner's reply not read yet: (pid, pidfd) of what it started, or why it failed."""

    def __init__(self, zygote: Zygote) -> None:
        self.zygote = zygote
        self.value: tuple[int, int] | None = None
        self.error: OSError | None = None

    def result(self) -> tuple[int, int]:
        """The reply, read now if it has not been (raises OSError when the request failed)."""
        with self.zygote.lock:
            try:
                self.zygote._drain(until=self)
            except OSError as exc:  # the socket itself failed
                self.error = self.error or exc
        if self.value is None:
            raise self.error or OSError("spawner failed: no reply")
        return self.value


class Zygote:
    """The caller's handle on its spawner process."""

    def __init__(self, interpreter: str) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        code = _BOOTSTRAP.format(packages=_package_dirs())
        self.pid = os.posix_spawn(
            interpreter,
            [interpreter, "-I", "-S", "-B", "-c", code],
            {"PATH": "/usr/bin:/bin"},
            file_actions=[(os.POSIX_SPAWN_DUP2, theirs.fileno(), 3)],
        )
        theirs.close()
        self.sock = ours
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.served = False  # has answered a request (so it is up and serving)
        self._pending: list[Pending] = []  # requests sent whose replies are still to be read

    def spawn(self, plan: spawn.SpawnPlan, report_w: int) -> tuple[int, int]:
        """Start a run's helper; returns (pid, pidfd). Raises OSError if the spawner is gone."""
        return self.request(plan, [plan.child.stdout_fd, plan.child.stderr_fd, report_w])

    def request(self, obj: object, fds: list[int]) -> tuple[int, int]:
        """Send a SpawnPlan (or a standby.Request) with its descriptors; (pid, pidfd) back."""
        with self.lock:
            self._drain()
            socket.send_fds(self.sock, [pickle.dumps(obj)], fds)
            return self._reply()

    def request_later(self, obj: object, fds: list[int]) -> Pending:
        """Send a request and leave its reply to be read when it is needed (a standby asked
        for after a run is not waited for: the spawner forks it while the caller goes on)."""
        with self.lock:
            socket.send_fds(self.sock, [pickle.dumps(obj)], fds)
            pending = Pending(self)
            self._pending.append(pending)
            return pending

    def _drain(self, until: Pending | None = None) -> None:
        """Read the replies owed to earlier requests, in order (the lock held)."""
        while self._pending and (until is None or (until.value is None and until.error is None)):
            first = self._pending.pop(0)
            try:
                first.value = self._reply()
            except OSError as exc:
                first.error = exc

    def _reply(self) -> tuple[int, int]:
        msg, got, _, _ = socket.recv_fds(self.sock, 4096, 1)
        if len(msg) != 4 or len(got) != 1:
            for fd in got:
                os.close(fd)
            raise OSError(f"spawner failed: {msg.decode('utf-8', 'replace') or 'no reply'}")
        self.served = True
        return struct.unpack("=i", msg)[0], got[0]

    def close(self) -> None:
        """Stop the spawner (it kills whatever it still runs) and reap it."""
        self.sock.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


_zygote: Zygote | None = None
last_error: str | None = None  # why the spawner last failed (the run then forked directly)
_start_lock = threading.Lock()


def get(interpreter: str) -> Zygote:
    """This process's spawner, started on first use (and again after a fork or a crash)."""
    global _zygote
    with _start_lock:
        z = _zygote
        if z is None or z.owner != os.getpid() or _dead(z.pid):
            z = _zygote = Zygote(interpreter)
        return z


def running() -> bool:
    """Whether this process already has a spawner."""
    z = _zygote
    return z is not None and z.owner == os.getpid()


def discard(z: Zygote) -> None:
    """Forget a spawner that failed, so the next run starts a new one."""
    global _zygote
    with _start_lock:
        if _zygote is z:
            _zygote = None
    z.sock.close()


def _dead(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def serve(fd: int) -> None:
    """The spawner's main loop (runs in the spawned interpreter)."""
    syscalls.close_all_but({fd})
    syscalls.prctl(syscalls.PR_SET_DUMPABLE, 0)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # an ignored SIGCHLD survives exec
    sock = socket.socket(fileno=fd)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    helpers: dict[int, int] = {}  # pidfd -> pid
    while True:
        for ready, _ in poller.poll():
            if ready == fd:
                if not _handle(sock, poller, helpers):
                    for pid in helpers.values():
                        _kill_session(pid)
                    sys.exit(0)
            else:
                _reap(helpers.pop(ready))
                poller.unregister(ready)
                os.close(ready)


def _handle(sock: socket.socket, poller: select.poll, helpers: dict[int, int]) -> bool:
    try:
        msg, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, _FDS)
    except OSError:  # the caller went away with a request unread (ECONNRESET): as EOF
        return False
    if not msg:
        return False
    try:
        req = pickle.loads(msg)
        if isinstance(req, standby.Request) and len(fds) == 1:
            pid = standby.fork(req.group, fds[0], from_caller=False)
        elif isinstance(req, spawn.SpawnPlan) and len(fds) == _FDS:
            out, err, rep = fds
            child = dataclasses.replace(req.child, stdout_fd=out, stderr_fd=err)
            pid = spawn.start(dataclasses.replace(req, child=child), rep, from_caller=False)
        else:
            raise OSError(f"unexpected request {type(req).__name__} with {len(fds)} descriptors")
        pidfd = os.pidfd_open(pid)
        helpers[pidfd] = pid
        poller.register(pidfd, select.POLLIN)
        socket.send_fds(sock, [struct.pack("=i", pid)], [pidfd])
    except Exception as exc:
        sock.send(f"{type(exc).__name__}: {exc}".encode()[:4000] or b"error")
    finally:
        for f in fds:
            os.close(f)
    return True


def _reap(pid: int) -> None:
    """Kill the exited helper's session while its zombie still holds the pid, then reap it."""
    with contextlib.suppress(ChildProcessError):
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        _kill_session(pid)
        os.waitpid(pid, 0)


def _kill_session(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
