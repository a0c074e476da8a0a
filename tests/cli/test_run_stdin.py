"""A program's standard input: `airlock run FILE --stdin PATH|-` and `guard(stdin=...)`,
with live output callbacks through `guard`. Without it stdin is empty (the control)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from airlock.audit.pipeline import guard
from airlock.audit.store import Store
from airlock.executor.models import Limits

AIRLOCK = Path(sys.executable).with_name("airlock")
ECHO = "line = input()\nprint(line.upper())\nprint(len(__import__('sys').stdin.read()))\n"


def _run(*args: str, stdin: bytes = b"", db: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(AIRLOCK), "run", *args, "--db", str(db)], input=stdin, capture_output=True, timeout=120
    )


def test_the_program_reads_what_stdin_is_given(tmp_path: Path) -> None:
    program = tmp_path / "echo.py"
    program.write_text(ECHO)
    db = tmp_path / "store.db"
    piped = _run(str(program), "--stdin", "-", stdin=b"hello\nrest\n", db=db)
    assert piped.returncode == 0 and piped.stdout == b"HELLO\n5\n", piped.stderr
    data = tmp_path / "in.txt"
    data.write_bytes(b"from a file\n")
    from_file = _run(str(program), "--stdin", str(data), db=db)
    assert from_file.returncode == 0 and from_file.stdout == b"FROM A FILE\n0\n"
    empty = _run(str(program), stdin=b"ignored\n", db=db)  # control: no --stdin, no input
    assert empty.returncode == 1 and b"EOFError" in empty.stderr


def test_stdin_usage_errors(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    both = _run("-", "--stdin", "-", stdin=b"print(1)\n", db=db)
    assert both.returncode == 2 and b"our stdin already carries the code" in both.stderr
    program = tmp_path / "p.py"
    program.write_text("print(1)\n")
    missing = _run(str(program), "--stdin", str(tmp_path / "nope"), db=db)
    assert missing.returncode == 2 and missing.stderr.count(b"\n") == 1


def test_guard_feeds_stdin_and_streams_output(tmp_path: Path) -> None:
    seen: list[bytes] = []
    with Store(str(tmp_path / "store.db")) as store:
        res = guard(
            ECHO, agent_id="a", stdin=b"abc\nxyz", limits=Limits(timeout_s=20), store=store,
            on_stdout=seen.append,
        )  # fmt: skip
    assert res.as_dict()["output"] == "ABC\n3\n"
    assert b"".join(seen) == b"ABC\n3\n"  # the callback got what the record keeps
