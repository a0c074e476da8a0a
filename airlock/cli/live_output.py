"""A program's output passed to our own stream while it runs (`airlock run`).

Chunks are decoded incrementally (a character split across two chunks waits for its
rest) and, when the stream is a terminal, or always for stderr, which Airlock's summary
shares, control characters are made visible as they pass, so nothing the program writes
can hide, move or rewrite Airlock's own lines. Into a file or a pipe stdout stays raw.
"""

from __future__ import annotations

import codecs
from typing import Any

from airlock.cli.common import visible
from airlock.cli.run_outcome import write


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class LiveOutput:
    """A callback for `on_stdout` / `on_stderr`; `received` counts the bytes it was given."""

    def __init__(self, stream: Any, *, always_safe: bool = False) -> None:
        self.stream = stream
        self.safe = always_safe or is_terminal(stream)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.received = 0
        self.ends_line = True  # the last character written was a newline (or none yet)

    def __call__(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.received += len(chunk)
        self._emit(self._decoder.decode(chunk))

    def finish(self) -> None:
        """Flush a character left incomplete at the end."""
        self._emit(self._decoder.decode(b"", final=True))

    def _emit(self, text: str) -> None:
        if text:
            write(self.stream, visible(text) if self.safe else text)
            self.ends_line = text.endswith("\n")
