"""Live output (on_stdout / on_stderr as the program writes) and a bounded stdin."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from airlock.executor import Limits, run

pytestmark = pytest.mark.timeout(60)


def test_stdin_is_fed_then_ends() -> None:
    code = "import sys\nprint(input())\nprint(repr(sys.stdin.read()))\n"
    r = run(code, stdin=b"hello\nrest\n")
    assert r.exit_code == 0 and r.stdout == "hello\n'rest\\n'\n", r.stderr
    # control: without stdin the same program meets end of file at once
    empty = run(code)
    assert empty.exit_code == 1 and "EOFError" in empty.stderr


def test_stdin_cannot_be_written_and_is_bounded() -> None:
    r = run(
        "import os\ntry:\n    os.write(0, b'x')\nexcept OSError as e:\n    print(e.errno)\n",
        stdin=b"data",
    )
    assert r.stdout == "9\n", r.stderr  # EBADF: open read-only
    with pytest.raises(ValueError, match="max_stdin_bytes"):
        run("pass", stdin=b"x" * 11, limits=Limits(max_stdin_bytes=10))
    with pytest.raises(ValueError, match="bytes"):
        run("pass", stdin="text")  # type: ignore[arg-type]


def test_output_reaches_the_callbacks_while_the_program_runs(
    release_run: Callable[[str], None],
) -> None:
    """Causal, not timed: the program waits for a file `go` in its workdir, which the
    callback creates (the `release_run` fixture) on seeing the first line. Output held back
    until the end would leave the program waiting until it gives up."""
    nonce = f"mark-{uuid.uuid4().hex}"
    got: list[bytes] = []

    def seen(chunk: bytes) -> None:
        got.append(chunk)
        if len(got) == 1:
            release_run(nonce)

    code = (
        "import os, time\n"
        f"open({nonce!r}, 'w').close()\n"
        "print('first', flush=True)\n"
        "for _ in range(400):\n"
        "    if os.path.exists('go'):\n"
        "        print('released'); break\n"
        "    time.sleep(0.02)\n"
        "else:\n"
        "    print('never released')\n"
    )
    r = run(code, on_stdout=seen)
    assert r.exit_code == 0 and b"".join(got).decode() == r.stdout, r.stderr
    assert r.stdout == "first\nreleased\n", r.stdout
    # control: with no one to release it, the same program says so
    alone = run(code.replace("range(400)", "range(3)"))
    assert alone.stdout == "first\nnever released\n", alone.stderr


def test_callbacks_see_only_the_capped_bytes_and_a_raising_one_is_dropped() -> None:
    out: list[bytes] = []

    def broken(_: bytes) -> None:
        raise RuntimeError("caller bug")

    code = "import sys\nsys.stdout.write('x' * 100)\nsys.stderr.write('e' * 50)\n"
    r = run(code, limits=Limits(max_stdout_bytes=10), on_stdout=out.append, on_stderr=broken)
    assert r.exit_code == 0 and r.stdout == "x" * 10 and r.stdout_truncated
    assert b"".join(out) == b"x" * 10 and r.stderr == "e" * 50
