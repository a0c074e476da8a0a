"""The egress proxy against real loopback servers: allowed requests pass and are
recorded with their bytes, everything else is refused with the reason and recorded
too. Each refusal has a control showing the same request passes when it is listed."""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loopback_servers import echo_server, hello_server

from airlock.executor.egress import (
    Allow,
    EgressConfigError,
    EgressProxy,
    is_public,
    parse_allow,
)


@pytest.fixture
def web() -> Iterator[int]:
    """An HTTP server on the host's loopback (the sandbox's own loopback is another one)."""
    with hello_server() as port:
        yield port


@pytest.fixture
def echo() -> Iterator[int]:
    """A TCP echo server on the host's loopback."""
    with echo_server() as port:
        yield port


def _get(proxy: tuple[str, int], url: str) -> tuple[int, str]:
    handler = urllib.request.ProxyHandler({"http": f"http://{proxy[0]}:{proxy[1]}"})
    opener = urllib.request.build_opener(handler)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            return exc.code, exc.read().decode()


def _connect(proxy: tuple[str, int], target: str, payload: bytes = b"ping") -> tuple[str, bytes]:
    with socket.create_connection(proxy, timeout=10) as sock:
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                break
            head += chunk
        status = head.split(b"\r\n", 1)[0].decode()
        if " 200 " not in status:
            return status, sock.recv(4096)
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        back = b""
        while chunk := sock.recv(4096):
            back += chunk
        return status, back


def test_an_allowed_http_request_passes_and_is_recorded_with_its_bytes(web: int) -> None:
    with EgressProxy(parse_allow(f"allow:127.0.0.1:{web}")) as proxy:
        status, body = _get(proxy.serve_tcp(), f"http://127.0.0.1:{web}/data?x=1")
        assert status == 200 and body == f"hello /data?x=1 via 127.0.0.1:{web}"
    (attempt,) = proxy.attempts  # an allowed attempt is complete once its tunnel closed
    assert attempt.allowed and attempt.address == "127.0.0.1" and attempt.method == "GET"
    assert attempt.bytes_out > 0 and attempt.bytes_in > len(body) and attempt.reason is None


def test_a_host_or_port_off_the_list_is_refused_and_recorded(web: int) -> None:
    with EgressProxy(parse_allow(f"allow:127.0.0.1:{web + 1 if web < 65535 else 1}")) as proxy:
        status, body = _get(proxy.serve_tcp(), f"http://127.0.0.1:{web}/")
        (attempt,) = proxy.attempts
    assert status == 403 and "not on the allow-list" in body
    assert not attempt.allowed and attempt.reason == "not on the allow-list"
    assert attempt.bytes_in == attempt.bytes_out == 0 and attempt.address is None


def test_connect_tunnels_to_a_listed_port_and_refuses_others(echo: int) -> None:
    with EgressProxy([Allow("127.0.0.1", echo)]) as proxy:
        address = proxy.serve_tcp()
        status, back = _connect(address, f"127.0.0.1:{echo}", b"secret-free payload")
        assert " 200 " in status and back == b"SECRET-FREE PAYLOAD"
        status, body = _connect(address, f"127.0.0.1:{echo + 1}")
        assert " 403 " in status and b"not on the allow-list" in body
    # recorded as each one ends: the tunnel may finish after the refusal is recorded
    by_port = {a.port: a for a in proxy.attempts}
    tunnel, refused = by_port[echo], by_port[echo + 1]
    assert tunnel.allowed and tunnel.bytes_out == 19 and tunnel.bytes_in == 19
    assert not refused.allowed and refused.port == echo + 1


