"""Aggregates for the Overview, Patterns and Rules pages, grouped in the database.

Built on the store's aggregate queries (`counts_over_time`, `rule_counts_over_time`,
`top_rules`, `top_agents`, `outcome_counts`, `review_queue_count`, `alert_counts`,
`repeated_hashes`, `rule_stats`); each returns a small frame whatever the
size of the history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from airlock.audit.queries import ScreeningFilter
from airlock.audit.tables import FindingRow, Screening
from airlock.dashboard.data.conn import TTL, guarded
from airlock.vocabulary import LIMIT_OUTCOMES


def _since(since: datetime | None, until: datetime | None = None) -> ScreeningFilter | None:
    if since is None and until is None:
        return None
    return ScreeningFilter(since=since, until=until)


def _bucket_times(values: pd.Series) -> pd.Series:
    # The store's buckets are "YYYY-MM-DD" or "YYYY-MM-DD HH".
    return pd.to_datetime(values.astype(str).str.replace(r" (\d\d)$", r" \1:00", regex=True))


@st.cache_data(ttl=TTL, show_spinner=False)
def headline(url: str, since: datetime | None) -> dict[str, int]:
    """The Overview's tiles: totals by verdict, runs and runs hitting limits, open items."""
    sf = _since(since)
    # The same (cached) grouping the page's chart uses, so the page scans the history once.
    by_day = verdicts_over_time(url, since, "day").groupby("verdict")["n"].sum()
    verdicts = {v: int(by_day.get(v, 0)) for v in ("allow", "review", "block")}
    by_outcome = outcomes_over_time(url, since, "day").groupby("outcome")["n"].sum()
    outcomes = {str(k): int(v) for k, v in by_outcome.items()}
    with guarded(url) as store:
        queue = store.review_queue_count(sf)
        alerts = store.alert_counts()
    ran = sum(n for k, n in outcomes.items() if k not in ("none", "refused", "error"))
    return {
        "total": sum(verdicts.values()),
        **verdicts,
        "ran": ran,
        "limited": sum(outcomes.get(k, 0) for k in LIMIT_OUTCOMES),
        "open_reviews": queue,
        "open_alerts": alerts.get("open", 0),
        "acknowledged_alerts": alerts.get("acknowledged", 0),
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def verdicts_over_time(url: str, since: datetime | None, unit: str = "day") -> pd.DataFrame:
    """Screenings per time bucket and verdict (columns bucket, verdict, n)."""
    with guarded(url) as store:
        rows = store.counts_over_time(_since(since), unit=unit, by="verdict")
    df = pd.DataFrame(
        [(r.bucket, r.key, r.count) for r in rows], columns=["bucket", "verdict", "n"]
    )
    df["bucket"] = _bucket_times(df["bucket"])
    return df


@st.cache_data(ttl=TTL, show_spinner=False)
def outcomes_over_time(url: str, since: datetime | None, unit: str = "day") -> pd.DataFrame:
    """Runs per time bucket and outcome (columns bucket, outcome, n); screenings that never
    ran are left out."""
    with guarded(url) as store:
        rows = store.counts_over_time(_since(since), unit=unit, by="outcome")
    df = pd.DataFrame(
        [(r.bucket, r.key, r.count) for r in rows if r.key != "none"],
        columns=["bucket", "outcome", "n"],
    )
    df["bucket"] = _bucket_times(df["bucket"])
    return df


@st.cache_data(ttl=TTL, show_spinner=False)
def top_rules(url: str, since: datetime | None, limit: int = 10) -> pd.DataFrame:
    """Rules by live hits (columns rule_id, hits)."""
    with guarded(url) as store:
        rows = store.top_rules(_since(since), limit=limit)
    return pd.DataFrame(rows, columns=["rule_id", "hits"])


@st.cache_data(ttl=TTL, show_spinner=False)
def top_agents(
    url: str, since: datetime | None, until: datetime | None = None, limit: int = 10
) -> pd.DataFrame:
    """Agents by risk: blocked, then held for review, then mean score."""
    with guarded(url) as store:
        rows = store.top_agents(_since(since, until), limit=limit)
    df = pd.DataFrame(
        [
            (a.agent_id or "(none)", a.screenings, a.blocked, a.flagged, a.avg_score, a.max_score)
            for a in rows
        ],
        columns=["agent_id", "screenings", "blocked", "review", "mean_score", "max_score"],
    )
    df["mean_score"] = df["mean_score"].astype(float).round(1)
    return df


def windows(last: datetime | None, days: int) -> tuple[datetime, datetime, datetime]:
    """(previous start, recent start, end): two back-to-back windows ending at `last`."""
    end = (last or datetime.now(UTC)) + timedelta(seconds=1)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    recent = end - timedelta(days=days)
    return recent - timedelta(days=days), recent, end


@st.cache_data(ttl=TTL, show_spinner=False)
def rule_series(url: str, since: datetime, until: datetime, unit: str = "day") -> pd.DataFrame:
    """Live hits per time bucket and rule (columns bucket, rule_id, n)."""
    with guarded(url) as store:
        rows = store.rule_counts_over_time(ScreeningFilter(since=since, until=until), unit=unit)
    df = pd.DataFrame(
        [(r.bucket, r.key, r.count) for r in rows], columns=["bucket", "rule_id", "n"]
    )
    df["bucket"] = _bucket_times(df["bucket"])
    return df


def rising(series: pd.DataFrame, key: str, recent_start: datetime) -> pd.DataFrame:
    """Per key: hits in the previous and the recent window, the change and the growth factor."""
    start = pd.Timestamp(recent_start.replace(tzinfo=None))
    period = series["bucket"].map(lambda b: "recent" if b >= start else "previous")
    wide = (
        series.assign(period=period)
        .pivot_table(index=key, columns="period", values="n", aggfunc="sum", fill_value=0)
        .reindex(columns=["previous", "recent"], fill_value=0)
        .astype(int)
        .reset_index()
    )
    wide["change"] = wide["recent"] - wide["previous"]
    wide["growth"] = ((wide["recent"] + 1) / (wide["previous"] + 1)).round(2)
    return wide.sort_values(["change", "recent"], ascending=False, ignore_index=True)


@st.cache_data(ttl=TTL, show_spinner=False)
def rule_categories(url: str) -> dict[str, str]:
    """Each rule id's category as recorded with its findings (own read-only query)."""
    with guarded(url) as store, store.reading() as session:
        q = select(FindingRow.rule_id, func.max(FindingRow.category)).group_by(FindingRow.rule_id)
        return {str(r): str(c) for r, c in session.execute(q)}


@st.cache_data(ttl=TTL, show_spinner=False)
def agent_shifts(
    url: str, prev_start: datetime, recent_start: datetime, end: datetime
) -> pd.DataFrame:
    """Agents whose share of flagged screenings or mean score moved between the two windows."""
    with guarded(url) as store:
        before = store.top_agents(ScreeningFilter(since=prev_start, until=recent_start), limit=500)
        after = store.top_agents(ScreeningFilter(since=recent_start, until=end), limit=500)

    def frame(rows: list, tag: str) -> pd.DataFrame:  # type: ignore[type-arg]
        return pd.DataFrame(
            [
                (
                    a.agent_id or "(none)",
                    a.screenings,
                    round(100 * (a.blocked + a.flagged) / max(1, a.screenings), 1),
                    round(a.avg_score, 1),
                )
                for a in rows
            ],
            columns=["agent_id", f"n_{tag}", f"flagged_pct_{tag}", f"score_{tag}"],
        ).set_index("agent_id")

    df = frame(before, "previous").join(frame(after, "recent"), how="outer").fillna(0)
    df["shift"] = (df["flagged_pct_recent"] - df["flagged_pct_previous"]).round(1)
    df["new"] = (df["n_previous"] == 0) & (df["n_recent"] > 0)
    df = df.reset_index()
    for col in ("n_previous", "n_recent"):
        df[col] = df[col].astype(int)
    return df.reindex(df["shift"].abs().sort_values(ascending=False).index).reset_index(drop=True)


@st.cache_data(ttl=TTL, show_spinner=False)
def repeated_code(
    url: str, since: datetime | None = None, min_count: int = 2, limit: int = 30
) -> pd.DataFrame:
    """Code hashes screened at least `min_count` times since `since`: blocked ones first, then
    the most frequent; with the first line of the code (own read-only query for the heads)."""
    with guarded(url) as store:
        rows = store.repeated_hashes(_since(since), min_count=min_count, limit=max(limit, 200))
        df = pd.DataFrame(
            [
                (h.code_sha256, h.count, h.agents, h.blocked, h.first_seen, h.last_seen)
                for h in rows
            ],
            columns=["code_sha256", "times", "agents", "blocked", "first_seen", "last_seen"],
        )
        df = df.sort_values(["blocked", "times"], ascending=False, ignore_index=True).head(limit)
        heads: dict[str, str] = {}
        if not df.empty:
            with store.reading() as session:
                q = (
                    select(Screening.code_sha256, func.min(func.substr(Screening.code, 1, 160)))
                    .where(Screening.code_sha256.in_(list(df["code_sha256"])))
                    .group_by(Screening.code_sha256)
                )
                heads = {sha: _first_line(code) for sha, code in session.execute(q)}
    df.insert(1, "code", df["code_sha256"].map(heads).fillna(""))
    return df


def _first_line(code: str) -> str:
    lines = [ln for ln in (code or "").splitlines() if ln.strip()]
    return lines[0][:100] if lines else ""


@st.cache_data(ttl=TTL, show_spinner=False)
def rule_evidence(url: str) -> pd.DataFrame:
    """Per rule: live hits, screenings hit, reviewers' decisions and the false-positive rate."""
    with guarded(url) as store:
        rows = store.rule_stats(None)
    df = pd.DataFrame(
        [
            (
                r.rule_id,
                r.hits,
                r.screenings,
                r.reviewed,
                r.false_positive,
                r.approved,
                r.denied,
                r.accepted_risk,
                None if r.false_positive_rate is None else round(100 * r.false_positive_rate, 1),
            )
            for r in rows
        ],
        columns=[
            "rule_id",
            "hits",
            "screenings",
            "reviewed",
            "false_positive",
            "approved",
            "denied",
            "accepted_risk",
            "fp_rate",
        ],
    )
    return df[
        [
            "rule_id",
            "hits",
            "fp_rate",
            *[c for c in df.columns if c not in ("rule_id", "hits", "fp_rate")],
        ]
    ]


@st.cache_data(ttl=TTL, show_spinner=False)
def replay_source(url: str, limit: int) -> list[dict[str, object]]:
    """The newest `limit` screenings' code and recorded verdict, for the what-if replay."""
    with guarded(url) as store:
        rows = store.list_screenings(None, limit=limit, order_by="id")
    keys = ("id", "code", "code_sha256", "verdict", "score", "agent_id", "created_at")
    return [{k: getattr(s, k) for k in keys} for s in rows]
