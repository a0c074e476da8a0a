"""The HTTP API (FastAPI): screen and run code for authenticated clients, read records.

`POST /execute` takes `{"code", "language", "timeout"}` with an `X-API-Key` header and
answers `{"success", "output", "error"}` (the remote-sandbox contract, so an existing
client works unchanged) plus Airlock's fields. Every error on it keeps that shape. With
`Accept: text/event-stream` it (and a session's execute) streams the program's output as
server-sent events, then the same reply (`service/streaming.py`).
The key is the identity: the agent id recorded is the key's name, whatever the request
says, and no route here approves anything.

(No `from __future__ import annotations` here: FastAPI reads the dependency annotations
of the route functions at runtime, and those name closures of `create_app`.)
"""

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from airlock.audit.api_keys import AuthenticationError, Principal, authenticate
from airlock.audit.errors import StoreError
from airlock.service.limits import BodyLimit, Throttle, TooMany
from airlock.service.network import Network, NetworkRefused, grant
from airlock.service.replies import execute_reply
from airlock.service.sessions import SessionLimitReached, Sessions
from airlock.service.streaming import OPENAPI_RESPONSES, Job, respond, wants_stream

if TYPE_CHECKING:
    from airlock.audit.store import Store
    from airlock.service.queue import Queue

MAX_CODE_CHARS = 200_000
MAX_TIMEOUT_S = 60.0
MAX_SESSION_MEMORY_MB = 4096
MAX_IDLE_S = 3600.0
DEFAULT_IDLE_S = 600.0
NETWORK_FIELD = Field(
    default=None,
    max_length=4000,
    description="none (default), loopback or allow:HOST[:PORT],…; granted only within the "
    "server's --network bound (else 403)",
)


class ExecuteRequest(BaseModel):
    """The remote-sandbox contract's request."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(max_length=MAX_CODE_CHARS)
    language: str = "python"
    timeout: float | None = Field(default=None, description="seconds, at most 60")
    network: str | None = NETWORK_FIELD


class ScanRequest(BaseModel):
    """Code to screen, with a shipped rule set's name (never a path)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=MAX_CODE_CHARS)
    ruleset: str = Field(default="default", pattern=r"^[a-z][a-z0-9_-]{0,39}$")


class SessionRequest(BaseModel):
    """A new session's bounds (each optional): memory for the session, idle time."""

    model_config = ConfigDict(extra="forbid")

    memory_mb: int | None = Field(default=None, gt=0, le=MAX_SESSION_MEMORY_MB)
    idle_timeout: float | None = Field(default=None, gt=0, le=MAX_IDLE_S)
    network: str | None = NETWORK_FIELD