def test_a_listed_name_that_resolves_to_a_private_address_is_refused(web: int) -> None:
    """DNS must not point an approved name at the host's own services."""
    with EgressProxy(parse_allow(f"localhost:{web}")) as proxy:
        status, body = _get(proxy.serve_tcp(), f"http://localhost:{web}/")
        (attempt,) = proxy.attempts
    assert status == 403 and "non-public address" in body and not attempt.allowed
    with EgressProxy(parse_allow(f"localhost:{web}"), allow_private=True) as proxy:  # control
        status, _ = _get(proxy.serve_tcp(), f"http://localhost:{web}/")
    assert status == 200


def test_the_proxy_serves_on_a_unix_socket(web: int, tmp_path: Path) -> None:
    path = str(tmp_path / "egress.sock")
    with EgressProxy(parse_allow(f"127.0.0.1:{web}")) as proxy:
        proxy.serve_unix(path)
        assert (Path(path).stat().st_mode & 0o777) == 0o600
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(path)
            sock.sendall(f"GET http://127.0.0.1:{web}/u HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
    # the upstream sees the listed authority, never the Host the sandbox wrote
    assert reply.startswith(b"HTTP/1.0 200") and reply.endswith(
        f"hello /u via 127.0.0.1:{web}".encode()
    )
    assert not Path(path).exists()


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /relative HTTP/1.1\r\nHost: x\r\n\r\n",  # origin form: not a proxy request
        b"GET https://127.0.0.1/ HTTP/1.1\r\n\r\n",  # https must use CONNECT
        b"CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n",  # CONNECT without a port
        b"CONNECT user@127.0.0.1:80 HTTP/1.1\r\n\r\n",
        b"BREW http://127.0.0.1/ HTCPCP/1.0\r\n\r\n",
        b"\x00\xff garbage\r\n\r\n",
        b"GET http://127.0.0.1/ HTTP/1.1\r\n folded: header\r\n\r\n",
        b"GET http://127.0.0.1/ HTTP/1.1\r\nX: a\nGET http://evil/ HTTP/1.1\r\n\r\n",  # bare LF
        b"POST http://127.0.0.1/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
)
def test_malformed_requests_get_400_and_the_proxy_keeps_serving(
    web: int, request_bytes: bytes
) -> None:
    with EgressProxy(parse_allow(f"127.0.0.1:{web}")) as proxy:
        address = proxy.serve_tcp()
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(request_bytes)
            assert sock.recv(4096).startswith(b"HTTP/1.1 400")
        assert _get(address, f"http://127.0.0.1:{web}/")[0] == 200  # control


def test_an_oversized_request_head_is_refused(web: int) -> None:
    with EgressProxy(parse_allow(f"127.0.0.1:{web}")) as proxy:
        address = proxy.serve_tcp()
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(b"GET http://127.0.0.1/ HTTP/1.1\r\nX: " + b"a" * 20_000)
            assert sock.recv(4096).startswith(b"HTTP/1.1 431")


def test_the_proxy_listens_on_loopback_only() -> None:
    with EgressProxy([]) as proxy, pytest.raises(EgressConfigError, match="loopback only"):
        proxy.serve_tcp("0.0.0.0")


def test_allow_list_parsing() -> None:
    assert parse_allow("allow:API.Example.com:443, pypi.org,[::1]:8080,10.0.0.1") == (
        Allow("api.example.com", 443),
        Allow("pypi.org"),
        Allow("::1", 8080),
        Allow("10.0.0.1"),
    )
    rule = Allow("*.example.com")
    assert rule.matches("a.b.EXAMPLE.com", 443) and not rule.matches("example.com", 443)
    assert not rule.matches("evil-example.com", 443) and not rule.matches("a.example.com", 22)
    assert Allow("pypi.org").matches("pypi.org.", 80)
    for bad in (
        "",
        "allow:",
        "a,,b",
        "host:0",
        "host:99999",
        "host:x",
        "[::1",
        "bad host",
        "a_b.com",
    ):
        with pytest.raises(EgressConfigError):
            parse_allow(bad)


def test_public_addresses() -> None:
    assert is_public("93.184.216.34") and is_public("2606:4700::1111")
    for private in (
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ):
        assert not is_public(private), private


