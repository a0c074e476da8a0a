"""The tamper-evident ledger: one hash chain over every appended record.

`hash = SHA-256(prev_hash + canonical JSON of the record's content)`, where the
content is the fields its `hash_version` declares (`audit.encoding`) and, for a
screening, its findings. `Ledger` appends inside a write transaction (which
already holds the write lock, see `audit.db.write_session`); `audit.verify` walks the
chain in `seq` order and reports the first broken link.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
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


def _strip_nul(obj: SQLModel, values: dict[str, Any]) -> None:
    """PostgreSQL text cannot hold NUL; store U+FFFD instead, the same on every engine
    (in the row's values and on the object)."""
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            values[name] = value.replace("\x00", "\ufffd")
            setattr(obj, name, values[name])


@functools.cache
def _head_query(models: tuple[type[SQLModel], ...]) -> Select[Any]:
    """The chain head's seq and hash, and the top id of each of ``models``, in one SELECT
    (NULL where there is none yet)."""
    tbl = ChainHead.__table__  # type: ignore[attr-defined]
    return select(
        select(tbl.c.seq).where(tbl.c.id == 1).scalar_subquery(),
        select(tbl.c.hash).where(tbl.c.id == 1).scalar_subquery(),
        *(select(func.max(m.__table__.c.id)).scalar_subquery() for m in models),  # type: ignore[attr-defined]
    )


@functools.cache
def _insert(table: Any) -> Insert:
    return insert(table)


@functools.cache
def _move_head() -> Update:
    tbl = ChainHead.__table__  # type: ignore[attr-defined]
    return (
        update(tbl)
        .where(tbl.c.id == 1)
        .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
    )


class Ledger:
    """Appends records to the chain inside one write transaction; `close()` moves the head.

    Rows go in with Core INSERTs (the ORM's unit of work costs more than the
    hashing); the objects passed in get their id, seq and hashes set. ``db`` is the
    transaction's ORM session or its Core connection; ``ids`` names the tables the
    caller will append to, whose next ids are read with the head (one statement).
    """

    def __init__(self, db: Session | Connection, ids: Sequence[type[SQLModel]] = ()) -> None:
        self.session = db if isinstance(db, Session) else None
        # Core statements skip the ORM's execute path
        self.conn = db.connection() if isinstance(db, Session) else db
        models = tuple(ids)
        row = self.conn.execute(_head_query(models)).one()
        self._had_head = row[0] is not None
        self.seq = row[0] if self._had_head else 0
        self.prev = row[1] if self._had_head else GENESIS
        self._next_id: dict[str, int] = {
            m.__tablename__: (top or 0) + 1  # type: ignore[attr-defined]
            for m, top in zip(models, row[2:], strict=True)
        }
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
            self.conn.execute(_insert(table), rows)
        if found:
            self.conn.execute(_insert(FindingRow.__table__), found)  # type: ignore[attr-defined]

    def _link(
        self, obj: SQLModel, findings: Sequence[FindingRow]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Place `obj` next in the chain and hash it; its row and its findings' rows to insert."""
        model = type(obj)
        if obj.id is None:  # type: ignore[attr-defined]
            obj.id = self.next_id(model)  # type: ignore[attr-defined]
        for f in findings:
            f.screening_id = obj.id  # type: ignore[attr-defined]
        self.seq += 1
        obj.seq, obj.prev_hash = self.seq, self.prev  # type: ignore[attr-defined]
        obj.hash_version = self.encoding.version  # type: ignore[attr-defined]
        finding_values = []
        for f in findings:
            fv = values_of(f)
            _strip_nul(f, fv)
            finding_values.append(fv)
        values = values_of(obj)
        _strip_nul(obj, values)
        content = self.encoding.content(model.__tablename__, values, finding_values)  # type: ignore[attr-defined]
        obj.hash = values["hash"] = self.prev = link_hash(self.prev, content)  # type: ignore[attr-defined]
        for f in finding_values:
            f.pop("id", None)
        return values, finding_values

    def close(self) -> None:
        """Record the new head (call before the transaction commits)."""
        if self._had_head:
            self.conn.execute(_move_head(), {"head_seq": self.seq, "head_hash": self.prev})
        elif self.seq:
            tbl = ChainHead.__table__  # type: ignore[attr-defined]
            self.conn.execute(insert(tbl).values(id=1, seq=self.seq, hash=self.prev))
            self._had_head = True
        if self.session is not None:
            self.session.flush()


def now() -> datetime:
    """The store's clock: aware UTC, microsecond precision on both engines."""
    return datetime.now(UTC)
