"""Streamed runs as server-sent events: the program's output while it runs, then the reply.

A streamed `/execute` runs the blocking pipeline (`guard`) in a worker thread of its own;
the executor's live callbacks hand each chunk to a `Bridge`, which the response drains on
the event loop. The callbacks run on the executor's supervisor loop (it also enforces the
wall clock), so they never block: the bridge is bounded in bytes by the run's own output
caps, which already bound everything the callbacks can be given. A client that goes away
detaches the bridge (later chunks are dropped); the worker still finishes the run and
records it, and the response's task ends without waiting for it.

Events: `stdout` / `stderr` with data `{"text": …}`, the program's text as written (UTF-8
decoded incrementally, so a character split across chunks arrives whole); then one
`result` whose data is the non-streamed reply, or `error` `{"error": …}` when the run
failed after the stream began. Every data line is ASCII-escaped JSON: no byte of the
program's can end a line, so none can forge an event or its name.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import itertools
import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

EVENT_STREAM = "text/event-stream"
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
OPENAPI_RESPONSES = {
    200: {
        "description": "The reply; with `Accept: text/event-stream`, server-sent events: "
        '`stdout` / `stderr` (data `{"text": …}`, the output as it is written), then one '
        '`result` whose data is this reply, or `error` (`{"error": …}`) when the run '
        "failed after the stream began. Errors before the run answer with their status "
        "and JSON, as without streaming.",
        "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
    }
}
Job = Callable[[Any, Any, Any], dict[str, Any]]  # (on_start, on_stdout, on_stderr) -> reply


def wants_stream(accept: str | None) -> bool:
    """Whether an Accept header asks for server-sent events."""
    return any(
        part.split(";")[0].strip().lower() == EVENT_STREAM for part in (accept or "").split(",")
    )


def frame(event: str, data: Any) -> bytes:
    """One server-sent event; `data` as one line of ASCII-escaped JSON."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=True)}\n\n".encode("ascii")


class Bridge:
    """Items from the worker thread to the event loop: `("start", id)`, `("stdout", text)`,
    `("stderr", text)`, then `("result", reply)`, `("error", message)` or, before the
    start, `("raise", exception)`. Thread-safe; `put` never blocks."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_bytes: int) -> None:
        self._loop, self._max = loop, max_bytes
        self._lock = threading.Lock()
        self._items: deque[tuple[str, Any]] = deque()
        self._size = 0
        self._ready = asyncio.Event()
        self.detached = False
        self.ended = False
        self.dropped = 0  # bytes of text left out because the client did not keep up
        self._decoders = {
            name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")
        }

    def _push(self, item: tuple[str, Any]) -> None:
        self._items.append(item)
        with contextlib.suppress(RuntimeError):  # a closed loop: the server is stopping
            self._loop.call_soon_threadsafe(self._ready.set)

    def chunk(self, stream: str) -> Callable[[bytes], None]:
        """The executor callback for `stream` (stdout or stderr)."""
        decoder = self._decoders[stream]

        def take(data: bytes) -> None:
            with self._lock:
                if self.detached or self.ended:
                    return
                text = decoder.decode(data)
                if not text:
                    return
                if self._size + len(text) > self._max:
                    self.dropped += len(text)
                    return
                self._size += len(text)
                self._push((stream, text))

        return take

    def put(self, kind: str, payload: Any) -> None:
        """A control item (start, result, error, raise): always kept."""
        with self._lock:
            if kind in ("result", "error"):  # what the decoders still hold comes first
                for name, decoder in self._decoders.items():
                    rest = decoder.decode(b"", final=True)
                    if rest and not self.detached and not self.ended:
                        self._push((name, rest))
                self.ended = True  # a chunk arriving later belongs to no one
            self._push((kind, payload))

    async def take(self) -> list[tuple[str, Any]]:
        """Everything queued, waiting until there is something."""
        while True:
            with self._lock:
                if self._items:
                    items = list(self._items)
                    self._items.clear()
                    self._size = 0
                    return items
                self._ready.clear()
            await self._ready.wait()

    def detach(self) -> None:
        """The client is gone: drop what is queued and every later chunk."""
        with self._lock:
            self.detached = True
            self._items = deque(i for i in self._items if i[0] not in ("stdout", "stderr"))
            self._size = 0


async def events(bridge: Bridge, first: list[tuple[str, Any]]) -> AsyncIterator[bytes]:
    """The response body: the bridge's items as server-sent events, up to the last one
    (text queued together on one stream goes out as one event)."""
    pending = first
    while True:
        for kind, payload in _merged(pending):
            if kind in ("stdout", "stderr"):
                yield frame(kind, {"text": payload})
            elif kind == "result":
                yield frame("result", payload)
                return
            elif kind in ("error", "raise"):
                message = payload if isinstance(payload, str) else "the run failed"
                yield frame("error", {"error": message})
                return
        pending = await bridge.take()


def _merged(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for kind, group in itertools.groupby(items, key=lambda item: item[0]):
        if kind in ("stdout", "stderr"):
            out.append((kind, "".join(text for _, text in group)))
        else:
            out.extend(group)
    return out


class EventStream(StreamingResponse):
    """A streamed reply that detaches its bridge when it ends, however it ends (a client
    that hangs up is not an error of the server's)."""

    def __init__(self, bridge: Bridge, first: list[tuple[str, Any]]) -> None:
        super().__init__(events(bridge, first), media_type=EVENT_STREAM, headers=HEADERS)
        self.bridge = bridge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with contextlib.suppress(ClientDisconnect, OSError):
                await super().__call__(scope, receive, send)
        finally:
            self.bridge.detach()


async def respond(
    accept: str | None,
    slot: Callable[[], contextlib.AbstractContextManager[None]],
    job: Job,
    limits: Any,
) -> Any:
    """Run `job` holding `slot()` (the key's request slot): its reply for JSON, or, when
    `accept` asks for events, an `EventStream` fed from a worker thread. An error before
    the run starts is raised here, so it answers with its status as without streaming."""
    if not wants_stream(accept):

        def plain() -> dict[str, Any]:
            with slot():
                return job(None, None, None)

        return await run_in_threadpool(plain)
    held = slot()
    held.__enter__()  # over the key's limits: refused before anything starts
    bridge = Bridge(asyncio.get_running_loop(), limits.max_stdout_bytes + limits.max_stderr_bytes)

    def work() -> None:
        started = False

        def on_start(record_id: int) -> None:
            nonlocal started
            started = True
            bridge.put("start", record_id)

        try:
            answer = job(on_start, bridge.chunk("stdout"), bridge.chunk("stderr"))
            bridge.put("result", jsonable_encoder(answer))
        except Exception as exc:
            if not started:
                bridge.put("raise", exc)
            else:
                logging.getLogger("airlock.service").warning("streamed run failed: %r", exc)
                bridge.put("error", f"internal error: {type(exc).__name__}")
        finally:
            held.__exit__(None, None, None)

    try:
        threading.Thread(target=work, name="airlock-stream", daemon=True).start()
    except RuntimeError:  # no thread to be had: nothing started, the slot goes back
        held.__exit__(None, None, None)
        raise
    first = await bridge.take()
    if first[0][0] == "raise":
        raise first[0][1]
    return EventStream(bridge, first[1:] if first[0][0] == "start" else first)
