"""Schema migrations (Alembic), run in-process under the store's write lock.

`Store` calls `ensure_current` when it opens, so a new Airlock version upgrades
an existing database on first use; `airlock db upgrade` does the same explicitly.
Concurrent openers serialise on the write lock and the second finds nothing to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from airlock.audit.db import ADVISORY_LOCK_KEY
from airlock.audit.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HEAD = "0009"  # the newest revision in migrations/versions (a test keeps them in step)


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this version of Airlock (read from the scripts)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade (or downgrade, for a revision below the current one) under the write lock."""
    from alembic import command

    cfg = alembic_config()
    writer = engine.execution_options(airlock_write=True)
    with writer.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade to `revision` (tests use it to build the previous schema)."""
    from alembic import command

    cfg = alembic_config()
    writer = engine.execution_options(airlock_write=True)
    with writer.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def ensure_current(engine: Engine) -> bool:
    """Upgrade to head if needed; True when something was applied.

    The common case (already at HEAD) is one query and does not import Alembic.
    """
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if found == [HEAD]:
            return False
        newer = [r for r in found if r.isdigit() and len(r) == len(HEAD) and r > HEAD]
        if newer:
            raise StoreError(
                f"the store is at schema revision {newer[0]}, newer than this Airlock's "
                f"({HEAD}); use a newer Airlock with it"
            )
    except (OperationalError, ProgrammingError) as exc:
        if "alembic_version" not in str(exc):
            raise  # not "no such table": a real failure (corrupt file, no server, …)
    upgrade(engine)
    return True
