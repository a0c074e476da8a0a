"""The MCP server (official `mcp` SDK): Airlock's tools for any MCP client, over stdio or
streamable HTTP.

Tools: `run_python(code, timeout?, session_id?, network?)` screens, gates, runs confined
and records (what `POST /execute` does; with a session id, in that key's session of that
name, kept between calls; a network only within the server's bound, as over HTTP) and
`scan_python(code)` screens only. Records are resources at
`airlock://records/{id}`. Over stdio the server acts as one API key given in
$AIRLOCK_API_KEY (never on the command line); over HTTP every request carries a key as
`Authorization: Bearer KEY` (`http_app`). Either way the key is checked again on every
call, its name is the agent id recorded, its scopes decide which tools work, and no
tool approves anything.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

from airlock.audit.api_keys import Principal

if TYPE_CHECKING:
    from airlock.audit.store import Store

KEY_ENV = "AIRLOCK_API_KEY"
MAX_CODE_CHARS = 200_000
MAX_TIMEOUT_S = 60.0


class ToolRefused(ToolError):
    """A call this key may not make, or bad arguments (shown to the client as a tool error)."""


class KeyVerifier:
    """The SDK's bearer-token check, answered by Airlock's API keys (`audit.api_keys`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def verify_token(self, token: str) -> Any:
        from mcp.server.auth.provider import AccessToken

        from airlock.audit.api_keys import AuthenticationError, authenticate

        try:
            who = authenticate(self.store, token)
        except AuthenticationError:
            return None
        return AccessToken(token=token, client_id=who.name, scopes=sorted(who.scopes))


def build(
    store: Store, token: str | None, *, url: str | None = None, network: Any = "none"
) -> MCPServer:
    """An MCP server over `store` acting as the key `token`, or, with `token=None`, as the
    bearer key of each HTTP request (`url` is the server's own address, named in its
    protected-resource metadata). The key is checked again on every call (a revoked key
    stops at once) and its limits apply. `network` bounds what a call may be granted."""
    from airlock.audit.api_keys import AuthenticationError, authenticate
    from airlock.service.limits import Throttle, TooMany
    from airlock.service.network import NetworkRefused, grant
    from airlock.service.sessions import Sessions

    throttle = Throttle(120, 4)
    sessions = Sessions()
    extra: dict[str, Any] = {}
    if token is None:
        from mcp.server.auth.settings import AuthSettings

        extra = dict(
            token_verifier=KeyVerifier(store),
            auth=AuthSettings(
                issuer_url=url or "http://127.0.0.1", resource_server_url=url,
                validate_token_resource=False,
            ),
        )  # fmt: skip
    server = MCPServer(
        "airlock",
        instructions=(
            "Run Python only through run_python: it is screened first, runs in a confined "
            "sandbox and is recorded. Blocked or held code does not run; the reply says why."
        ),
        log_level="WARNING",
        **extra,
    )

    def current() -> str:
        if token is not None:
            return token
        from mcp.server.auth.middleware.auth_context import get_access_token

        access = get_access_token()
        return access.token if access is not None else ""

    def need(scope: str) -> Principal:
        try:
            who = authenticate(store, current())
        except AuthenticationError as exc:
            raise ToolRefused(str(exc)) from None
        if not who.may(scope):
            raise ToolRefused(f"key {who.name!r} lacks the {scope!r} scope")
        return who

    def checked(code: object) -> str:
        if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
            raise ToolRefused(f"code must be a string of at most {MAX_CODE_CHARS} characters")
        return code

    def granted(asked: str | None) -> Any:
        if asked is not None and (not isinstance(asked, str) or len(asked) > 4000):
            raise ToolRefused("network must be a string: none, loopback or allow:HOST[:PORT],…")
        try:
            return grant(asked, network)
        except (NetworkRefused, ValueError) as exc:
            raise ToolRefused(str(exc)) from None

    @server.tool()
    def run_python(
        code: str,
        timeout: float | None = None,
        session_id: str | None = None,
        network: str | None = None,
    ) -> dict[str, Any]:
        """Screen, gate, run confined and record Python; success only when it ran and exited 0.

        With `session_id` (a name of your choosing, letters, digits and `_.:-`, up to 64)
        the code runs in that session: variables, imports and files persist between
        calls with the same id; `value` is the repr of a final expression. `network`
        (none by default; loopback or allow:HOST[:PORT],…) is granted only within what
        the server allows; a session keeps the network it was started with."""
        from airlock.audit.pipeline import guard
        from airlock.executor import Limits

        who = need("execute" if session_id is None else "session")
        if timeout is not None and not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT_S):
            raise ToolRefused(f"timeout must be > 0 and <= {MAX_TIMEOUT_S:g} seconds")
        net = granted(network)
        limits = Limits(network=net)
        if timeout is not None:
            limits = limits.model_copy(update={"timeout_s": timeout})
        session = None if session_id is None else _session(who, session_id, net, network)
        try:
            with throttle.slot(who):
                outcome = guard(
                    checked(code), agent_id=who.agent_id, limits=limits, store=store,
                    session=session,
                )  # fmt: skip
        except TooMany as exc:
            raise ToolRefused(str(exc)) from None
        reply = outcome.as_dict()
        reply["decision"] = outcome.decision
        reply["stderr"] = outcome.result.stderr if outcome.result else ""
        if session is not None:
            reply["session_alive"] = session.alive
        return reply

    def _session(who: Principal, handle: str, net: Any, asked: str | None) -> Any:
        from airlock.executor import Limits
        from airlock.service.sessions import HANDLE, SessionLimitReached

        if not isinstance(handle, str) or not HANDLE.match(handle):
            raise ToolRefused("session_id: letters, digits and _.:- only, 1 to 64 characters")
        found = sessions.get(who.name, handle)
        if found is not None and found.alive:
            if asked is not None and str(net) != str(found.limits.network):
                raise ToolRefused(
                    f"session {handle!r} runs with network {found.limits.network}; "
                    "a session keeps the network it was started with"
                )
            return found
        if found is not None:  # ended (idle, timed out): a new one under the same name
            sessions.close(who.name, handle)
        try:
            limits = Limits(network=net)
            return sessions.open(who.name, limits, idle_timeout_s=600.0, handle=handle)
        except SessionLimitReached as exc:
            raise ToolRefused(str(exc)) from None

    @server.tool()
    def scan_python(code: str) -> dict[str, Any]:
        """Screen Python without running or recording it: verdict, score, reasons, findings."""
        from airlock.analyzer import scan

        who = need("scan")
        try:
            with throttle.slot(who):
                report = scan(checked(code), filename="<mcp>")
        except TooMany as exc:
            raise ToolRefused(str(exc)) from None
        return report.model_dump(mode="json")

    @server.resource("airlock://records/{record_id}", mime_type="application/json")
    def record(record_id: str) -> str:
        """One record (screening, findings, runs, reviews): this key's own, or any for review keys."""
        from airlock.audit.errors import NotFoundError

        try:
            who = authenticate(store, current())
        except AuthenticationError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        missing = ResourceNotFoundError(f"no record {record_id[:20]!r}")
        if not record_id.isdigit() or not 0 < int(record_id) < 2**63:
            raise missing
        try:
            detail = store.get(int(record_id))
        except NotFoundError:
            raise missing from None
        if not who.may("review") and detail.screening.agent_id != who.agent_id:
            raise missing  # never confirm that another key's record exists
        data = detail.as_data()
        return json.dumps(data)

    return server


def serve_http(store: Store, host: str, port: int, network: Any = "none") -> None:
    """Streamable HTTP at http://HOST:PORT/mcp until interrupted; each request's
    `Authorization: Bearer KEY` decides who acts (no key, no session)."""
    import uvicorn

    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    app = build(store, None, url=url + "/mcp", network=network).streamable_http_app(host=host)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=75,
    )
