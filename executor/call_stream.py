"""One session stream cut into calls: the bytes before a call's end mark are its output.

A session's stdout (or stderr) is one pipe for its whole life. ``CallStream.feed`` takes
the bytes as they come; ``begin(mark)`` opens a call, whose output is everything up to the
mark (capped: beyond ``cap`` bytes are dropped and ``truncated`` set, while the mark is
still found). On stdout a one-line reply follows the mark (``reply`` is its bytes, None
when it was longer than ``max_reply`` or never ended). Bytes that arrive outside a call
(a thread still printing after its call ended) wait, capped, for the next call. A call's
``sink`` sees each kept piece of its output as it is judged (never the mark, the reply or
bytes past the cap); one that raises is dropped, never the call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MAX_REPLY = 64 * 1024 * 1024


@dataclass
class CallStream:
    """The state of one stream; not thread-safe (the session serialises access)."""

    with_reply: bool
    max_reply: int = MAX_REPLY
    pending_cap: int = 1_000_000
    output: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    reply: bytes | None = None
    reply_too_long: bool = False
    done: bool = False
    closed: bool = False  # the stream reached end of file
    _mark: bytes | None = None
    _cap: int = 0
    _scan: bytearray = field(default_factory=bytearray)  # bytes not yet judged
    _in_reply: bool = False
    _reply: bytearray = field(default_factory=bytearray)
    _pending: bytearray = field(default_factory=bytearray)
    _pending_truncated: bool = False
    _sink: Callable[[bytes], object] | None = None

    def begin(self, mark: bytes, cap: int, sink: Callable[[bytes], object] | None = None) -> None:
        """Start a call ending at ``mark``, keeping at most ``cap`` bytes of its output
        (each kept piece also handed to ``sink`` as it comes)."""
        self._mark, self._cap, self._sink = mark, cap, sink
        self.output, self.truncated = bytearray(), self._pending_truncated
        self.reply, self.reply_too_long, self.done = None, False, False
        self._in_reply, self._reply = False, bytearray()
        waiting, self._pending, self._pending_truncated = self._pending, bytearray(), False
        self._scan = bytearray()
        if waiting:
            self.feed(bytes(waiting))

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the stream (b"" means end of file)."""
        if not chunk:
            self.closed = True
            return
        if self._mark is None or self.done:
            self._wait(chunk)
            return
        self._scan += chunk
        while not self.done and (self._take_reply() if self._in_reply else self._find_mark()):
            pass

    def _find_mark(self) -> bool:
        """Move past the mark (True), or emit what cannot be part of one (False)."""
        assert self._mark is not None
        at = self._scan.find(self._mark)
        if at < 0:
            cut = len(self._scan) - _partial(self._scan, self._mark)
            self._emit(self._scan[:cut])
            del self._scan[:cut]
            return False
        self._emit(self._scan[:at])
        del self._scan[: at + len(self._mark)]
        if self.with_reply:
            self._in_reply = True
        else:
            self._finish()
        return True

    def _take_reply(self) -> bool:
        """Collect the reply line; True once it has ended."""
        end = self._scan.find(b"\n")
        part = self._scan if end < 0 else self._scan[:end]
        if not self.reply_too_long:
            self._reply += part
            if len(self._reply) > self.max_reply:
                self.reply_too_long, self._reply = True, bytearray()
        if end < 0:
            self._scan = bytearray()
            return False
        del self._scan[: end + 1]
        self.reply = None if self.reply_too_long else bytes(self._reply)
        self._finish()
        return True

    def _finish(self) -> None:
        self.done, self._sink = True, None
        rest, self._scan = bytes(self._scan), bytearray()
        if rest:
            self._wait(rest)

    def _emit(self, data: bytes | bytearray) -> None:
        room = self._cap - len(self.output)
        if len(data) > room:
            self.truncated = True
            data = data[: max(0, room)]
        self.output += data
        if data and self._sink is not None:
            try:
                self._sink(bytes(data))
            except Exception:
                self._sink = None

    def _wait(self, data: bytes) -> None:
        room = self.pending_cap - len(self._pending)
        if len(data) > room:
            self._pending_truncated = True
            data = data[: max(0, room)]
        self._pending += data


def _partial(data: bytearray, mark: bytes) -> int:
    """The length of the longest end of ``data`` that begins ``mark`` (a mark split across
    chunks): only those bytes wait, the rest is output at once."""
    start = max(0, len(data) - len(mark) + 1)
    while (at := data.find(mark[:1], start)) >= 0:
        if mark.startswith(data[at:]):
            return len(data) - at
        start = at + 1
    return 0
