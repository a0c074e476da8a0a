"""The egress proxy: the way out for a sandbox whose network is an allow-list.

Status: in use by runs whose `Limits.network` is an allow-list (`allow:HOST[:PORT],…`);
egress_run.py is the run's side.

A run with an allow-list has no route of its own (its network namespace holds only
loopback). The run's helper binds a TCP listener on 127.0.0.1 inside that namespace and
hands it to the host, where this proxy serves on it (`serve_socket`; `serve_unix` and
`serve_tcp` serve elsewhere, for tests and other callers). The proxy speaks HTTP
proxying (absolute-form requests for plain HTTP, `CONNECT` tunnels for HTTPS and anything
else), resolves names itself (the sandbox has no DNS), and connects only to listed hosts
and ports.

Every attempt, allowed, denied or malformed, is kept as an `Attempt` (host, port, the
address it connected to, bytes each way, why it was refused; the first `max_kept` of
them, `total` counts all) and passed to `on_attempt`; for a run they become
`ExecutionResult.egress`, the run's record, `airlock show` and the egress-denied alert. The
upstream is sent the listed authority as `Host` (never the sandbox's own `Host` line) and
only `Content-Length` bodies; a bare CR or LF inside a line is refused.

Rules: a name matches itself (case-insensitive), `*.example.com` matches names below it;
an IP literal matches only itself. A rule without a port allows 80 and 443. A listed
*name* that resolves to a non-public address (loopback, private, link-local, metadata)
is refused unless the proxy was built with `allow_private=True`, so DNS cannot point an
approved name at the host's own services; a listed IP literal is taken as meant.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

DEFAULT_PORTS = (80, 443)
MAX_HEAD = 16 * 1024  # a request head larger than this is refused (431)
HEAD_DEADLINE_S = 10.0  # the whole request head must arrive within this
CONNECT_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 60.0  # a tunnel with no traffic either way for this long is closed
MAX_CONNECTIONS = 64
MAX_KEPT = 256  # attempts kept in full (``attempts``); every one is counted (``total``)
MAX_METHOD = 16  # characters of a request's method kept in its Attempt
MAX_ADDRESSES = (
    8  # of a name's addresses, the first this many are tried, in CONNECT_TIMEOUT_S all told
)
_CHUNK = 64 * 1024


class EgressConfigError(ValueError):
    """An allow-list that cannot be used (one line, fit to print)."""


@dataclass(frozen=True)
class Allow:
    """One allow-list entry: a host (name, `*.suffix` or IP literal) and a port or None."""

    host: str
    port: int | None = None

    def matches(self, host: str, port: int) -> bool:
        """Whether a request for `host`:`port` is covered by this entry."""
        if port not in ((self.port,) if self.port is not None else DEFAULT_PORTS):
            return False
        host = _normal_host(host)
        if self.host.startswith("*."):
            return host.endswith(self.host[1:]) and host != self.host[2:]
        return host == self.host

    def covers(self, other: Allow) -> bool:
        """Whether every host and port ``other`` lets through, this entry lets through too."""
        ports = {self.port} if self.port is not None else set(DEFAULT_PORTS)
        if not ({other.port} if other.port is not None else set(DEFAULT_PORTS)) <= ports:
            return False
        if self.host.startswith("*."):  # names below it, and wildcards below it
            return other.host.endswith(self.host[1:]) and other.host != self.host[2:]
        return other.host == self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def parse_allow(spec: str) -> tuple[Allow, ...]:
    """`allow:HOST[:PORT],…` (the `allow:` prefix optional) as entries; EgressConfigError."""
    if not isinstance(spec, str):
        raise EgressConfigError("an egress allow-list is a string")
    body = spec.strip()
    body = body[len("allow:") :] if body.lower().startswith("allow:") else body
    entries: list[Allow] = []
    for raw in body.split(","):
        item = raw.strip()
        if not item:
            raise EgressConfigError(f"empty entry in egress allow-list {spec[:80]!r}")
        entries.append(_parse_entry(item))
    return tuple(dict.fromkeys(entries))


def _parse_entry(item: str) -> Allow:
    host, port = item, None
    if item.startswith("["):  # [v6]:port or [v6]
        end = item.find("]")
        if end < 0:
            raise EgressConfigError(f"unclosed [ in {item[:80]!r}")
        host, rest = item[1:end], item[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise EgressConfigError(f"unexpected text after ] in {item[:80]!r}")
            port = _port(rest[1:], item)
    elif item.count(":") == 1:
        host, _, text = item.partition(":")
        port = _port(text, item)
    elif item.count(":") > 1:
        host = item  # a bare IPv6 literal
    try:
        return Allow(_normal_host(host, wildcard=True), port)
    except ValueError as exc:
        raise EgressConfigError(
            f"bad host in egress allow-list entry {item[:80]!r}: {exc}"
        ) from None


def _port(text: str, item: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise EgressConfigError(f"bad port in egress allow-list entry {item[:80]!r}")
    return int(text)


def _normal_host(host: str, *, wildcard: bool = False) -> str:
    """A host name lowercased and IDNA-encoded, or an IP literal in canonical form."""
    host = host.strip().rstrip(".")
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    prefix = ""
    if wildcard and host.startswith("*."):
        prefix, host = "*.", host[2:]
    if not host or len(host) > 253:
        raise ValueError("empty or too long")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"not a valid host name ({exc})") from None
    labels = ascii_host.split(".")
    for label in labels:
        if not label or len(label) > 63 or not all(c.isalnum() or c == "-" for c in label):
            raise ValueError("not a valid host name")
        if label.startswith("-") or label.endswith("-"):
            raise ValueError("not a valid host name")
    return prefix + ascii_host


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local…),
    looking through IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4,
    NAT64, Teredo): the embedded address must be public too."""
    ip = ipaddress.ip_address(address)
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(ip):
            if not inner.is_global or inner.is_multicast:
                return False
    return True


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        found.append(ip.teredo[1])
    packed = ip.packed
    if packed[:12] == bytes(12) and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (deprecated)
        found.append(ipaddress.IPv4Address(packed[12:]))
    if ip in ipaddress.ip_network("64:ff9b::/96") or ip in ipaddress.ip_network("64:ff9b:1::/48"):
        found.append(ipaddress.IPv4Address(packed[12:]))  # NAT64
    return found


