"""CallStream cuts a session's stream into calls whatever the chunking (property tests)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from airlock.executor.call_stream import CallStream

MARK = b"\x1eairlock:" + b"ab" * 16 + b"\x1e"


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(
    out=st.binary(max_size=300),
    reply=st.binary(max_size=100).filter(lambda b: b"\n" not in b),
    after=st.binary(max_size=50),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=20),
    cap=st.integers(min_value=0, max_value=400),
)
def test_output_reply_and_what_follows_whatever_the_chunking(
    out: bytes, reply: bytes, after: bytes, cuts: list[int], cap: int
) -> None:
    s = CallStream(with_reply=True)
    s.begin(MARK, cap)
    for chunk in _chunks(out + MARK + reply + b"\n" + after, cuts):
        s.feed(chunk)
    if MARK in out:  # output that holds the exact mark ends the call there (needs the nonce)
        return
    assert s.done and s.reply == reply
    assert bytes(s.output) == out[:cap] and s.truncated == (len(out) > cap)
    s.begin(MARK, 1000)  # what came after the reply is the next call's
    s.feed(b"x" + MARK + b"{}\n")
    assert bytes(s.output) == after + b"x" and s.reply == b"{}"


@given(out=st.binary(max_size=200), cuts=st.lists(st.integers(0, 300), max_size=10))
def test_a_stream_without_reply_ends_at_the_mark(out: bytes, cuts: list[int]) -> None:
    s = CallStream(with_reply=False)
    s.begin(MARK, 10_000)
    for chunk in _chunks(out + MARK, cuts):
        s.feed(chunk)
    assert s.done or MARK not in out + MARK
    if MARK not in out:
        assert bytes(s.output) == out


def test_a_partial_mark_never_ends_a_call_and_an_overlong_reply_is_refused() -> None:
    s = CallStream(with_reply=True, max_reply=10)
    s.begin(MARK, 1000)
    s.feed(MARK[:-1] + b"!")
    assert not s.done
    s.feed(MARK + b"x" * 50 + b"\n")
    assert bytes(s.output) == MARK[:-1] + b"!"
    assert s.done and s.reply is None and s.reply_too_long


def test_end_of_file_is_seen_and_pending_output_is_capped() -> None:
    s = CallStream(with_reply=False, pending_cap=4)
    s.feed(b"between calls")
    s.begin(MARK, 100)
    s.feed(b"")
    assert s.closed and not s.done
    s.feed(MARK)
    assert bytes(s.output) == b"betw" and s.truncated and s.done


@given(
    out=st.binary(max_size=300),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=20),
    cap=st.integers(min_value=0, max_value=400),
)
def test_the_sink_sees_exactly_the_kept_output_and_nothing_after_the_call(
    out: bytes, cuts: list[int], cap: int
) -> None:
    seen: list[bytes] = []
    s = CallStream(with_reply=True)
    s.begin(MARK, cap, seen.append)
    for chunk in _chunks(out + MARK + b"{}\n" + b"later", cuts):
        s.feed(chunk)
    if MARK in out:
        return
    assert b"".join(seen) == bytes(s.output) == out[:cap]
    assert all(seen)  # never an empty piece
    s.feed(b"more")  # between calls: waits for the next call, not for this call's sink
    assert b"".join(seen) == out[:cap]


def test_a_sink_that_raises_is_dropped_and_the_call_goes_on() -> None:
    calls: list[bytes] = []

    def broken(piece: bytes) -> None:
        calls.append(piece)
        raise RuntimeError("caller bug")

    s = CallStream(with_reply=False)
    s.begin(MARK, 1000, broken)
    s.feed(b"one" * 40)  # longer than a mark: judged at once
    s.feed(b"two" * 40 + MARK)
    assert s.done and bytes(s.output) == b"one" * 40 + b"two" * 40
    assert len(calls) == 1 and calls[0].startswith(b"one")


def test_output_is_held_back_only_while_it_may_begin_a_mark() -> None:
    seen: list[bytes] = []
    s = CallStream(with_reply=False)
    s.begin(MARK, 1000, seen.append)
    s.feed(b"first\n")
    assert seen == [b"first\n"]  # nothing in it can begin a mark: passed on at once
    s.feed(b"x" + MARK[:5])
    assert seen == [b"first\n", b"x"]  # the mark's first bytes wait to be judged
    s.feed(b"!")
    assert b"".join(seen) == b"first\nx" + MARK[:5] + b"!"
