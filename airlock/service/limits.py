"""Per-key request limits and the request-size limit of the HTTP API.

`Throttle` gives each key a token bucket (requests per minute) and a cap on requests in
flight, both per server process (a key's own limits, else the service's defaults).
`BodyLimit` is ASGI middleware that refuses a body larger than its limit, by its
Content-Length or, for a chunked body, as soon as the bytes read pass it.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airlock.audit.api_keys import Principal


class TooMany(Exception):
    """A key is over its rate or concurrency limit."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttle:
    """Token buckets and in-flight counters, one of each per key name."""

    def __init__(self, rate_per_minute: int, max_concurrent: int) -> None:
        self.rate, self.concurrent = rate_per_minute, max_concurrent
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, at)
        self._flight: dict[str, int] = {}

    @contextmanager
    def slot(self, who: Principal) -> Iterator[None]:
        """Hold one of the key's request slots for the duration; TooMany when none is free."""
        rate = who.rate_per_minute or self.rate
        most = who.max_concurrent or self.concurrent
        with self._lock:
            now = time.monotonic()
            tokens, at = self._buckets.get(who.name, (float(rate), now))
            tokens = min(float(rate), tokens + (now - at) * rate / 60.0)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) * 60.0 / rate)
                self._buckets[who.name] = (tokens, now)
                raise TooMany(f"key {who.name!r} is over its {rate} requests per minute", wait)
            if self._flight.get(who.name, 0) >= most:
                raise TooMany(f"key {who.name!r} already has {most} requests in flight", 1)
            self._buckets[who.name] = (tokens - 1.0, now)
            self._flight[who.name] = self._flight.get(who.name, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._flight[who.name] -= 1


class BodyLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await _too_large(scope, send, self.max_bytes)
                return
        seen = 0
        refused = False

        async def limited() -> dict[str, Any]:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            if not refused:
                await send(message)

        await self.app(scope, limited, guarded_send)
        if refused:
            await _too_large(scope, send, self.max_bytes)


async def _too_large(scope: dict[str, Any], send: Any, limit: int) -> None:
    message = f"request body larger than {limit} bytes"
    body: dict[str, Any] = {"error": message}
    if scope.get("path") == "/execute":
        body = {"success": False, "output": "", "error": message}
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": data})
