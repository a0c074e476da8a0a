"""The report pipe: what a run's helper, init and program processes tell the supervisor.

This module is the only one that knows the wire format; writers build a message and
``send`` it, the supervisor feeds whatever bytes arrive to a ``Decoder``. One message per
line, at most ``PIPE_BUF`` bytes (so writes from several processes never interleave)::

    I <pid>                        init's host pid
    S <status> <cpu s> <maxrss>    the program's raw wait status, CPU seconds, peak RSS KiB
    T <step>=<ns> ...              what confinement steps cost
    E <layer> <message>            a setup failure (message backslash-escaped, ASCII)
    W                              the rootless workdir's descriptor rides along (SCM_RIGHTS)
    N                              the egress listener's descriptor rides along (SCM_RIGHTS)

The channel is a SOCK_SEQPACKET socket (a pipe works for everything but ``W`` and ``N``).
Whatever it carries is decoded without raising: a line that is not one of these messages
becomes ``Malformed`` with the reason, and ``Reports`` keeps it apart; a descriptor that
comes with anything but one ``W`` or one ``N`` is closed unused.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import socket
from dataclasses import dataclass, field

PIPE_BUF = 4096  # POSIX: a write of at most this many bytes to a pipe is atomic
MAX_PENDING = 1 << 16  # a longer unterminated line is dropped as malformed
_NAME = re.compile(rb"[a-z_][a-z0-9_]{0,63}\Z")


@dataclass(frozen=True)
class InitPid:
    """init's pid as the host sees it."""

    pid: int


@dataclass(frozen=True)
class Status:
    """The program's wait status and resource use, as init's ``wait4`` saw them."""

    wait_status: int
    cpu_s: float
    maxrss_kib: int


@dataclass(frozen=True)
class Timings:
    """Nanoseconds per confinement step."""

    steps: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SetupError:
    """A layer could not be set up; the code did not run."""

    layer: str
    message: str


@dataclass(frozen=True)
class WorkdirFd:
    """The descriptor sent with this message is the rootless workdir (inner_workdir.py)."""


@dataclass(frozen=True)
class EgressListenerFd:
    """The descriptor sent with this message is a TCP socket listening on 127.0.0.1 in the
    run's network namespace: the egress proxy serves on it (runner.py)."""


@dataclass(frozen=True)
class Malformed:
    """A line that is not a valid message (kept for diagnosis, never acted upon)."""

    raw: bytes
    why: str


Message = InitPid | Status | Timings | SetupError | WorkdirFd | EgressListenerFd | Malformed


def _check_name(name: str) -> bytes:
    raw = name.encode("ascii", "replace")
    if not _NAME.match(raw):
        raise ValueError(f"not a report name: {name!r}")
    return raw


def _escape(message: str, budget: int) -> bytes:
    """``message`` as printable ASCII (exactly reversible), cut to ``budget`` bytes."""
    out = message.encode("unicode_escape")
    if len(out) <= budget:
        return out
    parts, used = [], 0
    for ch in message:
        piece = ch.encode("unicode_escape")
        if used + len(piece) > budget:
            break
        parts.append(piece)
        used += len(piece)
    return b"".join(parts)


def encode(msg: Message) -> bytes:
    """One line (newline included, at most PIPE_BUF bytes); ValueError for an invalid message."""
    if isinstance(msg, InitPid):
        if msg.pid <= 0:
            raise ValueError(f"invalid pid {msg.pid}")
        line = b"I %d" % msg.pid
    elif isinstance(msg, Status):
        if not (0 <= msg.wait_status <= 0xFFFF and msg.maxrss_kib >= 0):
            raise ValueError(f"invalid status {msg}")
        if not (math.isfinite(msg.cpu_s) and msg.cpu_s >= 0):
            raise ValueError(f"invalid CPU time {msg.cpu_s}")
        line = b"S %d %s %d" % (msg.wait_status, repr(float(msg.cpu_s)).encode(), msg.maxrss_kib)
    elif isinstance(msg, Timings):
        items = []
        for name, ns in msg.steps:
            if ns < 0:
                raise ValueError(f"negative timing {name}={ns}")
            items.append(_check_name(name) + b"=%d" % ns)
        line = b" ".join([b"T", *items])
        if len(line) >= PIPE_BUF:
            raise ValueError("too many timings for one report line")
    elif isinstance(msg, SetupError):
        head = b"E " + _check_name(msg.layer) + b" "
        line = head + _escape(msg.message, PIPE_BUF - 1 - len(head))
    elif isinstance(msg, WorkdirFd):
        line = b"W"
    elif isinstance(msg, EgressListenerFd):
        line = b"N"
    else:
        raise ValueError(f"cannot encode {type(msg).__name__}")
    return line + b"\n"


def send(fd: int, msg: Message, fds: tuple[int, ...] = ()) -> None:
    """Write one message, with ``fds`` attached (best effort: a supervisor that went away
    is not an error here)."""
    data = encode(msg)
    with contextlib.suppress(OSError):
        if not fds:
            os.write(fd, data)
            return
        sock = socket.socket(fileno=fd)
        try:
            socket.send_fds(sock, [data], list(fds))
        finally:
            sock.detach()


