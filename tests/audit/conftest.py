"""Fixtures for the audit tests: a fresh store on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from audit_factories import PG_SKIP, pg_base, pg_schema_url

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A path to a fresh SQLite file."""
    return str(tmp_path / "audit.db")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a private schema on the test PostgreSQL server (skipped without one)."""
    base = pg_base()
    if base is None:
        pytest.skip(PG_SKIP)
    with pg_schema_url(base) as url:
        yield url


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database on each engine."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database to copy (migrating every test's file is slow)."""
    from airlock.audit.store import Store

    path = tmp_path_factory.mktemp("template") / "audit.db"
    Store(str(path)).close()
    return path


@pytest.fixture
def store(request: pytest.FixtureRequest, db_url: str, sqlite_template: Path) -> Iterator[object]:
    """An opened (migrated) store on each engine."""
    import shutil

    from airlock.audit.store import Store

    if "://" not in db_url:
        shutil.copyfile(sqlite_template, db_url)
    with Store(db_url) as s:
        yield s