class ApiError(Exception):
    """An error answered as JSON with a status (and, on /execute, the contract's shape)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def create_app(
    store: "Store",
    *,
    max_body_bytes: int = 1_000_000,
    rate_per_minute: int = 120,
    max_concurrent: int = 4,
    sessions: Sessions | None = None,
    network: Network = "none",
    queue: "Queue | None" = None,
) -> FastAPI:
    """The API over `store`; per-key limits default to the given values. `sessions` holds
    the sessions this process serves (a fresh registry by default); `network` is the most
    network any run may be granted (`service.network`). With `queue` (a PostgreSQL store
    only: `service.queue`), a plain `/execute` runs here while one of the queue's slots is
    free and goes to the queue otherwise; this process's worker runs queued work, its own
    and other servers'."""
    sessions = sessions if sessions is not None else Sessions()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if queue is not None:
            await queue.start()
        try:
            yield
        finally:
            if queue is not None:
                await queue.stop()

    app = FastAPI(
        title="Airlock",
        summary="Screen, run and audit Python written by AI agents.",
        docs_url=None,  # the interactive pages load scripts from a CDN; the schema is enough
        redoc_url=None,
        lifespan=lifespan,
    )
    throttle = Throttle(rate_per_minute, max_concurrent)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    def principal(x_api_key: Annotated[str | None, Header()] = None) -> Principal:
        try:
            return authenticate(store, x_api_key)
        except AuthenticationError as exc:
            raise ApiError(401, str(exc), {"WWW-Authenticate": "X-API-Key"}) from None

    def scoped(scope: str) -> Any:
        def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
            if not who.may(scope):
                raise ApiError(403, f"key {who.name!r} lacks the {scope!r} scope")
            return who

        return check

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return _error(request, 422, f"invalid request: {where}: {first.get('msg', 'invalid')}")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness and the store's reachability (no key needed, nothing revealed)."""
        try:
            with store.reading() as session:
                session.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"ok": False, "store": "unreachable"}, status_code=503)  # type: ignore[return-value]
        return {"ok": True, "store": "ok"}

    @app.post("/scan")
    def scan(
        body: ScanRequest, who: Annotated[Principal, Depends(scoped("scan"))]
    ) -> dict[str, Any]:
        """Screen code (nothing runs, nothing is recorded): verdict, score, findings, reasons."""
        from airlock.analyzer import scan as scan_code
        from airlock.rules import RULES_DIR

        if not (RULES_DIR / f"{body.ruleset}.yaml").is_file():  # shipped sets only, by name
            raise ApiError(400, f"unknown rule set {body.ruleset!r}")
        with throttle.slot(who):
            report = scan_code(body.code, ruleset=body.ruleset, filename="<request>")
        return report.model_dump(mode="json")

    async def _respond(request: Request, who: Principal, job: Job, limits: Any) -> Any:
        return await respond(request.headers.get("accept"), lambda: throttle.slot(who), job, limits)

    def _network(asked: str | None) -> Network:
        try:
            return grant(asked, network)
        except NetworkRefused as exc:
            raise ApiError(403, str(exc)) from None
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None

    def _language(body: ExecuteRequest) -> None:
        if body.language.strip().lower() not in ("python", "python3", "py"):
            raise ApiError(400, f"language {body.language[:40]!r} is not supported (python only)")

    @app.post("/execute", responses=OPENAPI_RESPONSES)
    async def execute(
        request: Request,
        body: ExecuteRequest,
        who: Annotated[Principal, Depends(scoped("execute"))],
    ) -> dict[str, Any]:
        """Screen, gate, run confined and record; `success` only when it ran and exited 0.
        With `Accept: text/event-stream` the output streams as it is written."""
        from airlock.audit.pipeline import guard
        from airlock.executor import Limits

        _language(body)
        timeout = _timeout(body.timeout)
        limits = Limits(network=_network(body.network))
        limits = limits if timeout is None else limits.model_copy(update={"timeout_s": timeout})

        def job(on_start: Any, on_stdout: Any, on_stderr: Any) -> dict[str, Any]:
            outcome = guard(
                body.code, agent_id=who.agent_id, limits=limits, store=store,
                on_start=on_start, on_stdout=on_stdout, on_stderr=on_stderr,
            )  # fmt: skip
            return execute_reply(outcome)

        if queue is None or wants_stream(request.headers.get("accept")):
            return await _respond(request, who, job, limits)  # type: ignore[no-any-return]
        return await _local_or_queued(who, job, queue)  # type: ignore[no-any-return]

    async def _local_or_queued(who: Principal, job: Job, queue: "Queue") -> Any:
        """Here in a free slot; else screened and recorded here, run by whichever
        server's worker has a slot, answered here with its reply."""
        from airlock.service.queue import Deferred, Unavailable

        with throttle.slot(who):
            if queue.slots.take_for_request():
                try:
                    return await run_in_threadpool(job, None, None, None)
                finally:
                    queue.slots.give()
            try:  # `guard` records the intent, then hands it off instead of running it
                return await run_in_threadpool(job, queue.hand_off, None, None)
            except Deferred as handed:
                status, reply = await queue.submit(handed.record_id)
            except Unavailable as exc:
                status, reply = (
                    503,
                    {
                        "success": False,
                        "output": "",
                        "error": f"the queue is unavailable; not run (record {exc.record_id})",
                        "record_id": exc.record_id,
                    },
                )
        if status == 200:
            return reply
        headers = {"Retry-After": "5"} if status == 503 else None
        return JSONResponse(reply, status_code=status, headers=headers)

    def _timeout(value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
            raise ApiError(400, f"timeout must be > 0 and <= {MAX_TIMEOUT_S:g} seconds")
        return value

    def _owned(who: Principal, session_id: str) -> Any:
        found = sessions.get(who.name, session_id) if len(session_id) <= 64 else None
        if found is None:  # another key's, another server's, or none: never say which
            raise ApiError(404, f"no session {session_id[:64]!r} on this server")
        return found

    def _session_state(s: Any) -> dict[str, Any]:
        return {
            "session_id": s.id,
            "alive": s.alive,
            "calls": s.calls,
            "ended": s.dead_reason,
            "idle_timeout_s": s.idle_timeout_s,
            "lifetime_s": s.lifetime_s,
        }

    @app.post("/sessions", status_code=201)
    def open_session(
        who: Annotated[Principal, Depends(scoped("session"))], body: SessionRequest | None = None
    ) -> dict[str, Any]:
        """Start a session: one confined interpreter kept between calls, owned by this key."""
        from airlock.executor import Limits

        body = body or SessionRequest()
        limits = Limits(network=_network(body.network))
        if body.memory_mb:
            limits = limits.model_copy(update={"memory_mb": body.memory_mb})
        try:
            with throttle.slot(who):
                s = sessions.open(
                    who.name, limits, idle_timeout_s=body.idle_timeout or DEFAULT_IDLE_S
                )
        except SessionLimitReached as exc:
            raise ApiError(429, str(exc), {"Retry-After": "30"}) from None
        if s.refused is not None:
            sessions.close(who.name, s.id)
            raise ApiError(503, f"the sandbox refused to start a session: {s.refused}")
        return _session_state(s)

    @app.post("/sessions/{session_id}/execute", responses=OPENAPI_RESPONSES)
    async def session_execute(
        request: Request,
        session_id: str,
        body: ExecuteRequest,
        who: Annotated[Principal, Depends(scoped("session"))],
    ) -> dict[str, Any]:
        """`/execute` in a session: screened, recorded with the session and call number, run
        there with the state earlier calls left (streamed as `/execute` is)."""
        from airlock.audit.pipeline import guard

        s = _owned(who, session_id)
        _language(body)
        timeout = _timeout(body.timeout)
        if body.network is not None and str(_network(body.network)) != str(s.limits.network):
            raise ApiError(400, "a session's network is chosen when it opens (POST /sessions)")
        limits = s.limits if timeout is None else s.limits.model_copy(update={"timeout_s": timeout})

        def job(on_start: Any, on_stdout: Any, on_stderr: Any) -> dict[str, Any]:
            outcome = guard(
                body.code, agent_id=who.agent_id, limits=limits, store=store, session=s,
                on_start=on_start, on_stdout=on_stdout, on_stderr=on_stderr,
            )  # fmt: skip
            reply = execute_reply(outcome)
            reply["session"] = _session_state(s)
            return reply

        return await _respond(request, who, job, limits)  # type: ignore[no-any-return]

    @app.get("/sessions/{session_id}")
    def session_state(
        session_id: str, who: Annotated[Principal, Depends(scoped("session"))]
    ) -> dict[str, Any]:
        """Whether the session is alive, how many calls it ran, why it ended."""
        return _session_state(_owned(who, session_id))

    @app.delete("/sessions/{session_id}")
    def close_session(
        session_id: str, who: Annotated[Principal, Depends(scoped("session"))]
    ) -> dict[str, Any]:
        """End the session and every process in it."""
        s = _owned(who, session_id)
        sessions.close(who.name, session_id)
        return {**_session_state(s), "closed": True}

    @app.get("/records/{record_id}")
    def record(record_id: int, who: Annotated[Principal, Depends(principal)]) -> dict[str, Any]:
        """One screening with its findings, runs and reviews: an execute key reads the
        records it made; `review` and `admin` keys read every record."""
        from airlock.audit.errors import NotFoundError

        if not 0 < record_id < 2**63:
            raise ApiError(404, f"no record {record_id}")
        try:
            detail = store.get(record_id)
        except NotFoundError:
            raise ApiError(404, f"no record {record_id}") from None
        if not who.may("review") and (
            not who.may("execute") or detail.screening.agent_id != who.agent_id
        ):
            raise ApiError(404, f"no record {record_id}")  # not 403: never confirm it exists
        data = detail.as_data()
        return data

    @app.exception_handler(StoreError)
    async def _store_down(request: Request, exc: StoreError) -> JSONResponse:
        # nothing runs unless its record can be written first; the details (paths, hosts)
        # go to the server's log, not to whoever asked
        logging.getLogger("airlock.service").warning("store unavailable: %s", exc)
        return _error(request, 503, "the audit store is unavailable, nothing was run")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        # a bug or a broken store: one line, the contract's shape, no traceback to the client
        return _error(request, 500, f"internal error: {type(exc).__name__}")

    @app.exception_handler(TooMany)
    async def _too_many(request: Request, exc: TooMany) -> JSONResponse:
        return _error(request, 429, str(exc), {"Retry-After": str(exc.retry_after)})

    return app


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if request.url.path.endswith("/execute"):  # the contract's shape, for existing clients
        body = {"success": False, "output": "", "error": message}
    return JSONResponse(body, status_code=status, headers=headers)
