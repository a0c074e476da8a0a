"""Aggregates for the dashboard's charts and tiles: time series, top rules and agents,
outcomes, reviewers' verdicts per rule, repeated code.

Every query takes the same optional `ScreeningFilter` as the lists in `audit.queries`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from sqlalchemy import case, distinct, func, literal, select
from sqlalchemy.orm import Session

from airlock.audit.queries import ScreeningFilter, _where
from airlock.audit.tables import FindingRow, Screening
from airlock.vocabulary import LIMIT_OUTCOMES
from airlock.vocabulary import REVIEW_DECISIONS as DECIDED


class TimeCount(BaseModel):
    """Screenings in one time bucket ("2026-11-26" or "2026-11-26 14") with one key."""

    bucket: str
    key: str
    count: int


class RuleStats(BaseModel):
    """How often a rule fired and what reviewers made of the screenings it fired on."""

    rule_id: str
    hits: int
    screenings: int
    reviewed: int = 0
    false_positive: int = 0
    approved: int = 0
    denied: int = 0
    accepted_risk: int = 0

    @property
    def false_positive_rate(self) -> float | None:
        """Share of reviewed screenings marked false-positive (None if none reviewed)."""
        return self.false_positive / self.reviewed if self.reviewed else None


class AgentStats(BaseModel):
    """One agent's screenings over the filtered range."""

    agent_id: str | None
    screenings: int
    blocked: int
    flagged: int
    avg_score: float
    max_score: int


class HashStats(BaseModel):
    """Code seen more than once."""

    code_sha256: str
    count: int
    agents: int
    blocked: int
    first_seen: datetime
    last_seen: datetime


