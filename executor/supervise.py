"""Parent side of a run: pump capped stdout/stderr, read reports, enforce the wall clock.

Output beyond a stream's cap is spliced straight into /dev/null, so a multi-gigabyte flood
costs neither memory nor a blocked child. The loop ends when the helper process exits
(observed through a pidfd) or, on timeout, after the caller's kill callback has run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from airlock.executor import launch, report

CHUNK = 1 << 16
F_SETPIPE_SZ = 1031
KILL_GRACE_S = 5.0


@dataclass
class Stream:
    """One captured stream: the bytes kept (at most ``cap``) and whether any were dropped."""

    fd: int
    cap: int
    data: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    open: bool = True
    live: Callable[[bytes], object] | None = None  # called with each kept chunk as it comes
    live_error: str | None = None  # why ``live`` was dropped (it raised)
    keep: bool = True  # False: only ``live`` sees the bytes (a session; b"" tells it EOF)
    size: int = 0  # bytes passed on so far (kept or not), counted against ``cap``


@dataclass
class Outcome:
    """What the parent observed."""

    status: int | None = None  # the helper's wait status
    rusage: resource.struct_rusage | None = None
    reports: report.Reports = field(default_factory=report.Reports)
    timed_out: bool = False
    stopped: bool = False  # the caller's stop switch ended the run (a session closed)
    survivors: bool = False
    init_pidfd: int | None = None  # PID-namespace init: its exit means the namespace is empty
    wall_s: float = 0.0
    exited_at: float = 0.0


def widen(fd: int) -> None:
    """Ask for a 1 MiB pipe buffer (fewer wake-ups under floods); best effort."""
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)


def _pump(stream: Stream, devnull: int) -> bool:
    """Move what the pipe holds: keep up to the cap, splice the rest away; False on EAGAIN."""
    try:
        if stream.size < stream.cap:
            chunk = os.read(stream.fd, min(CHUNK, stream.cap - stream.size))
            stream.size += len(chunk)
            if stream.keep:
                stream.data += chunk
            moved = len(chunk)
            if chunk and stream.live is not None:
                _tell(stream, chunk)
        else:
            moved = os.splice(stream.fd, devnull, 1 << 20)
            stream.truncated = stream.truncated or moved > 0
    except BlockingIOError:
        return False
    if not moved:
        stream.open = False
        if stream.live is not None and not stream.keep:
            _tell(stream, b"")
    return True


def _tell(stream: Stream, chunk: bytes) -> None:
    """Hand a chunk to the caller's callback; one that raises is dropped, never the run."""
    try:
        stream.live(chunk)  # type: ignore[misc]
    except Exception as exc:
        stream.live, stream.live_error = None, f"{type(exc).__name__}: {exc}"


def supervise(
    helper: int,
    pidfd: int,
    reap: bool,
    streams: list[Stream],
    report_fd: int,
    timeout_s: float,
    kill: Callable[[int | None, bool], bool],
    started: float,
    on_egress: Callable[[int], object] | None = None,
    stop_fd: int | None = None,
) -> Outcome:
    """Run the loop until the helper exits; returns the helper's status and the reports.

    ``kill(init_pid, timed_out)`` is called on timeout, and again once the helper has exited
    but before it is reaped (so its pid, the session id, cannot have been reused). With
    ``reap`` the helper is our child and is reaped here; otherwise the spawner reaps it.
    ``on_egress`` is called with the egress listener's descriptor as soon as it arrives
    (the caller still closes ``reports.egress_fd``). The caller owns ``pidfd``. ``stop_fd`` turning readable ends the run as a timeout
    would (``stopped`` instead of ``timed_out``).
    """
    out = Outcome()
    decoder = report.Decoder()
    devnull = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    poller = select.poll()
    by_fd = {s.fd: s for s in streams}
    for fd in [*by_fd, report_fd]:
        os.set_blocking(fd, False)
    for fd in [*by_fd, report_fd, pidfd, *([] if stop_fd is None else [stop_fd])]:
        poller.register(fd, select.POLLIN)
    deadline = started + timeout_s
    hard_stop: float | None = None
    killed_init = False
    helper_done = False
    try:
        while not helper_done:
            now = time.monotonic()
            if hard_stop is None and now >= deadline:
                out.timed_out = True
                killed_init = out.reports.init_pid is not None
                kill(out.reports.init_pid, True)
                hard_stop = now + KILL_GRACE_S
            if hard_stop is not None and now >= hard_stop:
                break
            wait = (hard_stop or deadline) - now
            for fd, _ in poller.poll(max(0, int(wait * 1000) + 1)):
                if fd == pidfd:
                    helper_done = True
                elif fd == stop_fd:
                    poller.unregister(fd)
                    if hard_stop is None:
                        out.stopped = True
                        killed_init = out.reports.init_pid is not None
                        kill(out.reports.init_pid, True)
                        hard_stop = time.monotonic() + KILL_GRACE_S
                elif fd == report_fd:
                    _read_report(report_fd, decoder, out, poller)
                    _watch_init(helper, out)
                    if on_egress is not None and out.reports.egress_fd is not None:
                        on_egress(out.reports.egress_fd)
                        on_egress = None
                    if hard_stop is not None and not killed_init and out.reports.init_pid:
                        killed_init = True  # killed before init was known: kill it too
                        kill(out.reports.init_pid, True)
                else:
                    _pump(by_fd[fd], devnull)
                    if not by_fd[fd].open:
                        poller.unregister(fd)
        _watch_init(helper, out)
        if out.init_pidfd is not None:  # the helper can die first (killed): wait for init
            _wait_readable(out.init_pidfd, KILL_GRACE_S)
        out.exited_at = time.monotonic()
        out.survivors = not kill(out.reports.init_pid, False)
        if not reap:
            out.status = 0 if helper_done else None
        else:
            try:
                pid, status, out.rusage = os.wait4(helper, 0 if helper_done else os.WNOHANG)
                out.status = status if pid == helper else None
            except ChildProcessError:  # the caller ignores SIGCHLD: the kernel reaped it
                out.status = 0
        out.wall_s = time.monotonic() - started
        _read_report(report_fd, decoder, out, None)
        out.reports.add(decoder.close())
    finally:
        if out.init_pidfd is not None:
            os.close(out.init_pidfd)
        drain(streams, devnull)
        os.close(devnull)
    return out


def _watch_init(helper: int, out: Outcome) -> None:
    if out.init_pidfd is None and out.reports.init_pid is not None:
        out.init_pidfd = launch.child_pidfd(helper, out.reports.init_pid)


def _wait_readable(fd: int, budget_s: float) -> None:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.poll(int(budget_s * 1000))


def drain(streams: list[Stream], devnull: int, budget_s: float = 1.0) -> None:
    """Read what is left in the pipes once every writer is dead (bounded in time)."""
    end = time.monotonic() + budget_s
    for s in streams:
        while s.open and time.monotonic() < end and _pump(s, devnull):
            pass


def _read_report(
    fd: int, decoder: report.Decoder, out: Outcome, poller: select.poll | None
) -> None:
    channel = socket.socket(fileno=fd)
    channel.setblocking(False)
    try:
        while True:
            try:
                chunk, fds = report.receive(channel)
            except BlockingIOError:
                break
            if not chunk and not fds:
                if poller is not None:
                    with contextlib.suppress(KeyError):
                        poller.unregister(fd)
                break
            out.reports.add(decoder.feed(chunk), fds)
    finally:
        channel.detach()