@dataclass
class Attempt:
    """One connection attempt through the proxy, as the host saw it."""

    host: str
    port: int
    method: str
    allowed: bool
    reason: str | None = None  # why it was refused or failed
    address: str | None = None  # the address the proxy connected to
    bytes_out: int = 0  # from the sandbox to the destination
    bytes_in: int = 0  # from the destination to the sandbox
    started: float = field(default_factory=time.time)
    duration_s: float = 0.0


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Addresses for `host` (the proxy's own resolver; the sandbox has none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class EgressProxy:
    """An allow-list HTTP/CONNECT proxy on a Unix socket or a loopback TCP port."""

    def __init__(
        self,
        rules: Iterable[Allow],
        *,
        allow_private: bool = False,
        on_attempt: Callable[[Attempt], None] | None = None,
        resolver: Resolver = resolve,
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        max_kept: int = MAX_KEPT,
    ) -> None:
        self.rules = tuple(rules)
        self.allow_private = allow_private
        self._on_attempt = on_attempt
        self._resolver = resolver
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle = idle_timeout_s
        self._lock = threading.Lock()
        self._attempts: list[Attempt] = []
        self._max_kept = max_kept
        self.total = 0  # every attempt recorded, kept or not
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._handlers: set[threading.Thread] = set()
        self._open: set[socket.socket] = set()  # every client and upstream socket in use
        self._closing = threading.Event()
        self._unix_path: str | None = None

    # -- lifecycle ------------------------------------------------------------

    def serve_unix(self, path: str) -> str:
        """Listen on a Unix socket at `path` (0600) and serve in the background."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        os.chmod(path, 0o600)  # before listen(): until then no one can connect
        self._unix_path = path
        self._start(sock)
        return path

    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on a loopback TCP port and serve in the background."""
        if not ipaddress.ip_address(host).is_loopback:
            raise EgressConfigError("the egress proxy listens on loopback only")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self._start(sock)
        return sock.getsockname()[:2]

    def serve_socket(self, sock: socket.socket) -> None:
        """Serve on a listening TCP socket made elsewhere: a run's helper binds one to
        127.0.0.1 inside the run's network namespace and hands it over (runner.py), so the
        sandbox's only way out is a connection this proxy accepts."""
        if sock.type != socket.SOCK_STREAM or not sock.getsockopt(
            socket.SOL_SOCKET, socket.SO_ACCEPTCONN
        ):
            raise EgressConfigError("the egress proxy needs a listening stream socket")
        self._start(sock)

    def _start(self, sock: socket.socket) -> None:
        sock.listen(32)
        sock.settimeout(0.2)
        self._listener = sock
        thread = threading.Thread(target=self._accept_loop, name="airlock-egress", daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        """Stop accepting, end every tunnel at once, and remove the Unix socket. Every
        connection accepted has its attempt recorded by the time this returns."""
        self._closing.set()
        if self._listener is not None:  # wakes the accept loop at once (Linux)
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 5
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._lock:  # after the accept loop: no handler can start after this
            handlers, sockets = list(self._handlers), list(self._open)
        for sock in sockets:  # wakes handlers blocked in recv, send or the relay
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in handlers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._listener is not None:
            self._listener.close()
        if self._unix_path:
            with contextlib.suppress(OSError):
                os.unlink(self._unix_path)

    def __enter__(self) -> EgressProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def attempts(self) -> list[Attempt]:
        """The attempts so far, the first ``max_kept`` of them (a copy; ``total`` counts
        them all)."""
        with self._lock:
            return list(self._attempts)

    # -- serving --------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._closing.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                _reply(conn, 503, "too many connections through the egress proxy")
                conn.close()
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._handlers = {t for t in self._handlers if t.is_alive()} | {thread}
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        try:
            self._handle(client)
        except Exception:  # a broken client must never take the proxy down
            pass
        finally:
            self._untrack(client)
            client.close()
            self._slots.release()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)
        if self._closing.is_set():  # close() began after accept: end this one too
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def _handle(self, client: socket.socket) -> None:
        head, rest = _read_head(client)
        request = _parse_request(head) if head is not None else None
        if request is None:
            why = "request head too large" if rest == b"too large" else "malformed request"
            self._record(Attempt(host="", port=0, method="?", allowed=False, reason=why))
            _reply(client, 431 if rest == b"too large" else 400, f"{why} to the egress proxy")
            return
        method, host, port, origin_head = request
        attempt = Attempt(host=host, port=port, method=method, allowed=False)
        start = time.monotonic()
        upstream = None if self._closing.is_set() else self._connect(attempt)
        if upstream is None and attempt.reason is None:
            attempt.reason = "the proxy is closing"
        if upstream is None:  # recorded before the sandbox learns the answer
            attempt.duration_s = time.monotonic() - start
            self._record(attempt)
            status = 502 if attempt.allowed else 403
            _reply(client, status, f"egress to {host}:{port} refused: {attempt.reason}")
            return
        self._track(upstream)
        try:
            with upstream:
                if self._closing.is_set():
                    attempt.reason = "the proxy is closing"
                    return
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:
                    upstream.sendall(origin_head)
                    attempt.bytes_out += len(origin_head)
                if rest:
                    upstream.sendall(rest)
                    attempt.bytes_out += len(rest)
                self._relay(client, upstream, attempt)
        except OSError as exc:
            attempt.reason = f"connection failed ({exc.strerror or exc})"
        finally:
            self._untrack(upstream)
            attempt.duration_s = time.monotonic() - start
            self._record(attempt)

    def _connect(self, attempt: Attempt) -> socket.socket | None:
        """The upstream connection, or None with `attempt.reason` set."""
        host, port = attempt.host, attempt.port
        if not any(rule.matches(host, port) for rule in self.rules):
            attempt.reason = "not on the allow-list"
            return None
        literal = _ip_literal(host)
        try:
            addresses = [literal] if literal else self._resolver(host, port)
        except OSError as exc:
            attempt.reason = f"name did not resolve ({exc.strerror or exc})"
            return None
        if not literal and not self.allow_private:
            private = [a for a in addresses if not is_public(a)]
            if private:
                attempt.reason = f"{host} resolves to a non-public address ({private[0]})"
                return None
        attempt.allowed = True
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        for address in addresses[:MAX_ADDRESSES]:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing.is_set():
                attempt.reason = attempt.reason or "connect timed out"
                break
            try:
                sock = socket.create_connection((address, port), timeout=remaining)
            except OSError as exc:
                attempt.reason = f"connect failed ({exc.strerror or exc})"
                continue
            attempt.address, attempt.reason = address, None
            return sock
        return None

    def _relay(self, client: socket.socket, upstream: socket.socket, attempt: Attempt) -> None:
        """Copy bytes both ways until either side closes, the tunnel idles, or close()."""
        pairs = {client: (upstream, "bytes_out"), upstream: (client, "bytes_in")}
        with selectors.DefaultSelector() as sel:
            for sock in pairs:
                sock.settimeout(self._idle)  # a peer that stops reading cannot hold a send
                sel.register(sock, selectors.EVENT_READ)
            last = time.monotonic()
            while not self._closing.is_set():
                ready = sel.select(timeout=0.5)
                if not ready:
                    if time.monotonic() - last > self._idle:
                        attempt.reason = "closed after idling"
                        return
                    continue
                last = time.monotonic()
                for key, _ in ready:
                    src = key.fileobj
                    assert isinstance(src, socket.socket)
                    dst, counter = pairs[src]
                    try:
                        data = src.recv(_CHUNK)  # readable: returns at once
                        if not data:  # half-close: pass it on, keep the other way open
                            sel.unregister(src)
                            dst.shutdown(socket.SHUT_WR)
                            if not sel.get_map():
                                return
                            continue
                        dst.sendall(data)
                    except OSError:
                        return
                    setattr(attempt, counter, getattr(attempt, counter) + len(data))

    def _record(self, attempt: Attempt) -> None:
        attempt.method = attempt.method[:MAX_METHOD]
        with self._lock:
            self.total += 1
            if len(self._attempts) < self._max_kept:
                self._attempts.append(attempt)
        if self._on_attempt is not None:
            with contextlib.suppress(Exception):
                self._on_attempt(attempt)


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _read_head(client: socket.socket) -> tuple[bytes | None, bytes]:
    """The request head (through the blank line) and whatever followed it."""
    deadline = time.monotonic() + HEAD_DEADLINE_S
    buf = b""
    while b"\r\n\r\n" not in buf:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or len(buf) > MAX_HEAD:
            return None, b"too large" if len(buf) > MAX_HEAD else b""
        client.settimeout(remaining)
        try:
            chunk = client.recv(4096)
        except OSError:
            return None, b""
        if not chunk:
            return None, b""
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        return None, b"too large"
    return head + b"\r\n\r\n", rest


def _parse_request(head: bytes) -> tuple[str, str, int, bytes] | None:
    """(method, host, port, the head to send upstream) or None when malformed."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        return None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    method, target, version = parts
    if not method.isalpha() or not method.isupper():
        return None
    try:
        if method == "CONNECT":
            host, port = _split_authority(target, None)
            return method, host, port, b""
        if not target.lower().startswith("http://"):
            return None  # a proxy needs the absolute form; https goes through CONNECT
        authority, slash, path = target[len("http://") :].partition("/")
        host, port = _split_authority(authority, 80)
    except ValueError:
        return None
    if any("\n" in line or "\r" in line or "\x00" in line for line in lines):
        return None  # a bare LF or CR inside a line could smuggle a second request
    raw = [line for line in lines[1:] if line]
    if any(":" not in line or line[0] in " \t" for line in raw):
        return None
    hop = {"connection", "keep-alive", "host", "te", "trailer", "upgrade", "transfer-encoding"}
    for line in raw:  # names the client lists in Connection: are hop-by-hop as well
        if line.split(":", 1)[0].strip().lower() == "connection":
            hop |= {v.strip().lower() for v in line.split(":", 1)[1].split(",")}
    headers = [
        line
        for line in raw
        if not (name := line.split(":", 1)[0].strip().lower()).startswith("proxy-")
        and name not in hop
    ]
    if any(line.split(":", 1)[0].strip().lower() == "transfer-encoding" for line in raw):
        return None  # chunked bodies are not relayed; Content-Length only
    authority = f"[{host}]" if ":" in host else host
    host_line = f"Host: {authority}" if port == 80 else f"Host: {authority}:{port}"
    out = [f"{method} {slash}{path} {version}", host_line, *headers, "Connection: close", "", ""]
    return method, host, port, "\r\n".join(out).encode("latin-1")


def _split_authority(authority: str, default: int | None) -> tuple[str, int]:
    if "@" in authority or not authority:
        raise ValueError("bad authority")
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            raise ValueError("bad authority")
    else:
        host, _, port_text = authority.partition(":")
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError("bad port")
        port = int(port_text)
    elif default is None:
        raise ValueError("CONNECT needs a port")
    else:
        port = default
    return _normal_host(host), port


def _reply(sock: socket.socket, status: int, message: str) -> None:
    reasons = {400: "Bad Request", 403: "Forbidden", 431: "Request Header Fields Too Large"}
    reasons.update({502: "Bad Gateway", 503: "Service Unavailable"})
    body = f"airlock: {message}\n".encode("ascii", "backslashreplace")
    head = (
        f"HTTP/1.1 {status} {reasons.get(status, 'Error')}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        sock.sendall(head.encode("ascii") + body)
