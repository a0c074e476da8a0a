"""The database's own integrity check, run before the chain is walked.

The hash chain covers the hashed columns of each record; it cannot see a damaged page
in an index, in the free list or in a row it never reads. SQLite's
`PRAGMA integrity_check` reads every page. PostgreSQL has no equivalent that an
ordinary role may run; what it offers (data checksums, verified on every read) is
reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

_SHOWN = 3  # integrity_check can list thousands of problems; the first few tell the story


@dataclass(frozen=True)
class Integrity:
    """`ok` is True (checked, sound), False (checked, damaged) or None (not checkable)."""

    ok: bool | None
    detail: str


def check(session: Session) -> Integrity:
    """Run the engine's integrity check on the store behind `session`."""
    dialect = session.get_bind().dialect.name
    try:
        if dialect == "sqlite":
            rows = [str(r) for r in session.execute(text("PRAGMA integrity_check")).scalars()]
            if rows == ["ok"]:
                return Integrity(True, "SQLite integrity_check ok")
            more = f" (+{len(rows) - _SHOWN} more)" if len(rows) > _SHOWN else ""
            shown = "; ".join(" ".join(r.split())[:160] for r in rows[:_SHOWN])
            return Integrity(False, f"SQLite integrity_check failed: {shown}{more}")
        if dialect == "postgresql":
            on = session.execute(text("SHOW data_checksums")).scalar()
            how = "verified on every read" if on == "on" else "off: damaged pages go unnoticed"
            return Integrity(None, f"PostgreSQL: no page check run; data checksums {how}")
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        return Integrity(
            False, f"the database could not be checked: {' '.join(str(orig).split())[:200]}"
        )
    return Integrity(None, f"no integrity check for {dialect}")
