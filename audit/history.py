"""The `History` protocol (audit/events.py) on the store: what the alert engine may ask
(plain Core reads: the ORM's session would cost more than the query)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from airlock.audit.queries import as_utc
from airlock.audit.tables import Screening

# asked after every screening (the repeat-blocked-hash rule): built once, bound per call
_BLOCKED_BEFORE = (
    select(Screening.id)
    .where(
        Screening.code_sha256 == bindparam("sha"),
        Screening.id < bindparam("before"),  # type: ignore[operator]
        Screening.verdict == "block",
    )
    .order_by(Screening.id.desc())  # type: ignore[union-attr]
    .limit(100)
)


class HistoryMixin:
    """`count_events`, `recent_event_ids`, `hash_blocked_before` for `Store`."""

    if TYPE_CHECKING:

        def reading_rows(self) -> AbstractContextManager[Connection]: ...

    def count_events(
        self,
        *,
        agent_id: str | None,
        since: datetime,
        verdicts: tuple[str, ...] = ("review", "block"),
    ) -> int:
        """Screenings of this agent at or after `since` with one of `verdicts`."""
        q = (
            select(func.count())
            .select_from(Screening)
            .where(*_history_where(agent_id, since, verdicts))
        )
        with self.reading_rows() as conn:
            return int(conn.execute(q).scalar() or 0)

    def recent_event_ids(
        self,
        *,
        agent_id: str | None,
        since: datetime,
        verdicts: tuple[str, ...] = ("review", "block"),
        limit: int = 50,
    ) -> list[int]:
        """Ids of those screenings, newest first."""
        q = (
            select(Screening.id)
            .where(*_history_where(agent_id, since, verdicts))
            .order_by(Screening.id.desc())  # type: ignore[union-attr]
            .limit(limit)
        )
        with self.reading_rows() as conn:
            return [int(i) for i in conn.execute(q).scalars()]

    def hash_blocked_before(self, code_sha256: str, *, before_id: int) -> list[int]:
        """Ids of earlier screenings with the same code hash that were blocked."""
        with self.reading_rows() as conn:
            found = conn.execute(_BLOCKED_BEFORE, {"sha": code_sha256, "before": before_id})
            return [int(i) for i in found.scalars()]


def _history_where(agent_id: str | None, since: datetime, verdicts: tuple[str, ...]) -> list[Any]:
    since = as_utc(since)
    agent = Screening.agent_id.is_(None) if agent_id is None else Screening.agent_id == agent_id  # type: ignore[union-attr]
    return [agent, Screening.created_at >= since, Screening.verdict.in_(verdicts)]  # type: ignore[attr-defined]
