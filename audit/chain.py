"""The tamper-evident ledger: one hash chain over every appended record.

`hash = SHA-256(prev_hash + canonical JSON of the record's content)`, where the
content is the fields its `hash_version` declares (`audit.encoding`) and, for a
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

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from airlock.audit import encoding
from airlock.audit.encoding import encoding_of
from airlock.audit.tables import ChainHead, FindingRow

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> str:
    """Sorted-key, whitespace-free JSON: the bytes that get hashed."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and this record's canonical content."""
    return hashlib.sha256(
        (prev_hash + canonical(content)).encode("utf-8", "surrogatepass")
    ).hexdigest()


def content_of(
    table: str, values: dict[str, Any], findings: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The hashed content of a record under the encoding its `hash_version` names.

    Raises `UnknownEncoding` when this Airlock does not know that version.
    """
    return encoding_of(values.get("hash_version")).content(table, values, findings)


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
        self.encoding = encoding.current()

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
        self.append_many([(obj, findings)])
        return obj

    def append_many(self, items: Sequence[tuple[SQLModel, Sequence[FindingRow]]]) -> None:
        """Append records in order, with one executemany per table."""
        by_table: dict[Any, list[dict[str, Any]]] = {}
        found: list[dict[str, Any]] = []
        for obj, findings in items:
            values, finding_values = self._link(obj, findings)
            by_table.setdefault(type(obj).__table__, []).append(values)  # type: ignore[attr-defined]
            found.extend(finding_values)
        for table, rows in by_table.items():
            self.conn.execute(insert(table), rows)
        if found:
            self.conn.execute(insert(FindingRow.__table__), found)  # type: ignore[attr-defined]

    def _link(
        self, obj: SQLModel, findings: Sequence[FindingRow]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Place `obj` next in the chain and hash it; its row and its findings' rows to insert."""
        model = type(obj)
        for row in (obj, *findings):
            _strip_nul(row)
        if obj.id is None:  # type: ignore[attr-defined]
            obj.id = self.next_id(model)  # type: ignore[attr-defined]
        for f in findings:
            f.screening_id = obj.id  # type: ignore[attr-defined]
        self.seq += 1
        obj.seq, obj.prev_hash = self.seq, self.prev  # type: ignore[attr-defined]
        obj.hash_version = self.encoding.version  # type: ignore[attr-defined]
        finding_values = [values_of(f) for f in findings]
        values = values_of(obj)
        content = self.encoding.content(model.__tablename__, values, finding_values)  # type: ignore[attr-defined]
        obj.hash = values["hash"] = self.prev = link_hash(self.prev, content)  # type: ignore[attr-defined]
        for f in finding_values:
            f.pop("id", None)
        return values, finding_values

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
