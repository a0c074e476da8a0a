"""Runs with an egress allow-list, against loopback servers on the host: a listed host is
reachable through the proxy (urllib, requests, a CONNECT tunnel) and recorded with its
bytes; anything else is refused and recorded as denied, with the reason; no raw route and
no DNS inside. Each refusal has a control showing the same thing works where it should.
The record comes from the host-side proxy: what the program prints or sends cannot add to
it or change it."""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from executor_support import need
from loopback_servers import Hello, echo_server, hello_server

from airlock.executor import Limits, SandboxPolicy, run
from airlock.executor.egress_run import PORT
from airlock.executor.models import AllowList, ExecutionResult

pytestmark = need("network", "filesystem", "tree_kill")


@pytest.fixture(scope="module")
def web() -> Iterator[int]:
    """An HTTP server on the host's loopback (the sandbox's own loopback is another one)."""
    with hello_server() as port:
        yield port


@pytest.fixture(scope="module")
def echo() -> Iterator[int]:
    """A TCP echo server on the host's loopback."""
    with echo_server() as port:
        yield port


def _run(code: str, network: str, **kw: object) -> ExecutionResult:
    result = run(code, limits=Limits(network=network, timeout_s=30), **kw)  # type: ignore[arg-type]
    assert result.refused is None and result.killed_reason is None, result
    return result


def _lines(result: ExecutionResult) -> dict[str, str]:
    """``key: value`` lines the program printed."""
    assert result.exit_code == 0, result.stderr
    return dict(line.split(": ", 1) for line in result.stdout.splitlines())


URLLIB = """
import sys, urllib.request, urllib.error
for url in sys.argv[1:] or URLS:
    try:
        print(url + ": " + urllib.request.urlopen(url, timeout=20).read().decode())
    except urllib.error.HTTPError as exc:
        print(url + ": " + str(exc.code) + " " + exc.read().decode().strip())
    except OSError as exc:
        print(url + ": error " + str(exc))
"""


def test_a_listed_host_is_reachable_and_an_unlisted_one_is_denied_and_recorded(web: int) -> None:
    listed, unlisted = f"http://127.0.0.1:{web}/data", f"http://127.0.0.2:{web}/data"
    code = f"URLS = [{listed!r}, {unlisted!r}]\n" + URLLIB
    result = _run(code, f"allow:127.0.0.1:{web}")
    seen = _lines(result)
    assert seen[listed] == f"hello /data via 127.0.0.1:{web}"
    assert seen[unlisted].startswith("403 ") and "not on the allow-list" in seen[unlisted]
    assert result.egress_count == 2
    by_host = {a.host: a for a in result.egress}
    ok, no = by_host["127.0.0.1"], by_host["127.0.0.2"]
    assert ok.allowed and ok.port == web and ok.method == "GET" and ok.address == "127.0.0.1"
    assert ok.bytes_out > 0 and ok.bytes_in > len(seen[listed]) and ok.reason is None
    assert not no.allowed and no.reason == "not on the allow-list" and no.port == web
    assert no.bytes_in == no.bytes_out == 0 and no.address is None


def test_requests_goes_through_the_proxy_from_the_environment(web: int) -> None:
    pytest.importorskip("requests")
    code = f"import requests\nprint('got: ' + requests.get('http://127.0.0.1:{web}/r').text)"
    result = _run(code, f"allow:127.0.0.1:{web}")
    assert _lines(result)["got"] == f"hello /r via 127.0.0.1:{web}"
    (attempt,) = result.egress
    assert attempt.allowed and attempt.bytes_in > 0


