"""Read-side queries over the store, shaped for the dashboard and the CLI.

Every query takes an optional `ScreeningFilter`; each filter field maps to an
indexed column (or an EXISTS over the indexed findings.rule_id), so pages stay
fast with hundreds of thousands of screenings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from airlock.audit.chain import now
from airlock.audit.tables import Execution, FindingRow, Review, Screening

SORTABLE = ("id", "created_at", "score", "agent_id", "verdict")


class ScreeningFilter(BaseModel):
    """What the executions list, charts and tiles narrow down to (all fields optional)."""

    verdicts: list[str] | None = None
    agent_ids: list[str] | None = None
    user_id: str | None = None
    session_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: int | None = None
    max_score: int | None = None
    gate_decisions: list[str] | None = None
    outcomes: list[str] | None = None  # ok, failed, timeout, memory, killed, signal, refused, error
    review_states: list[str] | None = None
    rule_id: str | None = None  # has a live finding of this rule
    text: str | None = None  # substring of the code (case-insensitive)
    code_sha256: str | None = None
    ids: list[int] | None = None  # e.g. the events behind an alert

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Naive times (a date picker's) are taken as UTC."""
        return as_utc(value) if value is not None else None


def as_utc(value: datetime) -> datetime:
    """An aware datetime; naive ones are taken as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ScreeningDetail(BaseModel):
    """One screening with everything recorded about it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    screening: Screening
    findings: list[Any] = Field(default_factory=list)  # FindingRow
    executions: list[Any] = Field(default_factory=list)  # Execution, oldest first
    reviews: list[Any] = Field(default_factory=list)  # Review, oldest first

    def as_data(self) -> dict[str, Any]:
        """The screening with its findings, executions and reviews, JSON-ready; `code` is
        the exact code screened (also where the text column could not hold it)."""
        data = self.screening.model_dump(mode="json")
        data.pop("code_b64", None)
        if self.screening.code_b64:
            from airlock.audit.intents import exact_code

            data["code"] = exact_code(self.screening)
        data["findings"] = [f.model_dump(mode="json") for f in self.findings]
        data["executions"] = [e.model_dump(mode="json") for e in self.executions]
        data["reviews"] = [r.model_dump(mode="json") for r in self.reviews]
        return data


def _where(f: ScreeningFilter | None) -> list[Any]:
    if f is None:
        return []
    s = Screening
    w: list[Any] = []
    if f.verdicts:
        w.append(s.verdict.in_(f.verdicts))  # type: ignore[attr-defined]
    if f.agent_ids:
        w.append(s.agent_id.in_(f.agent_ids))  # type: ignore[union-attr]
    if f.user_id is not None:
        w.append(s.user_id == f.user_id)
    if f.session_id is not None:
        w.append(s.session_id == f.session_id)
    if f.since is not None:
        w.append(s.created_at >= f.since)
    if f.until is not None:
        w.append(s.created_at < f.until)
    if f.min_score is not None:
        w.append(s.score >= f.min_score)
    if f.max_score is not None:
        w.append(s.score <= f.max_score)
    if f.gate_decisions:
        # the gate's "ran" whose run the sandbox refused or failed counts as refused / error
        after = [d for d in f.gate_decisions if d in ("refused", "error")]
        cond = s.gate_decision.in_(f.gate_decisions)  # type: ignore[attr-defined]
        if after:
            ran_then = and_(s.gate_decision == "ran", s.outcome.in_(after))  # type: ignore[union-attr]
            cond = or_(cond, ran_then)
        w.append(cond)
    if f.outcomes:
        w.append(s.outcome.in_(f.outcomes))  # type: ignore[union-attr]
    if f.review_states:
        w.append(s.review_state.in_(f.review_states))  # type: ignore[union-attr]
    if f.rule_id:
        live = select(FindingRow.screening_id).where(
            FindingRow.rule_id == f.rule_id,
            FindingRow.suppressed.is_(False),  # type: ignore[attr-defined]
        )
        w.append(s.id.in_(live))  # type: ignore[union-attr]
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        w.append(s.code.ilike(pattern, escape="\\"))  # type: ignore[attr-defined]
    if f.code_sha256:
        w.append(s.code_sha256 == f.code_sha256)
    if f.ids is not None:
        w.append(s.id.in_(f.ids))  # type: ignore[union-attr]
    return w