@given(st.text(max_size=120))
def test_parsing_any_text_yields_rules_or_a_config_error(spec: str) -> None:
    try:
        rules = parse_allow(spec)
    except EgressConfigError:
        return
    for rule in rules:
        assert rule.host and (rule.port is None or 0 < rule.port < 65536)
        assert parse_allow(",".join(str(r) for r in rules)) == rules


def test_a_sandbox_host_header_never_reaches_upstream(web: int) -> None:
    """Domain fronting: the upstream must see the allowed authority only."""
    with EgressProxy(parse_allow(f"127.0.0.1:{web}")) as proxy:
        address = proxy.serve_tcp()
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(
                f"GET http://127.0.0.1:{web}/h HTTP/1.1\r\nHost: internal.example\r\n"
                "Connection: X-Secret\r\nX-Secret: 1\r\n\r\n".encode()
            )
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
    assert reply.endswith(f"hello /h via 127.0.0.1:{web}".encode()), reply


def test_a_name_with_any_private_address_is_refused_and_public_ones_pass(echo: int) -> None:
    """A resolver answering a public and a private address (rebinding) is refused whole."""
    mixed = EgressProxy(
        parse_allow(f"api.example.com:{echo}"),
        resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"],
    )
    with mixed as proxy:
        status, body = _connect(proxy.serve_tcp(), f"api.example.com:{echo}")
    assert " 403 " in status and b"non-public address (127.0.0.1)" in body
    control = EgressProxy(  # the same name, its private answer allowed: the tunnel works
        parse_allow(f"api.example.com:{echo}"),
        resolver=lambda host, port: ["127.0.0.1"],
        allow_private=True,
    )
    with control as proxy:
        status, back = _connect(proxy.serve_tcp(), f"api.example.com:{echo}", b"ok")
    assert " 200 " in status and back == b"OK"


def test_close_ends_a_stalled_client_at_once_and_records_malformed_attempts(web: int) -> None:
    proxy = EgressProxy(parse_allow(f"127.0.0.1:{web}"))
    address = proxy.serve_tcp()
    stalled = socket.create_connection(address, timeout=10)
    stalled.sendall(b"GET http://127.0.0.1/ HTTP/1.1\r\n")  # never finishes its head
    time.sleep(0.3)
    start = time.monotonic()
    proxy.close()
    assert time.monotonic() - start < 2.0
    data = stalled.recv(4096)  # the proxy hung up: end of stream, or at most its refusal
    assert data == b"" or data.startswith(b"HTTP/1.1 400"), data
    stalled.close()
    (attempt,) = proxy.attempts
    assert not attempt.allowed and attempt.reason == "malformed request"


def test_attempts_beyond_the_kept_number_are_counted_not_kept(web: int) -> None:
    with EgressProxy(parse_allow(f"127.0.0.1:{web}"), max_kept=2) as proxy:
        address = proxy.serve_tcp()
        for i in range(4):
            assert _get(address, f"http://127.0.0.2:{web}/{i}")[0] == 403
    assert proxy.total == 4 and len(proxy.attempts) == 2


def test_serving_on_a_handed_over_listener_and_closing_at_once(web: int) -> None:
    """How a run uses the proxy: on a listener made elsewhere; close() does not wait for
    the accept loop's poll, and a socket that is not listening is refused."""
    with socket.socket() as idle, pytest.raises(EgressConfigError, match="listening stream"):
        EgressProxy([]).serve_socket(idle)
    listener = socket.create_server(("127.0.0.1", 0))
    proxy = EgressProxy(parse_allow(f"127.0.0.1:{web}"))
    proxy.serve_socket(listener)
    assert _get(listener.getsockname()[:2], f"http://127.0.0.1:{web}/h")[0] == 200
    started = time.monotonic()
    proxy.close()
    assert time.monotonic() - started < 0.1 and len(proxy.attempts) == 1
