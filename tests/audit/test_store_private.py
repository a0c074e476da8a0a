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


def test_a_run_can_neither_read_nor_lock_a_store_it_can_see(tmp_path: Path) -> None:
    """The store under the interpreter prefix (part of the sandbox's read-only host view)."""
    import shutil
    import sys
    import tempfile

    from airlock.audit.pipeline import guard
    from airlock.executor import probe_layers
    from airlock.executor.models import Limits

    missing = [str(layer) for layer in probe_layers() if layer.status != "active"]
    if missing:
        pytest.skip(f"not every executor layer is available here: {missing}")
    try:
        base = Path(
            tempfile.mkdtemp(prefix="airlock-test-store-", dir=Path(sys.base_prefix) / "lib")
        )
    except OSError as exc:
        pytest.skip(f"cannot create a directory under the interpreter prefix: {exc}")
    try:
        base.chmod(0o755)  # a directory others may list, as such places are
        old = base / "old.db"  # negative control: a store file as it was created before (0644)
        old_conn = sqlite3.connect(old)
        old_conn.execute("CREATE TABLE t (x)")
        old_conn.close()
        old.chmod(0o644)
        db = base / "audit.db"
        probe = (
            "import fcntl, os\n"
            "print('uid', os.getuid())\n"
            f"for p in ({str(old)!r}, {str(db)!r}):\n"
            "    try:\n"
            "        fd = os.open(p, os.O_RDONLY)\n"
            "        head = os.read(fd, 15)\n"
            "        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 1073741824)\n"
            "        print(p, 'READ', head)\n"
            "    except OSError as e:\n"
            "        print(p, 'DENIED', e.errno)\n"
        )
        with Store(str(db)) as store:
            store.record(code="secret-stdout", report=report(), gate_decision="blocked")
            res = guard(probe, store=store, limits=Limits(timeout_s=10))
        out = res.result.stdout if res.result else ""
        if f"uid {os.getuid()}\n" in out:
            pytest.skip(
                "runs execute under our own uid here; hiding the store then needs the executor "
                "to mask its directory, which it offers no hook for"
            )
        if f"{old} READ" not in out:
            pytest.skip(f"the interpreter prefix is not visible to runs here: {out!r}")
        assert f"{db} DENIED 13" in out, out  # neither read nor lock: 0600, not ours
    finally:
        shutil.rmtree(base, ignore_errors=True)