class QueryMixin:
    """Dashboard and CLI queries for `Store` (needs its `reading` and `engine`)."""

    if TYPE_CHECKING:
        from sqlalchemy import Engine

        engine: Engine

        def reading(self) -> AbstractContextManager[Session]: ...

    def list_screenings(
        self,
        f: ScreeningFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        order_by: str = "id",
        descending: bool = True,
    ) -> list[Screening]:
        """One page of screenings matching `f`."""
        if order_by not in SORTABLE:
            raise ValueError(f"cannot sort by {order_by!r} (one of {', '.join(SORTABLE)})")
        col = getattr(Screening, order_by)
        order = [col.desc(), Screening.id.desc()] if descending else [col.asc(), Screening.id.asc()]  # type: ignore[union-attr]
        q = select(Screening).where(*_where(f)).order_by(*order).limit(limit).offset(offset)
        with self.reading() as session:
            return list(session.scalars(q))

    def count_screenings(self, f: ScreeningFilter | None = None) -> int:
        """How many screenings match `f`."""
        q = select(func.count()).select_from(Screening).where(*_where(f))
        with self.reading() as session:
            return int(session.execute(q).scalar() or 0)

    def iter_screenings(
        self, f: ScreeningFilter | None = None, *, batch: int = 1000
    ) -> Iterator[Screening]:
        """Every matching screening, oldest first, fetched in keyset pages."""
        last = 0
        while True:
            q = (
                select(Screening)
                .where(*_where(f), Screening.id > last)
                .order_by(Screening.id)
                .limit(batch)
            )  # type: ignore[operator, union-attr, arg-type]
            with self.reading() as session:
                rows = list(session.scalars(q))
            if not rows:
                return
            yield from rows
            last = rows[-1].id or 0

    def iter_details(
        self, f: ScreeningFilter | None = None, *, batch: int = 500
    ) -> Iterator[ScreeningDetail]:
        """Every matching screening with its findings, runs and reviews (export, replay)."""
        last = 0
        while True:
            q = select(Screening).where(*_where(f), Screening.id > last)  # type: ignore[operator]
            with self.reading() as session:
                rows = list(session.scalars(q.order_by(Screening.id).limit(batch)))  # type: ignore[arg-type]
                if not rows:
                    return
                ids = [r.id for r in rows]
                kids: dict[Any, dict[int, list[Any]]] = {}
                for model in (FindingRow, Execution, Review):
                    grouped: dict[int, list[Any]] = {}
                    sel = select(model).where(model.screening_id.in_(ids)).order_by(model.id)  # type: ignore[attr-defined]
                    for child in session.scalars(sel):
                        grouped.setdefault(child.screening_id, []).append(child)
                    kids[model] = grouped
            for r in rows:
                yield ScreeningDetail(
                    screening=r,
                    findings=kids[FindingRow].get(r.id, []),  # type: ignore[arg-type]
                    executions=kids[Execution].get(r.id, []),  # type: ignore[arg-type]
                    reviews=kids[Review].get(r.id, []),  # type: ignore[arg-type]
                )
            last = rows[-1].id or 0

    def rules_for(
        self, screening_ids: list[int], *, live_only: bool = True
    ) -> dict[int, list[str]]:
        """Rule ids found in each of these screenings (for a table's "rules" column)."""
        q = select(FindingRow.screening_id, FindingRow.rule_id).where(
            FindingRow.screening_id.in_(screening_ids)
        )  # type: ignore[attr-defined]
        if live_only:
            q = q.where(FindingRow.suppressed.is_(False))  # type: ignore[attr-defined]
        out: dict[int, list[str]] = {i: [] for i in screening_ids}
        with self.reading() as session:
            for sid, rule in session.execute(q.order_by(FindingRow.id)):
                out[sid].append(rule)
        return out

    def agents(self) -> list[str]:
        """Every agent id seen (for filter choices)."""
        q = (
            select(Screening.agent_id)
            .distinct()
            .where(Screening.agent_id.is_not(None))
            .order_by(Screening.agent_id)
        )  # type: ignore[union-attr]
        with self.reading() as session:
            return [a for a in session.scalars(q)]

    def review_queue(
        self,
        f: ScreeningFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        include_expired: bool = True,
    ) -> list[Screening]:
        """Screenings waiting for a person, oldest first: open, and accepted risks whose expiry passed."""
        q = select(Screening).where(*_where(f), self._queue_condition(include_expired))
        q = q.order_by(Screening.id).limit(limit).offset(offset)  # type: ignore[arg-type]
        with self.reading() as session:
            return list(session.scalars(q))

    def review_queue_count(
        self, f: ScreeningFilter | None = None, *, include_expired: bool = True
    ) -> int:
        """How many screenings `review_queue` would list."""
        q = (
            select(func.count())
            .select_from(Screening)
            .where(*_where(f), self._queue_condition(include_expired))
        )
        with self.reading() as session:
            return int(session.execute(q).scalar() or 0)

    @staticmethod
    def _queue_condition(include_expired: bool) -> Any:
        is_open = Screening.review_state == "open"
        if not include_expired:
            return is_open
        later = aliased(Review)
        expired = exists().where(
            Review.screening_id == Screening.id,
            Review.expires_at.is_not(None),  # type: ignore[union-attr]
            Review.expires_at < now(),  # type: ignore[operator]
            ~exists().where(later.screening_id == Review.screening_id, later.id > Review.id),  # type: ignore[operator]
        )
        return or_(is_open, and_(Screening.review_state == "accepted-risk", expired))

    def latest_executions(self, screening_ids: list[int]) -> dict[int, Execution]:
        """The newest run of each of these screenings (absent: never ran)."""
        latest = (
            select(func.max(Execution.id))
            .where(Execution.screening_id.in_(screening_ids))
            .group_by(Execution.screening_id)
        )  # type: ignore[union-attr]
        q = select(Execution).where(Execution.id.in_(latest))  # type: ignore[union-attr]
        with self.reading() as session:
            return {e.screening_id: e for e in session.scalars(q)}
