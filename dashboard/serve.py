"""`python -m airlock.dashboard.serve run app.py …`: Streamlit behind Host and Origin checks.

A page on another site that rebinds its name to 127.0.0.1 (DNS rebinding) reaches the
dashboard with its own name in the Host header; a page that opens a websocket to it
sends its own Origin. Every HTTP request and websocket whose Host is not one the
dashboard is served under, and every websocket whose Origin is not one of those (or
that has none), is refused with 403 before Streamlit sees it. The names are the bind
address and the loopback names on the served port, plus `$AIRLOCK_DASHBOARD_HOSTS`
(comma-separated `host:port`, e.g. behind a reverse proxy).

With OIDC sign-in on, `$AIRLOCK_DASHBOARD_SECRETS` names the secrets file
`airlock dashboard` wrote for this server (in a private directory of its own); the
server hides it from every run it starts and removes it, and that directory, when it
stops.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

HOSTS_ENV = "AIRLOCK_DASHBOARD_HOSTS"
SECRETS_ENV = "AIRLOCK_DASHBOARD_SECRETS"
SECRETS_DIR_PREFIX = "airlock-dashboard-"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def served_hosts(address: str, port: int, extra: str = "") -> frozenset[str]:
    """Every `host:port` a browser may name to reach this server."""
    bound = f"[{address}]" if ":" in address and not address.startswith("[") else address
    names = {f"{h}:{port}" for h in (*LOOPBACK, bound) if h not in ("0.0.0.0", "[::]")}
    names |= {h.strip().lower() for h in extra.split(",") if h.strip()}
    return frozenset(n.lower() for n in names)


def refusal(kind: str, host: str | None, origin: str | None, hosts: frozenset[str]) -> str | None:
    """Why a request is refused (None: let it through)."""
    if not host or host.strip().lower() not in hosts:
        return f"foreign Host header {host!r}"
    if origin is None:
        return "websocket without an Origin" if kind == "websocket" else None
    scheme, _, rest = origin.strip().lower().partition("://")
    if scheme not in ("http", "https") or rest.rstrip("/") not in hosts:
        return f"foreign Origin {origin!r}"
    return None


class HostOriginGuard:
    """ASGI middleware applying `refusal` to every HTTP request and websocket."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], hosts: frozenset[str]
    ):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind in ("http", "websocket"):
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            why = refusal(kind, headers.get("host"), headers.get("origin"), self.hosts)
            if why is not None:
                if kind == "websocket":
                    await send({"type": "websocket.close", "code": 1008, "reason": "refused"})
                    return
                body = f"refused: {why}\n".encode("utf-8", "replace")
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def install(hosts: frozenset[str]) -> None:
    """Put the guard in front of Streamlit's own middleware."""
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    original = starlette_app.create_streamlit_middleware

    def guarded() -> list[Middleware]:
        return [Middleware(HostOriginGuard, hosts=hosts), *original()]

    starlette_app.create_streamlit_middleware = guarded


def _option(argv: list[str], name: str, default: str) -> str:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def hide_secrets(path: str) -> None:
    """Keep the secrets out of every run this process starts (approvals run held code here)."""
    from airlock.executor import private_paths

    private_paths.hide(path)


def remove_secrets(path: str) -> None:
    """Remove the secrets file written for this server, and its private directory."""
    directory = os.path.dirname(path)
    if not os.path.basename(directory).startswith(SECRETS_DIR_PREFIX):
        return  # not one `airlock dashboard` wrote: leave it alone
    for remove, target in ((os.unlink, path), (os.rmdir, directory)):
        with contextlib.suppress(OSError):
            remove(target)


def main() -> None:
    """`streamlit …` with the guard installed (takes Streamlit's own arguments)."""
    argv = sys.argv[1:]
    address = _option(argv, "--server.address", "127.0.0.1")
    port = int(_option(argv, "--server.port", "8501"))
    install(served_hosts(address, port, os.environ.get(HOSTS_ENV, "")))
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *argv]
    secrets = os.environ.get(SECRETS_ENV, "")
    if secrets:
        hide_secrets(secrets)
    try:
        streamlit_main()
    finally:
        if secrets:
            remove_secrets(secrets)


if __name__ == "__main__":
    main()