class StatsMixin:
    """Dashboard aggregates for `Store` (needs its `reading` and `engine`)."""

    if TYPE_CHECKING:
        from sqlalchemy import Engine

        engine: Engine

        def reading(self) -> AbstractContextManager[Session]: ...

    def _bucket(self, unit: Literal["day", "hour"]) -> Any:
        col = Screening.created_at
        if self.engine.dialect.name == "postgresql":
            fmt = "YYYY-MM-DD" if unit == "day" else "YYYY-MM-DD HH24"
            return func.to_char(func.timezone("UTC", col), fmt)
        return func.substr(col, 1, 10 if unit == "day" else 13)

    def counts_over_time(
        self,
        f: ScreeningFilter | None = None,
        *,
        unit: Literal["day", "hour"] = "day",
        by: Literal["verdict", "outcome", "gate_decision", "agent_id"] = "verdict",
    ) -> list[TimeCount]:
        """Screenings per time bucket and verdict (or outcome, gate decision, agent), oldest first."""
        bucket = self._bucket(unit).label("bucket")
        key = func.coalesce(getattr(Screening, by), literal("none")).label("key")
        q = (
            select(bucket, key, func.count())
            .where(*_where(f))
            .group_by(bucket, key)
            .order_by(bucket, key)
        )
        with self.reading() as session:
            return [TimeCount(bucket=b, key=k, count=int(n)) for b, k, n in session.execute(q)]

    def rule_counts_over_time(
        self, f: ScreeningFilter | None = None, *, unit: Literal["day", "hour"] = "day"
    ) -> list[TimeCount]:
        """Live findings per time bucket and rule (for "rules trending up")."""
        bucket = self._bucket(unit).label("bucket")
        q = (
            select(bucket, FindingRow.rule_id, func.count())
            .join(FindingRow, FindingRow.screening_id == Screening.id)
            .where(*_where(f), FindingRow.suppressed.is_(False))  # type: ignore[attr-defined]
            .group_by(bucket, FindingRow.rule_id)
            .order_by(bucket, FindingRow.rule_id)
        )
        with self.reading() as session:
            return [TimeCount(bucket=b, key=k, count=int(n)) for b, k, n in session.execute(q)]

    def top_rules(
        self, f: ScreeningFilter | None = None, *, limit: int = 10
    ) -> list[tuple[str, int]]:
        """The rules with the most live findings, most first."""
        n = func.count().label("n")
        q = (
            select(FindingRow.rule_id, n)
            .join(Screening, FindingRow.screening_id == Screening.id)
            .where(*_where(f), FindingRow.suppressed.is_(False))  # type: ignore[attr-defined]
            .group_by(FindingRow.rule_id)
            .order_by(n.desc(), FindingRow.rule_id)
            .limit(limit)
        )
        with self.reading() as session:
            return [(r, int(c)) for r, c in session.execute(q)]

    def top_agents(self, f: ScreeningFilter | None = None, *, limit: int = 10) -> list[AgentStats]:
        """Agents by risk: most blocked, then most flagged, then highest mean score."""
        blocked = func.sum(case((Screening.verdict == "block", 1), else_=0)).label("blocked")
        flagged = func.sum(case((Screening.verdict == "review", 1), else_=0)).label("flagged")
        avg = func.avg(Screening.score).label("avg")
        q = (
            select(
                Screening.agent_id, func.count(), blocked, flagged, avg, func.max(Screening.score)
            )
            .where(*_where(f))
            .group_by(Screening.agent_id)
            .order_by(blocked.desc(), flagged.desc(), avg.desc())
            .limit(limit)
        )
        with self.reading() as session:
            return [
                AgentStats(
                    agent_id=a,
                    screenings=int(n),
                    blocked=int(b or 0),
                    flagged=int(fl or 0),
                    avg_score=float(av or 0),
                    max_score=int(mx or 0),
                )
                for a, n, b, fl, av, mx in session.execute(q)
            ]

    def outcome_counts(self, f: ScreeningFilter | None = None) -> dict[str, int]:
        """Screenings per outcome of their latest run ("none": never ran)."""
        key = func.coalesce(Screening.outcome, literal("none"))
        q = select(key, func.count()).where(*_where(f)).group_by(key)
        with self.reading() as session:
            return {k: int(n) for k, n in session.execute(q)}

    def limit_hit_share(self, f: ScreeningFilter | None = None) -> float | None:
        """Share of runs that hit a time, memory or process limit (None if nothing ran)."""
        counts = self.outcome_counts(f)
        ran = sum(n for k, n in counts.items() if k not in ("none", "refused", "error"))
        hit = sum(counts.get(k, 0) for k in LIMIT_OUTCOMES)
        return hit / ran if ran else None

    def rule_stats(self, f: ScreeningFilter | None = None) -> list[RuleStats]:
        """Per rule: live hits, screenings hit, and reviewers' decisions on those screenings."""
        st = Screening.review_state

        def n(state: str) -> Any:
            return func.count(distinct(case((st == state, Screening.id))))

        q = (
            select(
                FindingRow.rule_id,
                func.count(),
                func.count(distinct(Screening.id)),
                func.count(distinct(case((st.in_(DECIDED), Screening.id)))),  # type: ignore[union-attr]
                n("false-positive"),
                n("approved"),
                n("denied"),
                n("accepted-risk"),
            )
            .join(Screening, FindingRow.screening_id == Screening.id)
            .where(*_where(f), FindingRow.suppressed.is_(False))  # type: ignore[attr-defined]
            .group_by(FindingRow.rule_id)
            .order_by(func.count().desc(), FindingRow.rule_id)
        )
        with self.reading() as session:
            return [
                RuleStats(
                    rule_id=r,
                    hits=int(h),
                    screenings=int(s),
                    reviewed=int(rv),
                    false_positive=int(fp),
                    approved=int(ap),
                    denied=int(de),
                    accepted_risk=int(ar),
                )
                for r, h, s, rv, fp, ap, de, ar in session.execute(q)
            ]

    def repeated_hashes(
        self, f: ScreeningFilter | None = None, *, min_count: int = 2, limit: int = 20
    ) -> list[HashStats]:
        """Code hashes seen at least `min_count` times, most frequent first.

        Two steps: the top hashes from the code_sha256 index alone, then the
        details of just those (one pass over the table would be ~30x slower).
        """
        n = func.count().label("n")
        top = (
            select(Screening.code_sha256, n)
            .where(*_where(f))
            .group_by(Screening.code_sha256)
            .having(func.count() >= min_count)
            .order_by(n.desc(), Screening.code_sha256)
            .limit(limit)
        )
        blocked = func.sum(case((Screening.verdict == "block", 1), else_=0))
        with self.reading() as session:
            counts = {h: int(c) for h, c in session.execute(top)}
            if not counts:
                return []
            q = (
                select(
                    Screening.code_sha256,
                    func.count(distinct(Screening.agent_id)),
                    blocked,
                    func.min(Screening.created_at),
                    func.max(Screening.created_at),
                )
                .where(*_where(f), Screening.code_sha256.in_(list(counts)))  # type: ignore[attr-defined]
                .group_by(Screening.code_sha256)
            )
            found = {
                h: HashStats(
                    code_sha256=h,
                    count=counts[h],
                    agents=int(a),
                    blocked=int(b or 0),
                    first_seen=fs,
                    last_seen=ls,
                )
                for h, a, b, fs, ls in session.execute(q)
            }
        return [found[h] for h in counts if h in found]
