"""Output files come back through `guard(...).as_dict()` in standard base64, byte-exact,
and `airlock show` lists them (a file name is the program's text: shown escaped)."""

from __future__ import annotations

import base64
from pathlib import Path

from typer.testing import CliRunner

from airlock.audit.pipeline import guard
from airlock.audit.store import Store
from airlock.cli import app
from airlock.executor.models import Limits

# 25,600 bytes with every byte value, the size at which URL-safe and standard base64 differed
WRITER = (
    "data = bytes(range(256)) * 100\n"
    "open('blob.bin', 'wb').write(data)\n"
    "open('bad\\x1b[8mname.txt', 'w').write('x')\n"
    "print('wrote')\n"
)


def test_files_come_back_exact_and_show_lists_them(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    with Store(db) as store:
        res = guard(WRITER, agent_id="writer", limits=Limits(timeout_s=20), store=store)
    data = res.as_dict()
    assert data["success"] is True and data["stderr"] == "", data
    files = {f["name"]: f for f in data["files"]}
    blob = files["blob.bin"]
    assert (
        blob["size"] == 25_600
        and base64.b64decode(blob["content_base64"]) == bytes(range(256)) * 100
    )
    shown = CliRunner().invoke(app, ["show", str(res.record_id), "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "file: blob.bin (25600 bytes)" in shown.output
    assert "\x1b" not in shown.output and "name.txt" in shown.output  # escaped, not raw
