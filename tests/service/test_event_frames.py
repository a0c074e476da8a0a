"""The server's event frames read back by the client's reader, whatever the text and the
chunking: ASCII-only frames, one event per frame, the text intact."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from airlock.client.events import EventReader, Output, Result, event_of
from airlock.service.streaming import frame, wants_stream


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(
    texts=st.lists(st.text(), max_size=5),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
    crlf=st.booleans(),
)
def test_frames_read_back_as_the_same_events_in_any_chunking(
    texts: list[str], cuts: list[int], crlf: bool
) -> None:
    reply = {"success": True, "output": "".join(texts), "error": None}
    wire = b"".join(frame("stdout", {"text": t}) for t in texts) + frame("result", reply)
    assert wire.isascii()
    if crlf:  # a proxy may rewrite line ends: the reader takes CRLF as well
        wire = wire.replace(b"\n", b"\r\n")
    reader = EventReader()
    events = [event_of(n, d) for chunk in _chunks(wire, cuts) for n, d in reader.feed(chunk)]
    assert events == [*(Output("stdout", t) for t in texts), Result(reply)]


def test_accept_headers_that_ask_for_a_stream() -> None:
    assert wants_stream("text/event-stream")
    assert wants_stream("application/json, Text/Event-Stream;q=0.9")
    assert not wants_stream("*/*") and not wants_stream(None) and not wants_stream("text/html")
