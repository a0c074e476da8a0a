"""Bad input and broken databases: one clear line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_factories import report

from airlock.audit.errors import StoreError
from airlock.audit.store import Store

ROOT = Path(__file__).resolve().parents[2]


def airlock(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", "from airlock.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=full,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert out.returncode != 0
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("airlock: error: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def seeded(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with one held item; $AIRLOCK_TOKEN holds a reviewer's token."""
    with Store(sqlite_url) as s:
        s.record(code="x", report=report("review", 30, ("R",)), gate_decision="held_for_review")
        monkeypatch.setenv("AIRLOCK_TOKEN", s.add_reviewer("rita"))
    return sqlite_url


def test_unknown_ids(seeded: str) -> None:
    assert_one_line_error(airlock("show", "999", "--db", seeded), "no screening with id 999")
    assert_one_line_error(airlock("alerts", "ack", "7", "--db", seeded), "no alert with id 7")


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("postgresql+psycopg://", "names no database"),
        ("postgresql+psycopg://u:p@127.0.0.1:1/db", "cannot connect"),
    ],
)
def test_malformed_or_unreachable_urls(url: str, needle: str) -> None:
    assert_one_line_error(airlock("history", "--db", url), needle)


def test_corrupt_database_file(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(os.urandom(8192))
    assert_one_line_error(airlock("history", "--db", str(bad)), "corrupt")
    assert_one_line_error(airlock("audit", "verify", "--db", str(bad)), "corrupt")
    with pytest.raises(StoreError, match="corrupt"):
        Store(str(bad))


def test_bad_arguments(seeded: str) -> None:
    from typer.testing import CliRunner

    from airlock.cli import app

    for args, needle, code in [
        (["history", "--since", "soon"], "cannot read the time", 2),
        (["history", "--verdict", "maybe"], "unknown verdict", 2),
        (["export", "--format", "xml"], "only jsonl", 2),
        (["review", "accept-risk", "1", "--expires", "never"], "cannot read", 2),
        (["review", "deny", "42"], "no screening with id 42", 1),
        (["alerts", "show", "7"], "no alert with id 7", 1),
        (["history", "--db", "mysql://u@h/db"], "unsupported database", 1),
        (["history", "--db", "sqlite+weird:///x.db"], "unsupported SQLite driver", 1),
        (["history", "--db", "/no/such/dir/a.db"], "does not exist", 1),
    ]:
        if "--db" not in args:
            args = [*args, "--db", seeded]
        out = CliRunner().invoke(app, args)
        assert out.exit_code == code, (args, out.output)
        assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
        lines = out.output.strip().splitlines()
        assert (
            lines == [lines[0]] and lines[0].startswith("airlock: error: ") and needle in lines[0]
        )


def test_locked_database(seeded: str) -> None:
    holder = sqlite3.connect(seeded, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        out = airlock("review", "deny", "1", "--db", seeded, env={"AIRLOCK_DB_TIMEOUT": "0.5"})
        assert_one_line_error(out, "locked")
        reading = airlock("history", "--db", seeded, env={"AIRLOCK_DB_TIMEOUT": "0.5"})
        assert reading.returncode == 0, reading.stderr  # WAL: readers are not blocked
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert airlock("review", "deny", "1", "--db", seeded).returncode == 0


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        [
            "mount",
            "-t",
            "tmpfs",
            "-o",
            f"size={size}",
            f"airlock-{uuid.uuid4().hex[:6]}",
            str(where),
        ],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A size-limited tmpfs (root only), unmounted afterwards."""
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "1m"):
        pytest.skip("cannot mount a size-limited tmpfs here (needs root and mount rights)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path) -> None:
    """Write until the file system says it is full."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_full_disk(small_disk: Path) -> None:
    db = str(small_disk / "audit.db")
    with Store(db) as s:
        s.record(code="x", report=report("review", 30, ("R",)), gate_decision="held_for_review")
    _fill(small_disk)
    # the error comes at open (no room for the -shm file) or at a write
    with pytest.raises(StoreError, match=r"disk") as caught, Store(db) as s:
        for i in range(200):
            s.record(code=f"{i}" * 20_000, report=report(), gate_decision="blocked")
    assert "full" in str(caught.value)
    out = airlock("review", "deny", "1", "--note", "n" * 100_000, "--db", db)
    assert_one_line_error(out, "full")
    (small_disk / "filler").unlink()
    with Store(db) as s:
        assert s.verify().ok  # nothing half-written


def test_read_only_database(small_disk: Path) -> None:
    db = str(small_disk / "audit.db")
    with Store(db) as s:
        s.record(code="x", report=report("review", 30, ("R",)), gate_decision="held_for_review")
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
    assert_one_line_error(airlock("review", "deny", "1", "--db", db), "read-only")
    out = airlock("history", "--db", db)
    assert out.returncode == 0 or "Traceback" not in out.stderr
    if out.returncode != 0:
        assert_one_line_error(out)
