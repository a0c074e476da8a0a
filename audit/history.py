"""The `History` protocol (audit/events.py) on the store: what the alert engine may ask."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from airlock.audit.queries import as_utc
from airlock.audit.tables import Screening


class HistoryMixin:
    """`count_events`, `recent_event_ids`, `hash_blocked_before` for `Store`."""

    if TYPE_CHECKING:

        def reading(self) -> AbstractContextManager[Session]: ...

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
        with self.reading() as session:
            return int(session.execute(q).scalar() or 0)

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
        with self.reading() as session:
            return [int(i) for i in session.scalars(q)]

    def hash_blocked_before(self, code_sha256: str, *, before_id: int) -> list[int]:
        """Ids of earlier screenings with the same code hash that were blocked."""
        q = (
            select(Screening.id)
            .where(
                Screening.code_sha256 == code_sha256,
                Screening.id < before_id,  # type: ignore[operator]
                Screening.verdict == "block",
            )
            .order_by(Screening.id.desc())  # type: ignore[union-attr]
            .limit(100)
        )
        with self.reading() as session:
            return [int(i) for i in session.scalars(q)]


def _history_where(agent_id: str | None, since: datetime, verdicts: tuple[str, ...]) -> list[Any]:
    since = as_utc(since)
    agent = Screening.agent_id.is_(None) if agent_id is None else Screening.agent_id == agent_id  # type: ignore[union-attr]
    return [agent, Screening.created_at >= since, Screening.verdict.in_(verdicts)]  # type: ignore[attr-defined]
