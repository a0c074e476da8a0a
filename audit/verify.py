"""`airlock audit verify`: walk the ledger in order and report the first broken link.

Each record's hash is recomputed under the encoding its `hash_version` names; a
version this Airlock does not know is a break, never a pass. Besides each
record's hash and link, it checks the cache columns (a screening's
review state and outcome, an alert's state and events) against the records
they are derived from, and the chain head against the newest record.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from airlock.audit.chain import GENESIS, content_of, link_hash
from airlock.audit.encoding import UnknownEncoding
from airlock.audit.intents import INTERRUPTED
from airlock.audit.tables import CHAINED, AlertChange, ChainHead, Execution, FindingRow, Review

_PAGE = 2000


class Break(BaseModel):
    """The first place where the chain does not hold."""

    seq: int
    table: str
    record_id: int | None
    problem: str


class VerifyReport(BaseModel):
    """The outcome of `verify`: how many records held, and the first break if any."""

    ok: bool
    count: int
    head_seq: int
    first_break: Break | None = None
    database: str | None = None  # the engine's own integrity check, when it ran
    checkpoint: str | None = None  # the signed checkpoint the store was held to, if any

    def line(self) -> str:
        """One human line."""
        extra = "".join(f"; {part}" for part in (self.checkpoint, self.database) if part)
        if self.ok:
            return f"OK: {self.count} records, chain intact{extra}"
        b = self.first_break
        assert b is not None
        if b.table == "database":
            return f"BROKEN: {b.problem}"
        where = f"{b.table} id {b.record_id}" if b.record_id is not None else b.table
        return (
            f"BROKEN at seq {b.seq} ({where}): {b.problem}; {self.count} records verified "
            f"before it{extra}"
        )


def _stream(session: Session, table: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    model = CHAINED[table]
    tbl = model.__table__  # type: ignore[attr-defined]
    last = 0
    while True:
        rows = [
            dict(r._mapping)
            for r in session.execute(
                select(tbl).where(tbl.c.seq > last).order_by(tbl.c.seq).limit(_PAGE)
            )
        ]
        if not rows:
            return
        if table == "screenings":
            ids = [r["id"] for r in rows]
            ft = FindingRow.__table__  # type: ignore[attr-defined]
            found: dict[int, list[dict[str, Any]]] = {}
            q = select(ft).where(ft.c.screening_id.in_(ids)).order_by(ft.c.id)
            for f in session.execute(q):
                found.setdefault(f.screening_id, []).append(dict(f._mapping))
            for r in rows:
                r["_findings"] = found.get(r["id"], [])
        if table in ("screenings", "alerts"):
            _check_caches(session, table, rows)
        for r in rows:
            yield r["seq"], table, r
        last = rows[-1]["seq"]


def _latest(session: Session, model: Any, key: Any, ids: list[int], col: str) -> dict[int, Any]:
    """The `col` value of the newest `model` row per parent id."""
    out: dict[int, Any] = {}
    for parent, value in session.execute(
        select(key, getattr(model, col)).where(key.in_(ids)).order_by(model.id)
    ):
        out[parent] = value
    return out


def _check_caches(session: Session, table: str, rows: list[dict[str, Any]]) -> None:
    """Mark rows whose cache columns disagree with the records they are derived from."""
    ids = [r["id"] for r in rows]
    if table == "screenings":
        reviews = _latest(session, Review, Review.screening_id, ids, "state")
        runs = _latest(session, Execution, Execution.screening_id, ids, "outcome")
        approved = set(
            session.scalars(
                select(Review.screening_id).where(
                    Review.screening_id.in_(ids),  # type: ignore[attr-defined]
                    Review.state == "approved",
                )
            )
        )
        for r in rows:
            held = "open" if r["gate_decision"] == "held_for_review" else None
            want = reviews.get(r["id"], held)
            # a run decided on (by the gate or an approval) with no result: interrupted
            meant = r["gate_decision"] == "ran" or r["id"] in approved
            outcome = runs.get(r["id"], INTERRUPTED if meant else None)
            if r["review_state"] != want:
                r["_cache"] = (
                    f"review_state {r['review_state']!r} disagrees with its reviews ({want!r})"
                )
            elif r["outcome"] != outcome:
                r["_cache"] = f"outcome {r['outcome']!r} disagrees with its runs ({outcome!r})"
        return
    states: dict[int, str] = {}
    events: dict[int, set[int]] = {}
    q = select(AlertChange.alert_id, AlertChange.state, AlertChange.event_ids)
    for alert_id, state, event_ids in session.execute(
        q.where(AlertChange.alert_id.in_(ids)).order_by(AlertChange.id)
    ):
        states[alert_id] = state
        events.setdefault(alert_id, set()).update(event_ids or [])
    for r in rows:
        if r["state"] != states.get(r["id"]):
            r["_cache"] = (
                f"state {r['state']!r} disagrees with its changes ({states.get(r['id'])!r})"
            )
        elif sorted(r["event_ids"] or []) != sorted(events.get(r["id"], set())):
            r["_cache"] = "event_ids disagree with its changes"


def _problem(seq: int, expected_seq: int, prev: str, table: str, row: dict[str, Any]) -> str | None:
    if seq != expected_seq:
        what = "missing" if seq > expected_seq else "duplicated"
        return f"record with seq {expected_seq} is {what} (deleted or renumbered)"
    if row["prev_hash"] != prev:
        return "prev_hash does not match the previous record's hash"
    findings = row.pop("_findings", [])
    cache_problem = row.pop("_cache", None)
    try:
        content = content_of(table, row, findings)
    except UnknownEncoding as exc:
        return str(exc)
    if link_hash(prev, content) != row["hash"]:
        return "content does not match its hash (edited)"
    if table == "screenings":
        code_problem = _exact_code_problem(row)
        if code_problem:
            return code_problem
    return cache_problem


def _exact_code_problem(row: dict[str, Any]) -> str | None:
    """`code_b64` (the exact bytes, when the text column cannot hold them) is not hashed
    itself: it must match the hashed `code_sha256`, or what is shown and run would differ."""
    import base64
    import binascii
    import hashlib

    raw = row.get("code_b64")
    if raw is None:
        return None
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return "code_b64 is not base64 (edited)"
    if hashlib.sha256(data).hexdigest() != row.get("code_sha256"):
        return "the exact code (code_b64) does not match the screened code's sha256 (edited)"
    return None


def verify(session: Session) -> VerifyReport:
    """Walk the whole chain in order; stop at the first record that does not hold."""
    head = session.get(ChainHead, 1)
    head_seq = head.seq if head else 0
    expected_seq, prev, count = 1, GENESIS, 0
    streams = [_stream(session, t) for t in CHAINED]
    for seq, table, row in heapq.merge(*streams, key=lambda item: item[0]):
        problem = _problem(seq, expected_seq, prev, table, row)
        if problem is not None:
            brk = Break(seq=seq, table=table, record_id=row.get("id"), problem=problem)
            return VerifyReport(ok=False, count=count, head_seq=head_seq, first_break=brk)
        prev, expected_seq, count = row["hash"], expected_seq + 1, count + 1
    problem = None
    if head is None and count:
        problem = "the chain head is missing"
    elif head is not None and head.seq != count:
        problem = f"the head says {head.seq} records but {count} are present (newest deleted?)"
    elif head is not None and head.hash != prev:
        problem = "the head's hash does not match the newest record"
    if problem:
        brk = Break(seq=count + 1, table="chain_head", record_id=None, problem=problem)
        return VerifyReport(ok=False, count=count, head_seq=head_seq, first_break=brk)
    return VerifyReport(ok=True, count=count, head_seq=head_seq)
