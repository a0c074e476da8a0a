"""Bad input keeps the contract: one clear line and a documented exit code, never exit 70."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from airlock.audit import guard
from airlock.audit.migrate import HEAD
from airlock.audit.store import Store

ROOT = Path(__file__).resolve().parents[2]


def airlock(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from airlock.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "AIRLOCK_DB": str(db), "AIRLOCK_TOKEN": ""},
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "audit.db"
    Store(str(path)).close()
    return path


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["show", str(2**63)], 2, "less than or equal to 9223372036854775807"),
        (["review", "deny", str(2**70)], 2, "less than or equal"),
        (["alerts", "show", str(2**63)], 2, "less than or equal"),
        (["history", "--since", "99999999d"], 2, "out of range"),
        (["run", "-", "--timeout", "inf"], 2, "less than or equal to 86400"),
        (["run", "-", "--timeout", "nan"], 2, "--timeout"),
        (["run", "-", "--memory-mb", str(2**40)], 2, "less than or equal"),
    ],
)
def test_out_of_range_input_is_a_usage_error(
    db: Path, args: list[str], code: int, needle: str
) -> None:
    out = airlock(*args, db=db)
    assert out.returncode == code, out.stderr
    assert needle in out.stderr and "Traceback" not in out.stderr
    assert "internal error" not in out.stderr


def test_a_symlink_loop_as_the_store_is_a_store_error(tmp_path: Path, db: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    out = airlock("history", "--db", str(tmp_path / "a"), db=db)
    assert out.returncode == 1 and "Symlink loop" in out.stderr
    assert out.stderr.count("\n") == 1 and "internal error" not in out.stderr


def test_a_store_from_a_newer_airlock_is_a_clear_store_error(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.commit()
    conn.close()
    out = airlock("history", db=db)
    assert out.returncode == 1 and "newer than this Airlock" in out.stderr, out.stderr
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = ?", (HEAD,))  # negative control
    conn.commit()
    conn.close()
    assert airlock("history", db=db).returncode == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"code": None}, TypeError, "code must be str"),
        ({"code": b"print(1)"}, TypeError, "code must be str, not bytes"),
        ({"code": "print('\ud800')"}, ValueError, "code contains lone surrogates"),
        ({"code": "x", "agent_id": "a\udcff"}, ValueError, "agent_id contains lone surrogates"),
        ({"code": "x", "agent_id": 7}, TypeError, "agent_id must be str or None"),
        ({"code": "x", "limits": {"timeout_s": 1}}, TypeError, "limits must be a Limits"),
    ],
)
def test_guard_raises_documented_errors_for_wrong_arguments(
    db: Path, kwargs: dict, error: type[Exception], needle: str
) -> None:
    with Store(str(db)) as store:
        code = kwargs.pop("code")
        with pytest.raises(error, match=needle):
            guard(code, store=store, **kwargs)
        assert store.count() == 0
        assert guard("x = 1", store=store).record_id == 1  # negative control: valid input
