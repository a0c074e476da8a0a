"""A streamed execute's events, as the client yields them, and the server-sent-events
reader that makes them.

`Output(stream, text)` is a piece of the program's stdout or stderr as it was written;
`Result(reply)` ends every stream and holds the contract's dict (what a non-streamed
`execute` returns; an `error` event, a refused request or a stream cut short becomes one
too, with `success` false). The reader splits lines only at CR, LF or CRLF (as the SSE
specification says, unlike `str.splitlines`), and ignores events it does not know.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

_EOL = re.compile(r"\r\n|\r|\n")  # SSE line ends: CRLF, CR or LF, nothing else


@dataclass(frozen=True)
class Output:
    """A chunk of the program's output, in the order it was written."""

    stream: Literal["stdout", "stderr"]
    text: str


@dataclass(frozen=True)
class Result:
    """The last event: the contract's `{"success", "output", "error", …}` dict."""

    reply: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.reply.get("success") is True


StreamEvent = Output | Result


def failed(message: str) -> Result:
    """A result in the contract's error shape."""
    return Result({"success": False, "output": "", "error": message})


class EventReader:
    """Server-sent events from bytes fed in any chunking: `feed` returns the events that
    became complete, as (name, data)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._line = ""
        self._cr = False  # the last character was CR: a following LF belongs to it
        self._name, self._data = "", list[str]()

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        done: list[tuple[str, str]] = []
        text = self._decoder.decode(chunk)
        if self._cr and text.startswith("\n"):
            text = text[1:]  # the LF of a CRLF split across two chunks
        pos = 0
        for m in _EOL.finditer(text):
            self._line += text[pos : m.start()]
            self._end_line(done)
            pos = m.end()
        self._line += text[pos:]
        self._cr = text.endswith("\r")
        return done

    def _end_line(self, done: list[tuple[str, str]]) -> None:
        line, self._line = self._line, ""
        if not line:
            if self._data:
                done.append((self._name or "message", "\n".join(self._data)))
            self._name, self._data = "", []
            return
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._name = value
        elif name == "data":
            self._data.append(value)


def event_of(name: str, data: str) -> StreamEvent | None:
    """The typed event for one server-sent event (None for one this client ignores)."""
    try:
        payload = json.loads(data)
    except ValueError:
        return failed(f"unreadable {name[:20]!r} event") if name == "result" else None
    if name in ("stdout", "stderr"):
        text = payload.get("text") if isinstance(payload, dict) else None
        return Output(name, text) if isinstance(text, str) else None  # type: ignore[arg-type]
    if name == "result":
        ok = isinstance(payload, dict) and {"success", "output", "error"} <= set(payload)
        return Result(payload) if ok else failed("the result event is not the contract's reply")
    if name == "error":
        message = payload.get("error") if isinstance(payload, dict) else None
        return failed(str(message or "the run failed"))
    return None
