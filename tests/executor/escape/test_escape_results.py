"""Escape cases aimed at the result itself: hostile names and bytes the run hands back, and
input files the code must not be able to change on the host.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

import pytest
from escape_support import confined, new_marker, program, started, unconfined

from airlock.executor import ExecutionResult, OutputFile

pytestmark = [pytest.mark.timeout(60)]

HOSTILE_OUTPUTS = (
    "import os, sys\n"
    "open(b'\\xff\\xfe-not-utf8.bin', 'wb').write(b'x')\n"
    "open('new\\nline.txt', 'w').write('y')\n"
    "os.mkfifo('pipe.fifo')\n"
    "os.symlink('/etc/passwd', 'passwd-link')\n"
    "sys.stdout.buffer.write(b'\\xff\\x00\\xc3(bad\\n')\n"
    "sys.stderr.buffer.write(b'\\xed\\xa0\\x80 lone surrogate\\n')\n"
)


def test_hostile_output_names_and_bytes_still_give_a_serialisable_result() -> None:
    """A result that cannot be serialised breaks `airlock run --json` and the audit record."""
    marker = new_marker()
    result, wall = confined(marker, HOSTILE_OUTPUTS)
    started(result, marker)
    assert result.exit_code == 0 and result.killed_reason is None, result.killed_reason
    assert wall < 10, "a FIFO in the workdir blocked the collection of outputs"
    restored = ExecutionResult.model_validate_json(result.model_dump_json())
    assert len(restored.files) == len(result.files)
    # Control: the serialisation check does fail on a raw undecodable file name.
    raw = ExecutionResult(files=[OutputFile(name=os.fsdecode(b"\xff.bin"), size=1)])
    with pytest.raises(ValueError):
        raw.model_dump_json()


def test_input_files_are_copies_the_code_cannot_change() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        host_file = Path(tmp) / "data.csv"
        host_file.write_text("a,b\n1,2\n")
        before = hashlib.sha256(host_file.read_bytes()).hexdigest()
        body = (
            "import os\n"
            "for mode in ('w', 'a'):\n"
            "    try:\n        open('data.csv', mode).write('tampered')\n"
            "    except OSError as e:\n        print('denied', mode, e)\n"
            "try:\n    os.chmod('data.csv', 0o666); open('data.csv', 'w').write('t')\n"
            "except OSError as e:\n    print('denied chmod', e)\n"
        )
        marker = new_marker()
        result, _ = confined(marker, body, files={"data.csv": host_file})
        started(result, marker)
        assert hashlib.sha256(host_file.read_bytes()).hexdigest() == before
        assert "denied" in result.stdout, "a read-only input file was writable"
        # Control: an executor that linked inputs into the workdir would let the code write.
        work = Path(tmp) / "work"
        work.mkdir()
        (work / "data.csv").symlink_to(host_file)
        unconfined(program(marker, body), cwd=work)
        assert hashlib.sha256(host_file.read_bytes()).hexdigest() != before


def test_writable_inputs_come_back_changed_without_touching_the_host() -> None:
    token = secrets.token_hex(8)
    with tempfile.TemporaryDirectory() as tmp:
        host_file = Path(tmp) / "data.txt"
        host_file.write_text("original")
        marker = new_marker()
        body = f"open('data.txt', 'w').write('changed {token}')\n"
        result, _ = confined(marker, body, files={"data.txt": host_file}, files_writable=True)
        started(result, marker)
        assert host_file.read_text() == "original"
        changed = [f for f in result.files if f.name == "data.txt"]
        assert changed and changed[0].content == f"changed {token}".encode()


def test_binary_output_file_round_trips_through_json() -> None:
    """Programs write images and pickles; the result must still serialise and come back equal."""
    payload = bytes(range(256)) * 4
    marker = new_marker()
    result, _ = confined(marker, f"open('blob.bin', 'wb').write({payload!r})\n")
    started(result, marker)
    blob = [f for f in result.files if f.name == "blob.bin"]
    assert blob and blob[0].content == payload
    restored = ExecutionResult.model_validate_json(result.model_dump_json())
    assert [f.content for f in restored.files if f.name == "blob.bin"] == [payload]
