"""Schema migrations: from empty, from the previous revision, and no drift from the models."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from audit_factories import report, result
from sqlalchemy import inspect
from sqlmodel import SQLModel

from airlock.audit import migrate
from airlock.audit.db import make_engine, resolve_url
from airlock.audit.store import Store


def _indexes(engine, table: str) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes(table)}


def test_upgrade_from_empty_reaches_head_and_matches_the_models(db_url: str) -> None:
    engine = make_engine(resolve_url(db_url))
    assert migrate.current_revision(engine) is None
    assert migrate.ensure_current(engine) is True
    assert migrate.current_revision(engine) == migrate.head_revision() == migrate.HEAD
    assert migrate.ensure_current(engine) is False  # nothing left to do
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    engine.dispose()


def test_upgrade_from_previous_revision_keeps_data(db_url: str, monkeypatch) -> None:
    from airlock.audit import encoding

    engine = make_engine(resolve_url(db_url))
    monkeypatch.setattr(encoding, "CURRENT", 1)
    with Store(db_url) as old:  # records hashed as 0001's code did (hash_version 1)
        row = old.record(
            code="x=1", report=report("review", 20, ("R",)), gate_decision="ran", result=result()
        )
        old.add_review(row.id, "false-positive", by="me")
    monkeypatch.undo()
    migrate.downgrade(engine, "0001")  # a 0001 store holding them
    assert migrate.current_revision(engine) == "0001"
    assert "ix_screenings_verdict_created" not in _indexes(engine, "screenings")
    with Store(db_url) as store:  # opening upgrades
        assert migrate.current_revision(store.engine) == migrate.HEAD
        assert "ix_screenings_verdict_created" in _indexes(store.engine, "screenings")
        d = store.get(row.id)
        assert d.screening.code == "x=1" and d.findings[0].rule_id == "R"
        assert store.verify().ok and store.verify().count == 3
    migrate.downgrade(engine, "0001")
    assert migrate.current_revision(engine) == "0001"
    engine.dispose()


def test_concurrent_openers_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store(db_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = make_engine(resolve_url(db_url))
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