def test_a_connect_tunnel_carries_bytes_both_ways_and_counts_them(echo: int) -> None:
    code = f"""
import os, socket, urllib.parse
proxy = urllib.parse.urlsplit(os.environ["HTTPS_PROXY"])
with socket.create_connection((proxy.hostname, proxy.port), timeout=20) as s:
    s.sendall(b"CONNECT 127.0.0.1:{echo} HTTP/1.1\\r\\n\\r\\n")
    head = b""
    while b"\\r\\n\\r\\n" not in head:
        head += s.recv(1)
    s.sendall(b"tunnelled payload")
    s.shutdown(socket.SHUT_WR)
    back = b""
    while chunk := s.recv(4096):
        back += chunk
print("status: " + head.split(b"\\r\\n")[0].decode())
print("back: " + back.decode())
"""
    seen = _lines(result := _run(code, f"allow:127.0.0.1:{echo}"))
    assert " 200 " in seen["status"] and seen["back"] == "TUNNELLED PAYLOAD"
    (attempt,) = result.egress
    assert attempt.method == "CONNECT" and attempt.allowed
    assert attempt.bytes_out == attempt.bytes_in == len("tunnelled payload")


@pytest.fixture(scope="module")
def tls_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, bytes]]:
    """An HTTPS server on the host's loopback with a fresh self-signed certificate for
    127.0.0.1: (port, the certificate in PEM)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    where = tmp_path_factory.mktemp("tls")
    key, cert = where / "key.pem", where / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], Path(cert).read_bytes()
    server.shutdown()
    server.server_close()


def test_https_with_requests_goes_through_a_connect_tunnel(tls_web: tuple[int, bytes]) -> None:
    """Real TLS, verified against the server's certificate, end to end through the proxy
    (which sees only the CONNECT line and ciphertext); control: the same run without the
    port on the list is refused."""
    pytest.importorskip("requests")
    port, cert = tls_web
    code = (
        "import requests\n"
        "try:\n"
        f"    r = requests.get('https://127.0.0.1:{port}/tls', verify='ca.pem', timeout=20)\n"
        "    print('got: ' + r.text)\n"
        "except requests.exceptions.ProxyError as exc:\n"
        "    print('got: refused ' + type(exc).__name__)\n"
    )
    result = _run(code, f"allow:127.0.0.1:{port}", files={"ca.pem": cert})
    assert _lines(result)["got"] == f"hello /tls via 127.0.0.1:{port}"
    (attempt,) = result.egress
    assert attempt.method == "CONNECT" and attempt.allowed and attempt.port == port
    assert attempt.bytes_out > 200 and attempt.bytes_in > len(cert) // 2  # handshake + data
    refused = _run(code, "allow:127.0.0.1:443", files={"ca.pem": cert})
    assert _lines(refused)["got"] == "refused ProxyError"
    (attempt,) = refused.egress
    assert not attempt.allowed and attempt.reason == "not on the allow-list"


RAW = """
import socket, sys
for host, port in [(h, int(p)) for h, p in (a.rsplit(":", 1) for a in sys.argv[1:] or TARGETS)]:
    try:
        socket.create_connection((host, port), timeout=5).close()
        print(f"{host}:{port}: connected")
    except OSError as exc:
        print(f"{host}:{port}: {type(exc).__name__} {exc.errno}")
