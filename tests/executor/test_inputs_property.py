"""Arbitrary caller input gets a clear ValueError or is accepted; never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.executor import environment, run, workfiles

pytestmark = pytest.mark.timeout(120)


@given(st.dictionaries(st.text(max_size=20), st.binary(max_size=50), max_size=4))
def test_file_names_are_validated(files: dict[str, bytes]) -> None:
    try:
        loaded = workfiles.load_inputs(files)
    except ValueError:
        return
    for name in loaded:
        assert not name.startswith("/") and ".." not in name.split("/") and "\0" not in name


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4))
def test_environment_is_validated(env: dict[str, str]) -> None:
    try:
        clean = environment.validate(env)
    except ValueError:
        return
    built = environment.build(clean, "/w")
    assert all(b"=" not in k and b"\0" not in v for k, v in built.items())
    assert built[b"HOME"] == b"/w" or "HOME" in clean


@settings(max_examples=12, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_code_never_raises(code: str) -> None:
    r = run(code)
    assert r.refused is None and (r.exit_code is not None or r.signal is not None)
