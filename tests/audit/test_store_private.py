"""The store out of reach of other users: 0600 files in a 0700 directory."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from audit_factories import report

from airlock.audit.store import Store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_files_are_created_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which gives 0644 files
    try:
        plain = tmp_path / "plain.db"
        sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.close()
        assert _mode(plain) == 0o644  # negative control: what a store got before
        db = tmp_path / "audit.db"
        with Store(str(db)) as store:
            store.record(code="x", report=report(), gate_decision="blocked")
            files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.lock")]
            assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        os.umask(old)


def test_the_default_store_directory_is_0700(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRLOCK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with Store() as store:
        path = Path(store.url.database or "")
    assert path.parent == tmp_path / "data" / "airlock"
    assert _mode(path.parent) == 0o700 and _mode(path) == 0o600