"""


@pytest.mark.parametrize("landlock", [True, False], ids=["landlock", "namespace-only"])
def test_no_raw_route_even_to_a_listed_address(web: int, landlock: bool) -> None:
    """The host's server is listed, yet connecting to it directly fails: the run's network
    namespace has its own loopback (with Landlock also refusing any port but the proxy's);
    only the proxy's listener answers (control), and the host reaches the server."""
    targets = [f"127.0.0.1:{web}", f"10.255.255.1:{web}", f"127.0.0.1:{PORT}"]
    policy = SandboxPolicy(disabled=frozenset() if landlock else frozenset({"landlock"}))
    result = _run(f"TARGETS = {targets!r}\n" + RAW, f"allow:127.0.0.1:{web}", policy=policy)
    seen = _lines(result)
    refused = "PermissionError 13" if landlock else "ConnectionRefusedError 111"
    assert seen[f"127.0.0.1:{web}"] == refused
    assert seen[f"10.255.255.1:{web}"] != "connected"
    assert seen[f"127.0.0.1:{PORT}"] == "connected"  # control: the way out is there
    socket.create_connection(("127.0.0.1", web), timeout=5).close()  # control: it listens
    assert all(a.host == "" and a.reason == "malformed request" for a in result.egress)


DNS = """
import socket
for name in NAMES:
    try:
        print(name + ": " + socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])
    except OSError as exc:
        print(name + ": " + type(exc).__name__)
for kind in ("SOCK_DGRAM", "SOCK_RAW"):
    try:
        socket.socket(socket.AF_INET, getattr(socket, kind)).close()
        print(kind + ": made")
    except OSError as exc:
        print(kind + ": " + type(exc).__name__ + " " + str(exc.errno))
try:
    socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()
    print("inet6: made")
except OSError as exc:
    print("inet6: " + str(exc.errno))
for fam, kind in (("AF_UNIX", "SOCK_STREAM"), ("AF_NETLINK", "SOCK_RAW"), ("AF_PACKET", "SOCK_RAW")):
    try:
        socket.socket(getattr(socket, fam), getattr(socket, kind)).close()
        print(fam + ": made")
    except OSError as exc:
        print(fam + ": " + str(exc.errno))
a, b = socket.socketpair()
print("socketpair: made")
"""


def test_no_dns_inside_names_are_resolved_by_the_proxy(web: int) -> None:
    """Inside, a name does not resolve (no server, and seccomp refuses UDP sockets);
    /etc/hosts still works (control). The proxy resolves a listed name on the host, and
    refuses `localhost` because it resolves to loopback (a non-public address)."""
    names = ["example.com", "localhost"]
    result = _run(f"NAMES = {names!r}\n" + DNS, f"allow:127.0.0.1:{web},localhost:{web}")
    seen = _lines(result)
    assert seen["example.com"] == "gaierror" and seen["localhost"] == "127.0.0.1"
    assert seen["SOCK_DGRAM"] == seen["SOCK_RAW"] == "PermissionError 1"
    assert seen["inet6"] == seen["AF_UNIX"] == seen["AF_NETLINK"] == seen["AF_PACKET"] == "1"
    assert seen["socketpair"] == "made"  # control: a pair of its own still works
    code = f"URLS = ['http://localhost:{web}/']\n" + URLLIB
    result = _run(code, f"allow:127.0.0.1:{web},localhost:{web}")
    assert "non-public address (127.0.0.1)" in _lines(result)[f"http://localhost:{web}/"]
    (attempt,) = result.egress
    assert not attempt.allowed and attempt.host == "localhost"


@need("seccomp")
def test_loopback_runs_keep_udp_and_egress_runs_do_not() -> None:
    """Control for the seccomp part: the same UDP socket is made with network=loopback."""
    seen = _lines(_run("NAMES = []\n" + DNS, "loopback"))
    assert seen["SOCK_DGRAM"] == "made" and seen["inet6"] == "made"


def test_what_the_program_writes_cannot_change_the_record(web: int) -> None:
    """The program prints attempts that never happened and sends the proxy junk: the record
    holds only what the proxy saw (one allowed GET and one malformed request)."""
    fake = json.dumps({"host": "evil.example", "port": 443, "allowed": True})
    code = f"""
import socket, urllib.request
print({fake!r})
urllib.request.urlopen("http://127.0.0.1:{web}/ok", timeout=20).read()
with socket.create_connection(("127.0.0.1", {PORT})) as s:
    s.sendall(b"NOT A REQUEST\\r\\n\\r\\n")
    s.recv(100)
"""
    result = _run(code, f"allow:127.0.0.1:{web}")
    assert result.exit_code == 0, result.stderr
    kinds = sorted((a.host, a.allowed, a.reason) for a in result.egress)
    assert kinds == [("", False, "malformed request"), ("127.0.0.1", True, None)]
    assert all(a.host != "evil.example" for a in result.egress)


def test_none_and_loopback_runs_are_unchanged() -> None:
    code = (
        "import os, socket\n"
        "print('proxy: ' + repr([k for k in os.environ if 'proxy' in k.lower()]))\n"
        "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=2)\n"
        "except OSError as exc:\n    print('connect: ' + type(exc).__name__)\n"
    )
    for network, connect in (("none", "PermissionError"), ("loopback", "ConnectionRefusedError")):
        result = _run(code, network)
        seen = _lines(result)
        assert seen == {"proxy": "[]", "connect": connect}, network
        assert result.egress == [] and result.egress_count == 0


def test_an_allow_list_is_refused_without_a_network_namespace(web: int) -> None:
    """Degraded or not: without its own network namespace an allow-list means nothing."""
    policy = SandboxPolicy(disabled=frozenset({"network"}))
    limits = Limits(network=f"allow:127.0.0.1:{web}")
    result = run("print(1)", limits=limits, policy=policy, allow_degraded=True)
    assert result.refused == "network: an egress allow-list needs the run's own network namespace"
    assert result.exit_code is None and result.stdout == ""
    control = run("print(1)", limits=Limits(network="loopback"), policy=policy, allow_degraded=True)
    assert control.refused is None and control.stdout == "1\n"


def test_an_open_tunnel_is_closed_and_recorded_when_the_run_times_out(echo: int) -> None:
    code = f"""
import socket, time
s = socket.create_connection(("127.0.0.1", {PORT}))
s.sendall(b"CONNECT 127.0.0.1:{echo} HTTP/1.1\\r\\n\\r\\nabc")
time.sleep(60)
"""
    limits = Limits(network=f"allow:127.0.0.1:{echo}", timeout_s=1.5)
    result = run(code, limits=limits)
    assert result.timed_out and result.wall_s < 10
    (attempt,) = result.egress
    assert attempt.allowed and attempt.bytes_out == 3 and attempt.bytes_in == 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("internet", "network must be none, loopback, or allow:HOST[:PORT]"),
        ("allow:", "empty entry in egress allow-list"),
        ("allow:example.com:0", "bad port in egress allow-list entry"),
        ("allow:exa mple.com", "bad host in egress allow-list entry"),
        ("allow:a.com,,b.com", "empty entry in egress allow-list"),
    ],
)
def test_a_bad_allow_list_is_a_one_line_value_error(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Limits(network=spec)


def test_an_allow_list_keeps_its_canonical_string_form() -> None:
    limits = Limits(network="allow:Example.COM, 127.0.0.1:8080,[::1]:443,*.Api.example.org")
    assert isinstance(limits.network, AllowList)
    text = "allow:example.com,127.0.0.1:8080,[::1]:443,*.api.example.org"
    assert str(limits.network) == text and limits.model_dump(mode="json")["network"] == text
    assert Limits.model_validate_json(limits.model_dump_json()) == limits
    assert Limits(network="loopback").egress is None and limits.egress == limits.network


def test_attempts_beyond_the_listed_number_are_still_counted() -> None:
    code = f"""
import socket
for i in range(300):
    with socket.create_connection(("127.0.0.1", {PORT}), timeout=10) as s:
        s.sendall(b"CONNECT 192.0.2.1:443 HTTP/1.1\\r\\n\\r\\n")
        s.recv(200)
print("done")
"""
    result = _run(code, "allow:example.com")
    assert result.stdout == "done\n", result.stderr
    assert result.egress_count == 300 and len(result.egress) == 256
    assert all(a.reason == "not on the allow-list" for a in result.egress)


def test_concurrent_runs_each_record_only_their_own_attempts(web: int) -> None:
    """Two allow-list runs at once: each has its own namespace, listener and proxy, so each
    record holds its own attempt and its own list decides (one listed, one not)."""
    results: dict[str, ExecutionResult] = {}
    url = f"http://127.0.0.1:{web}/"

    def one(name: str, network: str) -> None:
        code = f"import time\ntime.sleep(0.3)\nURLS = [{url + name!r}]\n" + URLLIB
        results[name] = _run(code, network)

    threads = [
        threading.Thread(target=one, args=("a", f"allow:127.0.0.1:{web}")),
        threading.Thread(target=one, args=("b", "allow:example.com")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert _lines(results["a"])[url + "a"] == f"hello /a via 127.0.0.1:{web}"
    assert _lines(results["b"])[url + "b"].startswith("403 ")
    [a], [b] = results["a"].egress, results["b"].egress
    assert a.allowed and not b.allowed and a.port == b.port == web
