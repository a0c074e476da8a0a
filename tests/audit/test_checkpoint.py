"""A chain anchored outside the store: signed checkpoints of the head, and the database's
own integrity check, through the real `airlock audit` commands on SQLite and PostgreSQL.

Each attack first beats the keyless chain on its own (plain `audit verify` passes: the
negative control), then fails against a checkpoint taken before it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from audit_factories import rechain, report, result
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from airlock.audit import checkpoint as cpmod
from airlock.audit.db import make_engine, resolve_url
from airlock.audit.store import Store
from airlock.audit.tables import CHAINED, ChainHead, FindingRow, Screening
from airlock.cli import app


def _cli(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(app, list(args))
    return out.exit_code, out.output


def _fill(url: str, n: int = 3) -> None:
    with Store(url) as store:
        for i in range(n):
            store.record(
                code=f"x = {i}",
                report=report("review", 20, ("R",)),
                gate_decision="ran",
                result=result(),
                agent_id=f"agent-{i}",
            )
        store.record(code="import os", report=report("block", 90, ("B",)), gate_decision="blocked")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "checkpoint.key"


def _checkpoint(url: str, key: Path, out: Path) -> Path:
    code, output = _cli("audit", "checkpoint", "--db", url, "--key", str(key), "--out", str(out))
    assert code == 0, output
    return out


def _verify(url: str, key: Path | None = None, cp: Path | None = None) -> tuple[int, str]:
    args = ["audit", "verify", "--db", url]
    if cp is not None:
        args += ["--checkpoint", str(cp), "--key", str(key)]
    return _cli(*args)


def _hash_at(conn, seq: int) -> str | None:
    for model in CHAINED.values():
        tbl = model.__table__  # type: ignore[attr-defined]
        found = conn.execute(select(tbl.c.hash).where(tbl.c.seq == seq)).scalar()
        if found is not None:
            return found
    return None


def test_an_untouched_store_holds_its_checkpoint_and_records_after_it_chain_on(
    db_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(db_url)
    cp = _checkpoint(db_url, key, tmp_path / "cp.json")
    code, output = _verify(db_url, key, cp)
    assert code == 0 and "checkpoint seq 7 of" in output and "holds" in output, output
    _fill(db_url, 1)  # records appended after the checkpoint
    code, output = _verify(db_url, key, cp)
    assert code == 0 and "OK: 10 records" in output, output


def test_a_rewrite_that_recomputes_every_hash_fails_against_the_checkpoint(
    db_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(db_url)
    cp = _checkpoint(db_url, key, tmp_path / "cp.json")
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            update(Screening.__table__).where(Screening.id == 1).values(agent_id="someone-else")
        )  # type: ignore[attr-defined]
    engine.dispose()
    assert _verify(db_url)[0] == 1  # an edit alone is caught by the chain
    rechain(db_url)
    code, output = _verify(db_url)
    assert code == 0, output  # control: the keyless chain cannot see a full rewrite
    code, output = _verify(db_url, key, cp)
    assert code == 1 and "records up to it were rewritten" in output, output


def test_deleting_the_newest_records_and_moving_the_head_back_fails(
    db_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(db_url)
    cp = _checkpoint(db_url, key, tmp_path / "cp.json")
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        newest = conn.execute(select(Screening.id).where(Screening.seq == 7)).scalar()
        conn.execute(delete(FindingRow.__table__).where(FindingRow.screening_id == newest))  # type: ignore[attr-defined]
        conn.execute(delete(Screening.__table__).where(Screening.id == newest))  # type: ignore[attr-defined]
        sixth = _hash_at(conn, 6)
        conn.execute(update(ChainHead.__table__).values(seq=6, hash=sixth))  # type: ignore[attr-defined]
    engine.dispose()
    assert _verify(db_url)[0] == 0  # control
    code, output = _verify(db_url, key, cp)
    assert code == 1 and "ends at seq 6" in output, output


def test_emptying_the_store_fails(db_url: str, key: Path, tmp_path: Path) -> None:
    _fill(db_url)
    cp = _checkpoint(db_url, key, tmp_path / "cp.json")
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        for name in ("findings", *reversed(list(CHAINED)), "chain_head"):
            conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()
    code, output = _verify(db_url)
    assert code == 0 and "OK: 0 records" in output, output  # control
    code, output = _verify(db_url, key, cp)
    assert code == 1 and "ends at seq 0" in output, output


def test_rolling_back_to_an_older_copy_of_the_store_fails(
    sqlite_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(sqlite_url)
    old = tmp_path / "older.db"
    shutil.copyfile(sqlite_url, old)
    _fill(sqlite_url, 2)
    cp = _checkpoint(sqlite_url, key, tmp_path / "cp.json")
    shutil.copyfile(old, sqlite_url)
    assert _verify(sqlite_url)[0] == 0  # control: the old copy is a valid chain
    code, output = _verify(sqlite_url, key, cp)
    assert code == 1 and "ends at seq 7" in output, output


def test_a_forged_or_foreign_checkpoint_is_refused(
    sqlite_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(sqlite_url)
    cp = _checkpoint(sqlite_url, key, tmp_path / "cp.json")
    body = json.loads(cp.read_text())
    body["seq"] = 1  # claims a shorter history
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(body))
    code, output = _verify(sqlite_url, key, forged)
    assert code == 1 and "signature does not verify" in output, output
    other = _checkpoint(sqlite_url, tmp_path / "other.key", tmp_path / "other.json")
    code, output = _verify(sqlite_url, key, other)
    assert code == 1 and "not the trusted key" in output, output
    code, output = _verify(sqlite_url, tmp_path / "other.key", other)
    assert code == 0, output  # control: the same checkpoint holds under its own key


def test_an_auditor_verifies_with_the_public_key_alone(
    sqlite_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(sqlite_url)
    cp = _checkpoint(sqlite_url, key, tmp_path / "cp.json")
    code, pem = _cli("audit", "public-key", "--key", str(key))
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----"), pem
    public = tmp_path / "auditor.pem"
    public.write_text(pem)
    code, output = _verify(sqlite_url, public, cp)
    assert code == 0 and "holds" in output, output


def test_the_key_is_created_private_and_refused_when_others_can_read_it(
    sqlite_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(sqlite_url, 1)
    code, line = _cli("audit", "checkpoint", "--db", sqlite_url, "--key", str(key))
    assert code == 0 and json.loads(line)["seq"] == 3, line  # stdout without --out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    os.chmod(key, 0o640)
    code, output = _cli("audit", "checkpoint", "--db", sqlite_url, "--key", str(key))
    assert code == 2 and "open to other users" in output and output.count("\n") == 1, output


def test_a_malformed_checkpoint_file_is_a_one_line_usage_error(
    sqlite_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(sqlite_url, 1)
    bad = tmp_path / "bad.json"
    for content in ("", "{", '{"format": "airlock-checkpoint/1"}', "[1]", "x" * 70000):
        bad.write_text(content)
        code, output = _verify(sqlite_url, key, bad)
        assert code == 2 and output.startswith("airlock: error:") and output.count("\n") == 1, (
            output
        )
    code, output = _verify(sqlite_url, key, tmp_path / "missing.json")
    assert code == 2 and "cannot read" in output, output


@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300),
        st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=70)).map(json.dumps),
    )
)
def test_parsing_any_text_yields_a_checkpoint_or_a_checkpoint_error(data: str | bytes) -> None:
    with contextlib.suppress(cpmod.CheckpointError):
        cpmod.parse(data)


def test_a_damaged_sqlite_page_fails_verify_though_the_chain_would_hold(sqlite_url: str) -> None:
    """The issue's case: a page overwritten in the file (an index, a row the chain never
    reads) that the hash chain alone does not notice."""
    with Store(sqlite_url) as store:
        for i in range(40):
            store.record(
                code=f"print({i})\n" + "# padding\n" * 40,
                report=report(),
                gate_decision="ran",
                result=result(),
            )
    code, output = _verify(sqlite_url)
    assert code == 0 and "integrity_check ok" in output, output
    size = os.path.getsize(sqlite_url)
    pages = size // 4096
    assert pages > 8
    missed, chain_alone_held = [], []
    clean = Path(sqlite_url + ".clean")
    shutil.copyfile(sqlite_url, clean)
    for page in range(1, pages):
        shutil.copyfile(clean, sqlite_url)
        with open(sqlite_url, "r+b") as handle:
            handle.seek(page * 4096)
            handle.write(bytes((page * 7 + i) % 256 for i in range(4096)))
        code, output = _verify(sqlite_url)
        if code == 0:
            missed.append(page)
        else:
            assert code == 1 and output.count("\n") == 1, output
        if _chain_alone_holds(sqlite_url):
            chain_alone_held.append(page)
    clean.unlink()
    assert not missed, f"pages overwritten without verify noticing: {missed}"
    assert chain_alone_held, "control: some damage is invisible to the hash chain alone"


def _chain_alone_holds(url: str) -> bool:
    """The keyless chain walk without the integrity check (the old `verify`)."""
    from airlock.audit.verify import verify

    engine = make_engine(resolve_url(url))
    try:
        with Session(engine) as session:
            return verify(session).ok
    except Exception:  # a page the walk reads may fail to decode: then the chain noticed
        return False
    finally:
        engine.dispose()


def test_rewriting_the_exact_code_of_a_record_breaks_verify(db_url: str) -> None:
    """code_b64 (exact bytes of code with NUL) sits beside the hashed columns; a rewrite of
    it must not pass as intact, or `airlock show` would display other code."""
    import base64

    with Store(db_url) as store:
        store.record(code="x = 1\x00", report=report(), gate_decision="blocked")
    assert _verify(db_url)[0] == 0  # control
    forged = base64.b64encode(b"import os; os.system('rm -rf ~')").decode()
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(update(Screening.__table__).values(code_b64=forged))  # type: ignore[attr-defined]
    engine.dispose()
    code, output = _verify(db_url)
    assert code == 1 and "does not match the screened code's sha256" in output, output


def test_no_checkpoint_of_a_broken_chain_and_no_key_through_a_symlink(
    sqlite_url: str, key: Path, tmp_path: Path
) -> None:
    _fill(sqlite_url, 1)
    _checkpoint(sqlite_url, key, tmp_path / "cp.json")  # control: an intact chain is signed
    link = tmp_path / "link.key"
    link.symlink_to(key)
    code, output = _cli("audit", "checkpoint", "--db", sqlite_url, "--key", str(link))
    assert code == 2 and "a symlink" in output, output
    code, output = _cli("audit", "public-key", "--key", str(tmp_path / "typo.key"))
    assert code == 2 and "no checkpoint key" in output and not (tmp_path / "typo.key").exists()
    engine = make_engine(resolve_url(sqlite_url))
    with engine.begin() as conn:
        conn.execute(update(Screening.__table__).where(Screening.id == 1).values(agent_id="x"))  # type: ignore[attr-defined]
    engine.dispose()
    code, output = _cli("audit", "checkpoint", "--db", sqlite_url, "--key", str(key))
    assert code == 1 and "not signing a broken chain" in output, output