def receive(sock: socket.socket) -> tuple[bytes, list[int]]:
    """One read from the channel: (bytes, descriptors); (b"", []) at end of file. Raises
    BlockingIOError when nothing is waiting."""
    data, fds, _, _ = socket.recv_fds(sock, PIPE_BUF, 4)
    return data, fds


def _int(text: bytes) -> int:
    if not text.isdigit() or len(text) > 20:
        raise ValueError(f"not a number: {text[:24]!r}")
    return int(text)


def _decode(line: bytes) -> Message:
    kind, _, rest = line.partition(b" ")
    if kind == b"I":
        pid = _int(rest)
        if pid <= 0 or pid > 1 << 22:
            raise ValueError(f"pid out of range: {pid}")
        return InitPid(pid)
    if kind == b"S":
        parts = rest.split(b" ")
        if len(parts) != 3:
            raise ValueError("a status needs three fields")
        status, maxrss = _int(parts[0]), _int(parts[2])
        if not re.fullmatch(rb"[0-9]{1,12}(\.[0-9]{1,20})?(e[-+]?[0-9]{1,3})?", parts[1]):
            raise ValueError(f"not a CPU time: {parts[1][:24]!r}")
        cpu = float(parts[1])
        if status > 0xFFFF or not math.isfinite(cpu):
            raise ValueError("status or CPU time out of range")
        return Status(status, cpu, maxrss)
    if kind == b"T":
        steps = []
        for item in rest.split(b" ") if rest else []:
            name, sep, ns = item.partition(b"=")
            if not sep or not _NAME.match(name):
                raise ValueError(f"not a timing: {item[:40]!r}")
            steps.append((name.decode("ascii"), _int(ns)))
        return Timings(tuple(steps))
    if kind == b"W" and not rest:
        return WorkdirFd()
    if kind == b"N" and not rest:
        return EgressListenerFd()
    if kind == b"E":
        layer, sep, text = rest.partition(b" ")
        if not sep or not _NAME.match(layer) or not text.isascii():
            raise ValueError("an error needs a layer name and an ASCII message")
        return SetupError(layer.decode("ascii"), text.decode("unicode_escape"))
    raise ValueError(f"unknown report kind {kind[:8]!r}")


def decode_line(line: bytes) -> Message:
    """One line (without its newline) as a message; anything invalid is ``Malformed``."""
    try:
        return _decode(line)
    except (ValueError, UnicodeDecodeError) as exc:
        return Malformed(bytes(line[:256]), str(exc)[:200])


class Decoder:
    """Turns the pipe's bytes, in whatever chunks they arrive, into messages."""

    def __init__(self) -> None:
        self._pending = b""
        self._overflow = False

    def feed(self, data: bytes) -> list[Message]:
        """Messages completed by ``data``."""
        *lines, rest = (self._pending + data).split(b"\n")
        out: list[Message] = []
        for line in lines:
            if self._overflow:
                out.append(Malformed(line[:256], "line longer than the report limit"))
                self._overflow = False
            else:
                out.append(decode_line(line))
        if len(rest) > MAX_PENDING:
            rest, self._overflow = b"", True
        self._pending = rest
        return out

    def close(self) -> list[Message]:
        """What is left when the pipe closed: an unterminated line is malformed."""
        rest, self._pending = self._pending, b""
        if self._overflow or rest:
            self._overflow = False
            return [Malformed(rest[:256], "unterminated report line")]
        return []


@dataclass
class Reports:
    """Everything a run's processes reported, by kind."""

    init_pid: int | None = None
    status: Status | None = None
    timings: dict[str, int] = field(default_factory=dict)
    errors: list[SetupError] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    workdir_fd: int | None = None  # the caller closes it
    egress_fd: int | None = None  # the caller closes it

    def add(self, messages: list[Message], fds: list[int] | None = None) -> None:
        """Take in decoded messages (the first init pid and the last status count) and the
        descriptors that came with them: one ``W`` with one descriptor gives the workdir,
        one ``N`` with one descriptor the egress listener (the first of each only)."""
        fds = list(fds or ())
        if len(fds) == 1 and messages == [WorkdirFd()] and self.workdir_fd is None:
            self.workdir_fd = fds.pop()
        elif len(fds) == 1 and messages == [EgressListenerFd()] and self.egress_fd is None:
            self.egress_fd = fds.pop()
        for fd in fds:
            os.close(fd)
        for msg in messages:
            if isinstance(msg, InitPid):
                if self.init_pid is None:
                    self.init_pid = msg.pid
            elif isinstance(msg, Status):
                self.status = msg
            elif isinstance(msg, Timings):
                self.timings.update(msg.steps)
            elif isinstance(msg, SetupError):
                self.errors.append(msg)
            elif isinstance(msg, WorkdirFd | EgressListenerFd):
                pass
            else:
                self.malformed.append(msg)
