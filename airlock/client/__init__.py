"""A client for `airlock serve` (httpx): `Client` and `AsyncClient`.

`execute(code, language="python", timeout=None) -> dict` is a drop-in for a
remote-sandbox client of the `{"success", "output", "error"}` contract: it always
returns that dict (a refused key, a rate limit or an unreachable server included), with
Airlock's fields (verdict, record_id, decision, exit_code, outcome, stderr, files) when
the code was screened; with `session_id` it runs in that session (`open_session`,
`session`, `close_session`), whose state is kept between calls. `execute_stream` takes
the same arguments and yields the program's output as it is written (`Output` events),
ending with one `Result` holding that dict (`airlock.client.events`). `scan`, `record` and
the session calls raise `AirlockError` on any failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from airlock.client.events import EventReader, Output, Result, StreamEvent, event_of, failed

__all__ = [
    "AirlockError",
    "AsyncClient",
    "Client",
    "Output",
    "Result",
    "StreamEvent",
]

DEFAULT_URL = "http://127.0.0.1:8700"
URL_ENV, KEY_ENV = "AIRLOCK_URL", "AIRLOCK_API_KEY"


class AirlockError(Exception):
    """The service refused a request or could not be reached."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message if status is None else f"HTTP {status}: {message}")
        self.status = status


