"""Where the audit store lives and how to connect to it.

SQLite by default (a file in the user's data directory), PostgreSQL by URL.
Writers take the database's write lock *before* they read the chain head:
`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL.

Durability on SQLite (WAL mode): a commit is in the WAL file when it returns, so it
survives any crash of the writing process (`synchronous = NORMAL`, the setting of every
transaction). A *durable* transaction, the record of a run about to start (the intent,
or an approval that runs held code), commits with `synchronous = FULL`: the WAL is
fsynced before the code starts, so the record also survives a power loss or a kernel
crash the code might cause. Any later commit that such a crash loses (a run's result)
leaves the record "interrupted", never missing. PostgreSQL commits durably throughout.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from airlock.audit.errors import StoreError

ENV_VAR = "AIRLOCK_DB"
TIMEOUT_ENV_VAR = "AIRLOCK_DB_TIMEOUT"  # seconds a writer waits for the lock
ADVISORY_LOCK_KEY = 0x4149524C  # "AIRL": one lock for the whole ledger
_WRITE = "airlock_write"
_DURABLE = "airlock_durable"  # fsync the commit (SQLite: synchronous = FULL)
_SYNC = "airlock_synchronous"  # the connection's current synchronous level


def default_path() -> Path:
    """The SQLite file used when neither `--db` nor $AIRLOCK_DB is given."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("airlock")) / "airlock.db"


def resolve_url(db: str | os.PathLike[str] | None = None) -> URL:
    """Turn `--db` / $AIRLOCK_DB / the default into a SQLAlchemy URL (a path means SQLite)."""
    raw = os.fspath(db) if db is not None else os.environ.get(ENV_VAR) or None
    if raw is None:
        path = default_path()
        private_dir(path.parent)
        return URL.create("sqlite", database=str(path))
    raw = raw.strip()
    if not raw:
        raise StoreError("empty database URL")
    if "://" not in raw:
        try:
            path = Path(raw).expanduser().resolve()
        except (RuntimeError, OSError, ValueError) as exc:  # a symlink loop, a NUL in the path
            raise StoreError(f"cannot use the database path {raw!r}: {exc}") from None
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"malformed database URL {raw!r}: {exc}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise StoreError(f"unsupported SQLite driver {url.drivername!r}")
        return url
    if backend == "postgresql":
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        if url.drivername != "postgresql+psycopg":
            raise StoreError(
                f"unsupported PostgreSQL driver {url.drivername!r}; use postgresql+psycopg://"
            )
        if not url.database:
            raise StoreError(
                f"database URL {url.render_as_string(hide_password=True)!r} names no database"
            )
        return url
    raise StoreError(
        f"unsupported database {backend!r}: use a file path, sqlite:/// or postgresql+psycopg://"
    )


def private_dir(path: Path) -> None:
    """Create the store's directory 0700 (its parents as usual); an existing one is kept."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileExistsError):
            path.mkdir(mode=0o700)
        os.chmod(path, 0o700)


def _private_file(path: str) -> None:
    """Create the SQLite file 0600 before SQLite does (its -wal/-shm files follow its mode)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # read-only or missing directory: SQLite reports it in its own words
    os.close(fd)


def lock_timeout() -> float:
    """Seconds a writer waits for the write lock (from $AIRLOCK_DB_TIMEOUT, default 30)."""
    try:
        return max(0.0, float(os.environ.get(TIMEOUT_ENV_VAR, "30")))
    except ValueError:
        return 30.0


def make_engine(url: URL) -> Engine:
    """An engine with Airlock's connection settings for this backend."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    timeout_ms = int(lock_timeout() * 1000)
    options = f"-c lock_timeout={timeout_ms}"
    if "options" in url.query:  # e.g. ?options=-csearch_path%3Dteam_a
        options = f"{url.query['options']} {options}"
        url = url.difference_update_query(["options"])
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": 10, "options": options}
    )


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        parent = Path(url.database).parent
        if not parent.is_dir():
            raise StoreError(f"directory {parent} does not exist")
        if not url.database.startswith("file:"):
            _private_file(url.database)
    timeout = lock_timeout()
    engine = create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            record.info[_SYNC] = "NORMAL"
        except sqlite3.OperationalError:
            pass  # a read-only file keeps its journal mode; reads still work
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        write = options.get(_WRITE, False)
        if write:  # the level is the connection's and cannot change inside a transaction
            level = "FULL" if options.get(_DURABLE, False) else "NORMAL"
            if conn.info.get(_SYNC) != level:
                conn.exec_driver_sql(f"PRAGMA synchronous = {level}")
                conn.info[_SYNC] = level
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def _writer_queue(engine: Engine) -> Iterator[None]:
    """Queue SQLite writers on a lock file next to the database.

    SQLite's busy handler sleeps in growing steps (up to 100 ms) while it waits,
    so four writers spend most of their time asleep with the lock free; an
    flock handed over at once keeps the database busy. `BEGIN IMMEDIATE` still
    does the real locking (a writer without the file is still serialised).
    """
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    try:
        fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # read-only directory: rely on BEGIN IMMEDIATE alone
        yield
        return
    try:
        deadline = time.monotonic() + lock_timeout()
        delay = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        "the database is locked by another writer (waited and gave up; try again)"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.002)
        yield
    finally:
        os.close(fd)  # releases the lock


def _lock(conn: Connection) -> None:
    """Take the ledger's write lock now, before any read (SQLite: BEGIN IMMEDIATE has)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")


@contextmanager
def write_session(engine: Engine, *, durable: bool = False) -> Iterator[Session]:
    """A session whose transaction holds the ledger's write lock from its first statement
    (``durable``: its commit is fsynced, see the module's docstring)."""
    writer = engine.execution_options(**{_WRITE: True, _DURABLE: durable})
    with (
        _writer_queue(engine),
        Session(writer, expire_on_commit=False) as session,
        session.begin(),
    ):
        _lock(session.connection())  # BEGIN IMMEDIATE now, before any read
        yield session


@contextmanager
def write_connection(engine: Engine, *, durable: bool = False) -> Iterator[Connection]:
    """As `write_session`, for Core statements only (no ORM unit of work): the ledger's
    own appends, where the ORM's per-statement work costs more than the database's."""
    writer = engine.execution_options(**{_WRITE: True, _DURABLE: durable})
    with _writer_queue(engine), writer.connect() as conn, conn.begin():
        _lock(conn)
        yield conn


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction for Core statements."""
    with engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work (one snapshot)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
