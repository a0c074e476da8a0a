"""The report pipe's wire format: every message survives the trip; nothing else is believed."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.executor import report

names = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)
messages = st.one_of(
    st.builds(report.InitPid, st.integers(1, 1 << 22)),
    st.builds(
        report.Status,
        st.integers(0, 0xFFFF),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
        st.integers(0, 1 << 40),
    ),
    st.builds(
        report.Timings, st.lists(st.tuples(names, st.integers(0, 10**15)), max_size=8).map(tuple)
    ),
    st.builds(report.SetupError, names, st.text(max_size=300)),
)


@given(st.lists(messages, max_size=10), st.integers(1, 64))
def test_messages_round_trip_in_any_chunking(sent: list[report.Message], chunk: int) -> None:
    wire = b"".join(report.encode(m) for m in sent)
    assert all(len(report.encode(m)) <= report.PIPE_BUF for m in sent)
    decoder = report.Decoder()
    got: list[report.Message] = []
    for i in range(0, len(wire), chunk):
        got += decoder.feed(wire[i : i + chunk])
    got += decoder.close()
    assert got == sent


@given(st.binary(max_size=2000))
def test_arbitrary_bytes_decode_without_raising(data: bytes) -> None:
    decoder = report.Decoder()
    got = decoder.feed(data) + decoder.close()
    reports = report.Reports()
    reports.add(got)
    for msg in got:
        assert isinstance(msg, report.Message)


@pytest.mark.parametrize(
    "line",
    [
        b"I -5",
        b"I 0",
        b"I 99999999999999999999999999",
        b"I 12 extra",
        b"S 256 0.1",
        b"S 256 nan 10",
        b"S 256 inf 10",
        b"S 70000 0.1 10",
        b"S 0 1e999 10",
        b"T proc=abc",
        b"T =5",
        b"T Proc=5",
        b"E",
        b"E tree_kill",
        b"E Tree-Kill boom",
        b"E exec \\x",
        b"E exec \xff\xfe",
        b"X 1",
        b"",
        b"\x00\x01\x02",
    ],
)
def test_hostile_lines_are_malformed_with_a_reason(line: bytes) -> None:
    msg = report.decode_line(line)
    assert isinstance(msg, report.Malformed), msg
    assert msg.why and msg.raw == line[:256]


def test_malformed_lines_never_count_as_status_or_init() -> None:
    reports = report.Reports()
    decoder = report.Decoder()
    reports.add(decoder.feed(b"S 0 0.1\nI x\nS 9 0.5 100\nI 42\nI 43\n") + decoder.close())
    assert reports.status == report.Status(9, 0.5, 100)
    assert reports.init_pid == 42  # the first one the helper sent
    assert len(reports.malformed) == 2


def test_an_endless_line_is_dropped_not_buffered() -> None:
    decoder = report.Decoder()
    for _ in range(40):
        assert decoder.feed(b"x" * 4096) == []
    assert len(decoder._pending) <= report.MAX_PENDING
    tail = decoder.feed(b"\nI 7\n")
    assert isinstance(tail[0], report.Malformed) and tail[1] == report.InitPid(7)
    # negative control: an unterminated short line is reported as such on close
    decoder.feed(b"I 8")
    assert isinstance(decoder.close()[0], report.Malformed)


def test_a_long_error_is_cut_to_one_atomic_write() -> None:
    line = report.encode(report.SetupError("exec", "\u2603" * 5000))
    assert len(line) <= report.PIPE_BUF and line.endswith(b"\n")
    msg = report.decode_line(line[:-1])
    assert isinstance(msg, report.SetupError) and set(msg.message) == {"\u2603"}


def test_invalid_messages_are_refused_by_the_writer() -> None:
    for bad in (
        report.InitPid(0),
        report.Status(-1, 0.0, 0),
        report.Status(0, float("nan"), 0),
        report.Timings((("Bad Name", 1),)),
        report.SetupError("no spaces", "x"),
    ):
        with pytest.raises(ValueError):
            report.encode(bad)


def test_send_writes_one_line_to_a_pipe() -> None:
    r, w = os.pipe()
    try:
        report.send(w, report.InitPid(1234))
        assert os.read(r, 100) == b"I 1234\n"
    finally:
        os.close(r)
        os.close(w)


def test_only_one_n_with_one_descriptor_gives_the_egress_listener() -> None:
    """The first ``N`` with exactly one descriptor is kept; a second, or a descriptor with
    any other message, is closed unused (never mistaken for the listener)."""
    made = [os.open(os.devnull, os.O_RDONLY) for _ in range(5)]  # none reused below
    got = report.Reports()
    got.add(report.Decoder().feed(b"I 7\n"), [made[0]])  # with the wrong message: closed
    assert got.egress_fd is None and got.init_pid == 7
    got.add(report.Decoder().feed(b"N\n"), [made[1], made[2]])  # two at once: both closed
    assert got.egress_fd is None
    got.add(report.Decoder().feed(report.encode(report.EgressListenerFd())), [made[3]])
    assert got.egress_fd == made[3]  # control: the real one is kept
    got.add(report.Decoder().feed(b"N\n"), [made[4]])  # a second one: closed
    assert got.egress_fd == made[3]
    for fd in (*made[:3], made[4]):
        with pytest.raises(OSError):
            os.fstat(fd)
    os.close(made[3])
