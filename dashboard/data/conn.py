"""Opening the audit store for the dashboard, with one-line errors instead of tracebacks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import inspect

from airlock.audit.db import ENV_VAR, resolve_url
from airlock.audit.errors import StoreError, explain
from airlock.audit.store import Store
from airlock.audit.tables import Screening

TTL = 15  # seconds a cached query result is reused; short, so new records show up soon


class DataError(Exception):
    """The dashboard cannot read the store; the message is shown on the page as is."""


@dataclass(frozen=True)
class DbInfo:
    """Where the dashboard reads from and whether there is anything to show."""

    url: str  # the URL as configured (the cache key of every query)
    display: str  # the URL with any password hidden
    backend: str
    screenings: int


def configured_url() -> str:
    """The store URL: $AIRLOCK_DB, else the audit store's default SQLite file."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        return raw
    try:
        return resolve_url(None).render_as_string(hide_password=False)
    except (StoreError, OSError) as exc:
        raise DataError(f"cannot locate the default database: {explain(exc)}") from None


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store:
    # upgrade=False: the dashboard never migrates (or creates) a store it was pointed at.
    return Store(url, upgrade=False)


def open_store(url: str) -> Store:
    """The shared `Store` for this URL; DataError when the URL is bad or the file is missing."""
    try:
        parsed = resolve_url(url)
    except StoreError as exc:
        raise DataError(f"bad database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:" and not Path(db).is_file():
            raise DataError(
                f"no database at {db}. Create one with sample data: "
                f"`airlock demo --db {db}`, or point `airlock dashboard --db` at your store."
            )
    try:
        return _open(url)
    except StoreError as exc:
        raise DataError(f"cannot open the database: {exc}") from None
    except Exception as exc:  # driver errors: shown as one line, never a traceback
        raise DataError(f"cannot open the database: {explain(exc)}") from None


@contextmanager
def guarded(url: str) -> Iterator[Store]:
    """The store, with any failure while using it turned into a one-line DataError."""
    store = open_store(url)
    try:
        yield store
    except DataError:
        raise
    except StoreError as exc:
        raise DataError(str(exc)) from None
    except Exception as exc:  # driver errors: shown as one line, never a traceback
        raise DataError(f"cannot read the database: {explain(exc)}") from None


@st.cache_data(ttl=TTL, show_spinner=False)
def check(url: str) -> DbInfo:
    """Open the store, make sure it has Airlock's tables and count what is in it."""
    with guarded(url) as store:
        with store.engine.connect() as conn:
            has_tables = inspect(conn).has_table(Screening.__tablename__)
        if not has_tables:
            raise DataError(
                "this database has no Airlock tables. Create them with "
                "`airlock db upgrade`, or fill a demo store with `airlock demo`."
            )
        n = store.count()
    return DbInfo(
        url=url,
        display=store.display_url,
        backend=store.url.get_backend_name(),
        screenings=n,
    )
