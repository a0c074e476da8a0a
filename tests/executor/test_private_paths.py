"""Registered private files (the audit store) are out of every run's view wherever they lie:
here, inside site-packages, which a run otherwise reads. Each case has its control."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sysconfig
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from executor_support import need

from airlock.executor import Limits, private_paths, run

pytestmark = [pytest.mark.timeout(90), need("filesystem")]

SECRET = "recorded-stdout-of-another-run"

PROBE = """
import fcntl, os, sys
site = [p for p in sys.path if p.startswith('/run/airlock-site/') or p.endswith('site-packages')][0]
path = os.path.join(site, {rel!r})
try:
    with open(path, 'rb') as f:
        data = f.read()
    print('read', len(data), {secret!r}.encode() in data)
    with open(path, 'rb') as f:
        fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        print('locked')
except OSError as exc:
    print('refused', type(exc).__name__)
"""


@pytest.fixture
def site_dir() -> Iterator[Path]:
    """A fresh directory inside the site-packages a run sees (writable by the tester)."""
    site = Path(sysconfig.get_paths()["purelib"])
    if not (site.is_dir() and os.access(site, os.W_OK)):
        pytest.skip(f"cannot write into {site} to plant a store there")
    d = site / f"airlock-private-{uuid.uuid4().hex[:12]}"
    d.mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _store(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (SECRET,))
    conn.commit()
    conn.close()
    path.chmod(0o644)  # readable by any uid: only the view keeps it out
    return path


def _probe(rel: str) -> str:
    out = run(PROBE.format(rel=rel, secret=SECRET), limits=Limits(timeout_s=20))
    assert out.exit_code == 0, out.stderr
    return out.stdout


def test_an_unregistered_store_is_readable_control(site_dir: Path) -> None:
    _store(site_dir / "store.db")
    shown = _probe(f"{site_dir.name}/store.db")
    assert "read" in shown and "True" in shown and "locked" in shown, shown


def test_a_registered_store_directory_is_covered(site_dir: Path) -> None:
    db = _store(site_dir / "store.db")
    private_paths.hide(db)
    shown = _probe(f"{site_dir.name}/store.db")
    assert shown.strip() == "refused FileNotFoundError", shown
    assert db.read_bytes().count(SECRET.encode()) == 1  # the host's file is untouched


def test_a_store_beside_what_the_run_needs_is_masked_with_its_siblings(site_dir: Path) -> None:
    # The store file sits directly in site-packages, which the run must keep: the file and
    # its name-sharing siblings (WAL, lock) are masked, the rest of the directory stays.
    site = site_dir.parent
    name = f"{site_dir.name}.db"
    db = _store(site / name)
    wal = site / f"{name}-wal"
    wal.write_text(SECRET)
    try:
        private_paths.hide(db)
        for rel in (name, f"{name}-wal"):
            shown = _probe(rel)
            assert "True" not in shown and "read 0" in shown, (rel, shown)
        # control: a file of the same directory that is not the store is still readable
        (site_dir / "peer.txt").write_text(SECRET)
        assert "True" in _probe(f"{site_dir.name}/peer.txt")
    finally:
        db.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)


def test_cover_keeps_directories_the_run_needs() -> None:
    private_paths.hide("/opt/airlock-test-store/x.db")
    dirs, _ = private_paths.cover(("/usr", "/opt/airlock-test-store/venv"))
    assert "/opt/airlock-test-store" not in dirs  # it holds a needed path: masked file-wise
    dirs, _ = private_paths.cover(("/usr",))
    assert "/opt/airlock-test-store" in dirs


def test_opening_a_store_there_keeps_it_out_of_runs(site_dir: Path) -> None:
    from airlock.audit.store import Store

    db = site_dir / "audit.db"
    with Store(str(db)) as store:
        store.record(code="print(1)", report=None, gate_decision="error", error="x")
    db.chmod(0o644)  # even readable by any uid
    shown = _probe(f"{site_dir.name}/audit.db")
    assert shown.strip() == "refused FileNotFoundError", shown
