"""The tamper-evident ledger: one hash chain over every appended record.

`hash = SHA-256(prev_hash + canonical JSON of the record's content)`, where the
content is every column except `hash` and the cache columns, and, for a
screening, its findings. `Ledger` appends inside a write transaction (which
already holds the write lock, see `audit.db.write_session`); `audit.verify` walks the
chain in `seq` order and reports the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Integer,
    TypeDecorator,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from airlock.audit.tables import (
    CACHE_COLUMNS,
    CHAINED,
    ChainHead,
    FindingRow,
)

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> str:
    """Sorted-key, whitespace-free JSON: the bytes that get hashed."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and this record's canonical content."""
    return hashlib.sha256(
        (prev_hash + canonical(content)).encode("utf-8", "surrogatepass")
    ).hexdigest()


def _normal(col_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl_instance
    if isinstance(col_type, DateTime):
        if value.tzinfo is None:  # SQLite hands back what it was given: UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(col_type, Boolean):
        return bool(value)
    if isinstance(col_type, Float):
        return float(value) + 0.0  # -0.0 comes back from SQLite as 0
    if isinstance(col_type, Integer):
        return int(value)
    return value


def content_of(
    table: str, values: dict[str, Any], findings: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The hashed content of a record given its column values (and a screening's findings)."""
    model = CHAINED[table]
    skip = CACHE_COLUMNS.get(table, frozenset()) | {"hash"}
    out = {
        c.name: _normal(c.type, values.get(c.name))
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if c.name not in skip
    }
    out["_table"] = table
    if table == "screenings":
        out["findings"] = [_finding_content(f) for f in findings]
    return out


def _finding_content(values: dict[str, Any]) -> dict[str, Any]:
    return {
        c.name: _normal(c.type, values.get(c.name))
        for c in FindingRow.__table__.columns  # type: ignore[attr-defined]
        if c.name not in ("id", "screening_id")
    }


def values_of(obj: SQLModel) -> dict[str, Any]:
    """Column values of an ORM object."""
    return {c.name: getattr(obj, c.name) for c in type(obj).__table__.columns}  # type: ignore[attr-defined]


def _strip_nul(obj: SQLModel) -> None:
    """PostgreSQL text cannot hold NUL; store U+FFFD instead, the same on every engine."""
    for name, value in values_of(obj).items():
        if isinstance(value, str) and "\x00" in value:
            setattr(obj, name, value.replace("\x00", "\ufffd"))


class Ledger:
    """Appends records to the chain inside one write transaction; `close()` moves the head.

    Rows go in with Core INSERTs (the ORM's unit of work costs more than the
    hashing); the objects passed in get their id, seq and hashes set.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()  # Core statements skip the ORM's execute path
        tbl = ChainHead.__table__  # type: ignore[attr-defined]
        head = self.conn.execute(select(tbl.c.seq, tbl.c.hash).where(tbl.c.id == 1)).first()
        self.seq = head[0] if head else 0
        self.prev = head[1] if head else GENESIS
        self._had_head = head is not None
        self._next_id: dict[str, int] = {}

    def next_id(self, model: type[SQLModel]) -> int:
        """The next free id of a table (safe: every writer holds the ledger lock)."""
        name = model.__tablename__  # type: ignore[attr-defined]
        if name not in self._next_id:
            top = self.conn.execute(select(func.max(model.__table__.c.id))).scalar()  # type: ignore[attr-defined]
            self._next_id[name] = (top or 0) + 1
        value = self._next_id[name]
        self._next_id[name] = value + 1
        return value

    def append(self, obj: SQLModel, findings: Sequence[FindingRow] = ()) -> SQLModel:
        """Give `obj` its id, place in the chain and hash, and insert it (with its findings)."""
        model = type(obj)
        table = model.__tablename__  # type: ignore[attr-defined]
        for row in (obj, *findings):
            _strip_nul(row)
        if obj.id is None:  # type: ignore[attr-defined]
            obj.id = self.next_id(model)  # type: ignore[attr-defined]
        for f in findings:
            f.screening_id = obj.id  # type: ignore[attr-defined]
        self.seq += 1
        obj.seq = self.seq  # type: ignore[attr-defined]
        obj.prev_hash = self.prev  # type: ignore[attr-defined]
        finding_values = [values_of(f) for f in findings]
        values = values_of(obj)
        obj.hash = link_hash(self.prev, content_of(table, values, finding_values))  # type: ignore[attr-defined]
        values["hash"] = self.prev = obj.hash  # type: ignore[attr-defined]
        self.conn.execute(insert(model.__table__), [values])  # type: ignore[attr-defined]
        if finding_values:
            for f in finding_values:
                f.pop("id", None)
            self.conn.execute(insert(FindingRow.__table__), finding_values)  # type: ignore[attr-defined]
        return obj

    def append_many(self, items: Sequence[tuple[SQLModel, Sequence[FindingRow]]]) -> None:
        """Append many records with one executemany per table (bulk imports and seeding)."""
        by_table: dict[Any, list[dict[str, Any]]] = {}
        found: list[dict[str, Any]] = []
        for obj, findings in items:
            model = type(obj)
            for row in (obj, *findings):
                _strip_nul(row)
            if obj.id is None:  # type: ignore[attr-defined]
                obj.id = self.next_id(model)  # type: ignore[attr-defined]
            for f in findings:
                f.screening_id = obj.id  # type: ignore[attr-defined]
            self.seq += 1
            obj.seq, obj.prev_hash = self.seq, self.prev  # type: ignore[attr-defined]
            finding_values = [values_of(f) for f in findings]
            values = values_of(obj)
            content = content_of(model.__tablename__, values, finding_values)  # type: ignore[attr-defined]
            obj.hash = values["hash"] = self.prev = link_hash(self.prev, content)  # type: ignore[attr-defined]
            by_table.setdefault(model.__table__, []).append(values)  # type: ignore[attr-defined]
            for f in finding_values:
                f.pop("id", None)
            found.extend(finding_values)
        for table, rows in by_table.items():
            self.conn.execute(insert(table), rows)
        if found:
            self.conn.execute(insert(FindingRow.__table__), found)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Record the new head (call before the transaction commits)."""
        tbl = ChainHead.__table__  # type: ignore[attr-defined]
        if self._had_head:
            stmt = update(tbl).where(tbl.c.id == 1).values(seq=self.seq, hash=self.prev)
            self.conn.execute(stmt)
        elif self.seq:
            self.conn.execute(insert(tbl).values(id=1, seq=self.seq, hash=self.prev))
            self._had_head = True
        self.session.flush()


def now() -> datetime:
    """The store's clock: aware UTC, microsecond precision on both engines."""
    return datetime.now(UTC)
