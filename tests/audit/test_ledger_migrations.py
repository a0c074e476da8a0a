"""The ledger survives its own migrations: each hashed table declares the fields its hash
covers, so a migration that adds a column to every hashed table leaves every earlier
record verifying (`airlock audit verify`, the real command, on SQLite and PostgreSQL)."""

from __future__ import annotations

from audit_factories import report, result
from sqlalchemy import text
from typer.testing import CliRunner

from airlock.audit.db import make_engine, resolve_url
from airlock.audit.encoding import CURRENT, ENCODINGS
from airlock.audit.store import Store
from airlock.cli import app

HASHED = tuple(ENCODINGS[CURRENT].tables)


def _fill(url: str) -> int:
    with Store(url) as store:
        first = store.record(
            code="x = 1", report=report("review", 20, ("R",)), gate_decision="ran", result=result()
        )
        store.add_review(first.id, "false-positive", by="reviewer")
        store.record(code="import os", report=report("block", 90, ("B",)), gate_decision="blocked")
        return int(first.id)


def _verify(url: str) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["audit", "verify", "--db", url])
    return out.exit_code, out.output


def _add_a_column_everywhere(url: str) -> None:
    engine = make_engine(resolve_url(url))
    with engine.begin() as conn:
        for table in HASHED:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN added_later TEXT DEFAULT 'new'"))
    engine.dispose()


def test_adding_a_column_to_every_hashed_table_keeps_the_chain_verifying(db_url: str) -> None:
    _fill(db_url)
    assert _verify(db_url)[0] == 0
    _add_a_column_everywhere(db_url)
    code, output = _verify(db_url)
    assert code == 0, output
    assert output.startswith("OK")


def test_records_appended_after_the_migration_chain_onto_the_old_ones(db_url: str) -> None:
    _fill(db_url)
    _add_a_column_everywhere(db_url)
    with Store(db_url) as store:
        store.record(code="y = 2", report=report(), gate_decision="ran", result=result())
    code, output = _verify(db_url)
    assert code == 0, output


def test_an_edited_hashed_field_is_still_caught_after_the_migration(db_url: str) -> None:
    """Negative control: the migration does not blunt verify."""
    first = _fill(db_url)
    _add_a_column_everywhere(db_url)
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE screenings SET code = 'x = 2' WHERE id = :i"), {"i": first})
    engine.dispose()
    code, output = _verify(db_url)
    assert code == 1, output
    assert f"screening {first}" in output or str(first) in output


def test_an_unknown_hash_version_is_reported_never_passed(db_url: str) -> None:
    first = _fill(db_url)
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE screenings SET hash_version = 99 WHERE id = :i"), {"i": first})
    engine.dispose()
    code, output = _verify(db_url)
    assert code == 1, output
    assert "99" in output or "unknown" in output.lower()


def test_records_of_two_encoding_versions_verify_together(db_url: str, monkeypatch) -> None:
    """A new encoding (here: the next version stops hashing `scan_ms`) applies to new
    records; records written under the current one keep verifying under theirs, and
    relabelling one record's version is caught."""
    from dataclasses import replace

    from airlock.audit import encoding

    now, later = CURRENT, CURRENT + 1
    base = encoding.ENCODINGS[now]
    tables = dict(base.tables)
    tables["screenings"] = tuple(f for f in base.tables["screenings"] if f[0] != "scan_ms")
    monkeypatch.setitem(encoding.ENCODINGS, later, replace(base, version=later, tables=tables))
    first = _fill(db_url)  # the current version
    monkeypatch.setattr(encoding, "CURRENT", later)
    with Store(db_url) as store:
        newer = store.record(code="z = 3", report=report(), gate_decision="ran", result=result())
    engine = make_engine(resolve_url(db_url))
    with engine.connect() as conn:
        versions = dict(conn.execute(text("SELECT id, hash_version FROM screenings")).all())
    assert versions[first] == now and versions[newer.id] == later
    code, output = _verify(db_url)
    assert code == 0, output
    with engine.begin() as conn:  # negative control: claim the newer version for an older record
        conn.execute(
            text("UPDATE screenings SET hash_version = :v WHERE id = :i"), {"v": later, "i": first}
        )
    engine.dispose()
    assert _verify(db_url)[0] == 1
