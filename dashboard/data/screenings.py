"""Screenings for the Executions and Review pages: counts, pages, ids, one in full.

Built on the store's query API (`Store.count_screenings`, `list_screenings`,
`review_queue`, `review_queue_count`, `rules_for`, `get`, `agents`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import select

from airlock.audit.queries import ScreeningFilter
from airlock.audit.tables import FindingRow, Screening
from airlock.dashboard.data.conn import TTL, guarded
from airlock.dashboard.filters import SORTS, ExecFilter
from airlock.vocabulary import LIMIT_OUTCOMES

LIST_COLUMNS = [
    "id",
    "created_at",
    "agent_id",
    "user_id",
    "verdict",
    "score",
    "gate_decision",
    "outcome",
    "review_state",
    "rules",
    "code",
]
BULK_MAX = 2_000  # a bulk action never touches more rows than this at once


def store_filter(flt: ExecFilter) -> ScreeningFilter:
    """The store's filter for the dashboard's (URL-encoded) one."""
    outcomes: list[str] | None = None
    gates: list[str] | None = None
    if flt.outcome == "limit":
        outcomes = list(LIMIT_OUTCOMES)
    elif flt.outcome == "blocked":
        gates = ["blocked"]
    elif flt.outcome == "held":
        gates = ["held_for_review"]
    elif flt.outcome:
        outcomes = [flt.outcome]
    return ScreeningFilter(
        verdicts=list(flt.verdicts) or None,
        agent_ids=list(flt.agents) or None,
        since=_utc(flt.since_dt),
        until=_utc(flt.until_dt),
        min_score=flt.score_min if flt.score_min > 0 else None,
        max_score=flt.score_max if flt.score_max < 100 else None,
        gate_decisions=gates,
        outcomes=outcomes,
        review_states=list(flt.review) or None,
        rule_id=flt.rule or None,
        text=flt.text or None,
        code_sha256=flt.sha or None,
    )


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def _rows(store: Any, screenings: list[Screening]) -> pd.DataFrame:
    ids = [int(s.id or 0) for s in screenings]
    rules = store.rules_for(ids) if ids else {}
    records = []
    for s in screenings:
        lines = [ln for ln in s.code.strip().splitlines() if ln.strip()]
        head = lines[0][:100] if lines else ""
        more = f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
        records.append(
            {
                "id": s.id,
                "created_at": s.created_at,
                "agent_id": s.agent_id,
                "user_id": s.user_id,
                "verdict": s.verdict,
                "score": s.score,
                "gate_decision": s.gate_decision,
                "outcome": s.outcome,
                "review_state": s.review_state,
                "rules": ", ".join(dict.fromkeys(rules.get(int(s.id or 0), []))),
                "code": head + more,
            }
        )
    return pd.DataFrame.from_records(records, columns=LIST_COLUMNS)


@st.cache_data(ttl=TTL, show_spinner=False)
def count(url: str, flt: ExecFilter, queue: bool = False) -> int:
    """How many screenings the filter selects (in the review queue only, with `queue`)."""
    with guarded(url) as store:
        sf = store_filter(flt)
        return store.review_queue_count(sf) if queue else store.count_screenings(sf)


@st.cache_data(ttl=TTL, show_spinner=False)
def page(
    url: str, flt: ExecFilter, page_no: int = 1, page_size: int = 50, queue: bool = False
) -> pd.DataFrame:
    """One page of the filtered list; the queue lists oldest first, everything else as sorted."""
    offset = max(0, page_no - 1) * page_size
    with guarded(url) as store:
        sf = store_filter(flt)
        if queue:
            rows = store.review_queue(sf, limit=page_size, offset=offset)
        else:
            rows = store.list_screenings(
                sf,
                limit=page_size,
                offset=offset,
                order_by=SORTS.get(flt.sort, "created_at"),
                descending=flt.desc,
            )
        return _rows(store, rows)


def ids(url: str, flt: ExecFilter, queue: bool = False, limit: int = BULK_MAX) -> list[int]:
    """The ids the filter selects, in list order: what a bulk action acts on (never cached)."""
    with guarded(url) as store:
        sf = store_filter(flt)
        if queue:
            rows = store.review_queue(sf, limit=limit)
        else:
            rows = store.list_screenings(
                sf, limit=limit, order_by=SORTS.get(flt.sort, "created_at"), descending=flt.desc
            )
        return [int(s.id or 0) for s in rows]


@st.cache_data(ttl=TTL, show_spinner=False)
def agents(url: str) -> list[str]:
    """Every agent id seen, for the filter's choices."""
    with guarded(url) as store:
        return list(store.agents())


@st.cache_data(ttl=TTL, show_spinner=False)
def rule_ids(url: str) -> list[str]:
    """Every rule id that ever fired, for the filter's choices (own read-only query)."""
    with guarded(url) as store, store.reading() as session:
        q = select(FindingRow.rule_id).distinct().order_by(FindingRow.rule_id)
        return [str(r) for r in session.scalars(q)]


@st.cache_data(ttl=TTL, show_spinner=False)
def newest(url: str) -> datetime | None:
    """When the newest screening was recorded."""
    with guarded(url) as store:
        rows = store.list_screenings(None, limit=1, order_by="created_at")
        return rows[0].created_at if rows else None


@st.cache_data(ttl=TTL, show_spinner=False)
def detail(url: str, screening_id: int) -> dict[str, Any] | None:
    """One screening with its findings, runs and review history; None when there is no such id."""
    from airlock.audit.errors import NotFoundError
    from airlock.audit.intents import shown_outcome

    with guarded(url) as store:
        try:
            d = store.get(screening_id)
        except NotFoundError:
            return None
        d.screening.outcome = shown_outcome(d.screening, store.running([screening_id]))
        out: dict[str, Any] = d.screening.model_dump()
        out["findings"] = [f.model_dump() for f in d.findings]
        out["executions"] = [e.model_dump() for e in d.executions]
        out["reviews"] = [r.model_dump() for r in d.reviews]
        return out


SESSION_CALLS_SHOWN = 500


@st.cache_data(ttl=TTL, show_spinner=False)
def session_calls(url: str, session_id: str) -> pd.DataFrame:
    """The screenings of one session in call order (the first 500), with their call number."""
    with guarded(url) as store:
        rows = store.list_screenings(
            ScreeningFilter(session_id=session_id),
            limit=SESSION_CALLS_SHOWN,
            order_by="id",
            descending=False,
        )
        frame = _rows(store, rows)
    frame.insert(1, "call", [s.call_index for s in rows])
    return frame


@st.cache_data(ttl=TTL, show_spinner=False)
def by_ids(url: str, screening_ids: tuple[int, ...]) -> pd.DataFrame:
    """The listed screenings (e.g. the events behind an alert), newest first (own query)."""
    if not screening_ids:
        return _rows(None, [])
    with guarded(url) as store:
        with store.reading() as session:
            rows = list(
                session.scalars(
                    select(Screening)
                    .where(Screening.id.in_(screening_ids))
                    .order_by(Screening.id.desc())
                )
            )
        return _rows(store, rows)
