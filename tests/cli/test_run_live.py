"""`airlock run` passes the program's output on while it runs: a line printed before a
long sleep arrives while the program still runs; escape sequences on stderr arrive
visible, split across writes or not; the summary still starts a line of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

AIRLOCK = Path(sys.executable).with_name("airlock")
pytestmark = pytest.mark.timeout(120)


def test_output_arrives_while_the_program_runs(tmp_path: Path) -> None:
    program = tmp_path / "slow.py"
    program.write_text("import time\nprint('first', flush=True)\ntime.sleep(4)\nprint('second')\n")
    proc = subprocess.Popen(
        [str(AIRLOCK), "run", str(program), "--db", str(tmp_path / "s.db"), "--timeout", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    still_running = proc.poll() is None
    rest, err = proc.communicate(timeout=60)
    assert first == b"first\n" and still_running, err
    assert rest == b"second\n" and proc.returncode == 0
    assert err.decode().splitlines()[-1].startswith("airlock:")


def test_live_stderr_is_made_visible_and_the_summary_keeps_its_line(tmp_path: Path) -> None:
    program = tmp_path / "hide.py"
    program.write_text(
        "import sys, time\n"
        "sys.stderr.write('\\x1b'); sys.stderr.flush(); time.sleep(0.3)\n"
        "sys.stderr.write('[8mhidden \\u00e9'.encode().decode()); sys.stderr.flush()\n"
        "sys.stderr.buffer.write('\\u00e9'.encode()[:1]); sys.stderr.flush(); time.sleep(0.3)\n"
        "sys.stderr.buffer.write('\\u00e9'.encode()[1:]); sys.stderr.flush()\n"
    )
    done = subprocess.run(
        [str(AIRLOCK), "run", str(program), "--db", str(tmp_path / "s.db")],
        capture_output=True,
        timeout=60,
    )
    err = done.stderr.decode()
    assert "\x1b" not in err and "\\x1b[8mhidden é" in err  # one character, split in two writes
    assert "éé" in err
    lines = err.splitlines()
    assert lines[-1].startswith("airlock:") and not lines[-2].startswith("airlock:")


def test_json_output_is_not_streamed(tmp_path: Path) -> None:
    program = tmp_path / "p.py"
    program.write_text("print('only in the JSON')\n")
    done = subprocess.run(
        [str(AIRLOCK), "run", str(program), "--json", "--db", str(tmp_path / "s.db")],
        capture_output=True,
        timeout=60,
    )
    assert done.stdout.count(b"\n") == 1  # one JSON object, no program output before it
    assert json.loads(done.stdout)["stdout"] == "only in the JSON\n"
