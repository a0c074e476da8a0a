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


def test_a_str_that_names_a_file_is_refused_as_ambiguous(tmp_path) -> None:
    """guard(files={"in.csv": "/tmp/x.csv"}) must not send the path's text as the file."""
    import pathlib

    import pytest

    from airlock.executor.workfiles import load_inputs

    real = tmp_path / "x.csv"
    real.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"is the name of a file; pass pathlib\.Path"):
        load_inputs({"in.csv": str(real)})
    assert load_inputs({"in.csv": pathlib.Path(real)}) == {"in.csv": b"a,b\n1,2\n"}
    assert load_inputs({"in.csv": str(real).encode()}) == {"in.csv": str(real).encode()}
    missing = str(tmp_path / "nope.csv")  # control: text that names no file is text
    assert load_inputs({"n.txt": missing, "t.txt": "a,b\n1,2\n"}) == {
        "n.txt": missing.encode(),
        "t.txt": b"a,b\n1,2\n",
    }
