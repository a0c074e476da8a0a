"""Capped capture: the kept bytes are exactly a prefix and truncation is flagged iff bytes were lost."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.executor import supervise

pytestmark = pytest.mark.timeout(60)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=4000), max_size=12), st.integers(0, 30_000))
def test_capture_keeps_a_prefix_and_flags_truncation(chunks: list[bytes], cap: int) -> None:
    r, w = os.pipe()
    supervise.widen(w)
    try:
        for chunk in chunks:
            os.write(w, chunk)
        os.close(w)
        os.set_blocking(r, False)
        stream = supervise.Stream(r, cap)
        devnull = os.open(os.devnull, os.O_WRONLY)
        supervise.drain([stream], devnull)
        os.close(devnull)
    finally:
        os.close(r)
    data = b"".join(chunks)
    assert bytes(stream.data) == data[:cap]
    assert stream.truncated == (len(data) > cap)
    assert not stream.open
