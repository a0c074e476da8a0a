"""Escape cases: reaching host network services (IP, DNS, unix sockets), also via raw syscalls.

Host-side evidence: listeners opened by the test record every connection and datagram.
"""

from __future__ import annotations

import socket
import struct
import time

import pytest
from escape_listeners import (
    Listener,
    has_ipv6_loopback,
    host_address,
    inet_listener,
    unix_listener,
)
from escape_support import confined, new_marker, program, small_limits, started, unconfined

pytestmark = [pytest.mark.timeout(60)]

TCP = (
    "import socket\n"
    "try:\n"
    "    s = socket.create_connection(({host!r}, {port}), timeout=1)\n"
    "    s.sendall(b'escaped'); s.close(); print('CONNECTED')\n"
    "except OSError as e:\n    print('blocked', e)\n"
)
UDP = (
    "import socket\n"
    "try:\n"
    "    s = socket.socket({family}, socket.SOCK_DGRAM)\n"
    "    for _ in range(3):\n        s.sendto(b'escaped', ({host!r}, {port}))\n"
    "    print('SENT')\n"
    "except OSError as e:\n    print('blocked', e)\n"
)


def _dns_query(name: str) -> bytes:
    header = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return header + labels + struct.pack("!HH", 1, 1)


def check(listener: Listener, marker: str, body: str, **kwargs: object) -> None:
    """The run must not reach the listener; the same program unconfined must."""
    result, _ = confined(marker, body, **kwargs)  # type: ignore[arg-type]
    started(result, marker)
    time.sleep(0.2)
    assert not listener.reached, f"the run reached a host listener: {listener.received[:100]!r}"
    unconfined(program(marker, body))
    time.sleep(0.2)
    assert listener.reached, "control: the unconfined program did not reach the listener"


@pytest.mark.layer("network")
def test_tcp_to_a_loopback_listener() -> None:
    with inet_listener(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1") as (listener, port):
        check(listener, new_marker(), TCP.format(host="127.0.0.1", port=port))


@pytest.mark.layer("network")
def test_udp_to_a_loopback_listener() -> None:
    with inet_listener(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1") as (listener, port):
        body = UDP.format(family="socket.AF_INET", host="127.0.0.1", port=port)
        check(listener, new_marker(), body)


@pytest.mark.layer("network")
def test_ipv6_tcp_to_a_loopback_listener() -> None:
    if not has_ipv6_loopback():
        pytest.skip("this host has no IPv6 loopback")
    with inet_listener(socket.AF_INET6, socket.SOCK_STREAM, "::1") as (listener, port):
        check(listener, new_marker(), TCP.format(host="::1", port=port))


@pytest.mark.layer("network")
def test_tcp_to_the_host_external_address() -> None:
    addr = host_address()
    if addr is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    with inet_listener(socket.AF_INET, socket.SOCK_STREAM, addr) as (listener, port):
        check(listener, new_marker(), TCP.format(host=addr, port=port))


@pytest.mark.layer("network")
def test_dns_query_to_a_host_resolver() -> None:
    """A DNS question sent to a resolver the test runs; getaddrinfo must fail too."""
    marker = new_marker()
    query = _dns_query(f"{marker}.example.com")
    with inet_listener(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1") as (listener, port):
        body = (
            "import socket\n"
            "try:\n"
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"    s.sendto({query!r}, ('127.0.0.1', {port})); print('SENT')\n"
            "except OSError as e:\n    print('blocked', e)\n"
            "try:\n"
            "    print('RESOLVED', socket.getaddrinfo('example.com', 80))\n"
            "except OSError as e:\n    print('noresolve', e)\n"
        )
        result, _ = confined(marker, body)
        started(result, marker)
        time.sleep(0.2)
        assert not listener.reached, "a DNS query reached the host resolver"
        assert "RESOLVED" not in result.stdout, "the run resolved a public name"
        unconfined(program(marker, body), timeout=30)
        time.sleep(0.2)
        assert marker.encode() in listener.received


UNIX = (
    "import socket\n"
    "try:\n"
    "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(1)\n"
    "    s.connect({name!r}); s.sendall(b'escaped'); print('CONNECTED')\n"
    "except OSError as e:\n    print('blocked', e)\n"
)


@pytest.mark.layer("seccomp")
def test_pathname_unix_socket_to_a_host_listener() -> None:
    with unix_listener() as (listener, path):
        check(listener, new_marker(), UNIX.format(name=path))


@pytest.mark.layer("network")
def test_abstract_unix_socket_to_a_host_listener() -> None:
    with unix_listener(abstract=True) as (listener, name):
        check(listener, new_marker(), UNIX.format(name=name))


@pytest.mark.layer("network")
def test_loopback_mode_keeps_its_own_loopback_only() -> None:
    """network="loopback": the run can talk to itself, never to the host's loopback."""
    with inet_listener(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1") as (listener, port):
        body = (
            "import socket\n"
            "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n"
            "c = socket.create_connection(srv.getsockname(), timeout=1); c.sendall(b'hi')\n"
            "conn, _ = srv.accept(); print('SELF', conn.recv(2))\n"
        ) + TCP.format(host="127.0.0.1", port=port)
        marker = new_marker()
        result, _ = confined(marker, body, limits=small_limits(network="loopback"))
        started(result, marker)
        assert "SELF b'hi'" in result.stdout, f"loopback mode has no loopback: {result.stderr}"
        time.sleep(0.2)
        assert not listener.reached, "loopback mode reached the host's loopback"


RAW_SOCKET = (
    "import ctypes, socket, struct\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.syscall.restype = ctypes.c_long\n"
    "fd = libc.syscall(41, 2, 1, 0)\n"  # SYS_socket(AF_INET, SOCK_STREAM, 0)
    "print('socket', fd, ctypes.get_errno())\n"
    "if fd >= 0:\n"
    "    addr = struct.pack('=H', 2) + struct.pack('!H', {port}) + socket.inet_aton('127.0.0.1') + bytes(8)\n"
    "    buf = ctypes.create_string_buffer(addr, 16)\n"
    "    rc = libc.syscall(42, fd, buf, 16)\n"  # SYS_connect
    "    print('connect', rc, ctypes.get_errno())\n"
    "    if rc == 0:\n        libc.syscall(1, fd, b'escaped', 7)\n"  # SYS_write
)


@pytest.mark.layer("network", "seccomp")
def test_raw_socket_syscall_via_ctypes() -> None:
    with inet_listener(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1") as (listener, port):
        check(listener, new_marker(), RAW_SOCKET.format(port=port))
