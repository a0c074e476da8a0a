"""Host listeners that record every connection or datagram an adversarial program manages to send."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import tempfile
import threading
from collections.abc import Iterator


class Listener:
    """A host socket (TCP, UDP or unix) served by a thread that records what arrives."""

    def __init__(self, sock: socket.socket, *, stream: bool) -> None:
        self.sock = sock
        self.stream = stream
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if not ready:
                continue
            if not self.stream:
                with contextlib.suppress(OSError):
                    self.received += self.sock.recv(65536)
                    self.connections += 1
                continue
            with contextlib.suppress(OSError):
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.settimeout(0.5)
                with conn, contextlib.suppress(OSError):
                    self.received += conn.recv(65536)

    @property
    def reached(self) -> bool:
        return self.connections > 0 or bool(self.received)

    def reset(self) -> None:
        self.connections = 0
        self.received = b""

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@contextlib.contextmanager
def inet_listener(
    family: socket.AddressFamily, kind: socket.SocketKind, host: str
) -> Iterator[tuple[Listener, int]]:
    """A listener on ``host`` at a free port; yields it and the port."""
    sock = socket.socket(family, kind)
    sock.bind((host, 0))
    if kind == socket.SOCK_STREAM:
        sock.listen(16)
    listener = Listener(sock, stream=kind == socket.SOCK_STREAM)
    try:
        yield listener, sock.getsockname()[1]
    finally:
        listener.close()


@contextlib.contextmanager
def unix_listener(abstract: bool = False) -> Iterator[tuple[Listener, str]]:
    """A pathname (world-connectable) or abstract unix stream listener; yields it and its name."""
    tmp = tempfile.mkdtemp(prefix="airlock-unix-")
    os.chmod(tmp, 0o755)
    name = "\0airlock-" + os.path.basename(tmp) if abstract else os.path.join(tmp, "host.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(name)
    if not abstract:
        os.chmod(name, 0o777)
    sock.listen(16)
    listener = Listener(sock, stream=True)
    try:
        yield listener, name
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(tmp, "host.sock"))
        os.rmdir(tmp)


def host_address() -> str | None:
    """A non-loopback IPv4 address of this machine, if it has one."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        addr = s.getsockname()[0]
        if not addr.startswith("127."):
            return addr
    return None


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