def _settings(url: str | None, api_key: str | None) -> tuple[str, dict[str, str]]:
    key = api_key if api_key is not None else os.environ.get(KEY_ENV, "")
    return (url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/"), {"X-API-Key": key}


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or "unreadable reply"
    found = data.get("error") if isinstance(data, dict) else None
    return str(found or response.reason_phrase)


def _execute_reply(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {"success": False, "output": "", "error": f"HTTP {response.status_code}: not JSON"}
    if not isinstance(data, dict) or not {"success", "output", "error"} <= set(data):
        return {
            "success": False,
            "output": "",
            "error": f"HTTP {response.status_code}: {data!r}"[:300],
        }
    return data


def _session_path(session_id: str) -> str:
    if not isinstance(session_id, str) or not session_id.replace("-", "").isalnum():
        raise ValueError(f"invalid session id {session_id!r}")
    return f"/sessions/{session_id}"


def _execute_path(session_id: str | None) -> str:
    return "/execute" if session_id is None else _session_path(session_id) + "/execute"


def _session_body(memory_mb: int | None, idle_timeout: float | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if memory_mb is not None:
        body["memory_mb"] = memory_mb
    if idle_timeout is not None:
        body["idle_timeout"] = idle_timeout
    return body


STREAM_HEADERS = {"Accept": "text/event-stream"}
CUT_SHORT = "the stream ended before its result"


def _is_stream(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return response.status_code == 200 and kind == "text/event-stream"


def _events(reader: EventReader, chunk: bytes) -> Iterator[StreamEvent]:
    for name, data in reader.feed(chunk):
        event = event_of(name, data)
        if event is not None:
            yield event


def _unreachable(exc: httpx.HTTPError) -> dict[str, Any]:
    return {"success": False, "output": "", "error": f"Airlock service unreachable: {exc}"}


def _checked(response: httpx.Response) -> dict[str, Any]:
    if not 200 <= response.status_code < 300:
        raise AirlockError(response.status_code, _message(response))
    try:
        data = response.json()
    except ValueError:
        raise AirlockError(200, "the reply is not JSON") from None
    if not isinstance(data, dict):
        raise AirlockError(200, "the reply is not a JSON object")
    return data


class Client:
    """Blocking client; `url` and `api_key` default to $AIRLOCK_URL and $AIRLOCK_API_KEY."""

    def __init__(
        self, url: str | None = None, api_key: str | None = None, *, timeout_s: float = 120.0
    ) -> None:
        base, headers = _settings(url, api_key)
        self._http = httpx.Client(
            base_url=base, headers=headers, timeout=timeout_s, trust_env=False
        )

    def execute(
        self,
        code: str,
        language: str = "python",
        timeout: float | None = None,
        *,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        """Screen, gate, run and record `code` (in a session, with `session_id`); the
        contract's dict, never an exception."""
        try:
            response = self._http.post(
                _execute_path(session_id),
                json={"code": code, "language": language, "timeout": timeout},
            )
        except httpx.HTTPError as exc:
            return _unreachable(exc)
        except (TypeError, ValueError) as exc:  # e.g. NaN timeout, lone surrogates: not sendable
            return {"success": False, "output": "", "error": f"not sent: {exc}"}
        return _execute_reply(response)

    def execute_stream(
        self,
        code: str,
        language: str = "python",
        timeout: float | None = None,
        *,
        session_id: str | None = None,
    ) -> Iterator[StreamEvent]:
        """`execute`, streamed: `Output` events as the program writes, then one `Result`
        (never an exception; leaving the loop early hangs up, and the run still completes
        and is recorded on the server)."""
        body = {"code": code, "language": language, "timeout": timeout}
        try:
            path = _execute_path(session_id)
            with self._http.stream("POST", path, json=body, headers=STREAM_HEADERS) as response:
                if not _is_stream(response):
                    response.read()
                    yield Result(_execute_reply(response))
                    return
                reader = EventReader()
                for chunk in response.iter_bytes():
                    for event in _events(reader, chunk):
                        yield event
                        if isinstance(event, Result):
                            return
        except httpx.HTTPError as exc:
            yield Result(_unreachable(exc))
            return
        except (TypeError, ValueError) as exc:
            yield failed(f"not sent: {exc}")
            return
        yield failed(CUT_SHORT)

    def scan(self, code: str, ruleset: str = "default") -> dict[str, Any]:
        """The analyzer's report (nothing runs, nothing is recorded)."""
        return _checked(self._call("POST", "/scan", json={"code": code, "ruleset": ruleset}))

    def record(self, record_id: int) -> dict[str, Any]:
        """One record this key may read."""
        return _checked(self._call("GET", f"/records/{int(record_id)}"))

    def open_session(
        self, *, memory_mb: int | None = None, idle_timeout: float | None = None
    ) -> str:
        """Start a session owned by this key; its id."""
        body = _session_body(memory_mb, idle_timeout)
        return str(_checked(self._call("POST", "/sessions", json=body))["session_id"])

    def session(self, session_id: str) -> dict[str, Any]:
        """Whether the session is alive, its call count, why it ended."""
        return _checked(self._call("GET", _session_path(session_id)))

    def close_session(self, session_id: str) -> dict[str, Any]:
        """End the session."""
        return _checked(self._call("DELETE", _session_path(session_id)))

    def health(self) -> dict[str, Any]:
        """The service's /healthz."""
        return _checked(self._call("GET", "/healthz"))

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise AirlockError(None, f"Airlock service unreachable: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise AirlockError(None, f"not sent: {exc}") from None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class AsyncClient:
    """The same over asyncio (httpx.AsyncClient)."""

    def __init__(
        self, url: str | None = None, api_key: str | None = None, *, timeout_s: float = 120.0
    ) -> None:
        base, headers = _settings(url, api_key)
        self._http = httpx.AsyncClient(
            base_url=base, headers=headers, timeout=timeout_s, trust_env=False
        )

    async def execute(
        self,
        code: str,
        language: str = "python",
        timeout: float | None = None,
        *,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        """Screen, gate, run and record `code` (in a session, with `session_id`); the
        contract's dict, never an exception."""
        try:
            response = await self._http.post(
                _execute_path(session_id),
                json={"code": code, "language": language, "timeout": timeout},
            )
        except httpx.HTTPError as exc:
            return _unreachable(exc)
        except (TypeError, ValueError) as exc:  # e.g. NaN timeout, lone surrogates: not sendable
            return {"success": False, "output": "", "error": f"not sent: {exc}"}
        return _execute_reply(response)

    async def execute_stream(
        self,
        code: str,
        language: str = "python",
        timeout: float | None = None,
        *,
        session_id: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """`execute`, streamed: `Output` events as the program writes, then one `Result`."""
        body = {"code": code, "language": language, "timeout": timeout}
        try:
            path = _execute_path(session_id)
            async with self._http.stream(
                "POST", path, json=body, headers=STREAM_HEADERS
            ) as response:
                if not _is_stream(response):
                    await response.aread()
                    yield Result(_execute_reply(response))
                    return
                reader = EventReader()
                async for chunk in response.aiter_bytes():
                    for event in _events(reader, chunk):
                        yield event
                        if isinstance(event, Result):
                            return
        except httpx.HTTPError as exc:
            yield Result(_unreachable(exc))
            return
        except (TypeError, ValueError) as exc:
            yield failed(f"not sent: {exc}")
            return
        yield failed(CUT_SHORT)

    async def scan(self, code: str, ruleset: str = "default") -> dict[str, Any]:
        """The analyzer's report (nothing runs, nothing is recorded)."""
        return _checked(await self._call("POST", "/scan", json={"code": code, "ruleset": ruleset}))

    async def record(self, record_id: int) -> dict[str, Any]:
        """One record this key may read."""
        return _checked(await self._call("GET", f"/records/{int(record_id)}"))

    async def open_session(
        self, *, memory_mb: int | None = None, idle_timeout: float | None = None
    ) -> str:
        """Start a session owned by this key; its id."""
        body = _session_body(memory_mb, idle_timeout)
        return str(_checked(await self._call("POST", "/sessions", json=body))["session_id"])

    async def session(self, session_id: str) -> dict[str, Any]:
        """Whether the session is alive, its call count, why it ended."""
        path = _session_path(session_id)
        return _checked(await self._call("GET", path))

    async def close_session(self, session_id: str) -> dict[str, Any]:
        """End the session."""
        path = _session_path(session_id)
        return _checked(await self._call("DELETE", path))

    async def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise AirlockError(None, f"Airlock service unreachable: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise AirlockError(None, f"not sent: {exc}") from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()
