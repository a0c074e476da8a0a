"""Patterns: rules and categories trending up, agents whose behaviour changed, repeated code."""

from __future__ import annotations

import streamlit as st

from airlock.dashboard import charts
from airlock.dashboard.common import PAGE_FILES, literal, run_query, store, when
from airlock.dashboard.data import insights, screenings
from airlock.dashboard.filters import ExecFilter

WINDOWS = {"1 day": 1, "3 days": 3, "7 days": 7, "14 days": 14}

info = store()
st.title("Patterns")

last = run_query(screenings.newest, info.url)
label = st.segmented_control("Compare the last", list(WINDOWS), default="7 days", key="pt_window")
days = WINDOWS[label or "7 days"]
prev_start, recent_start, end = insights.windows(last, days)
st.caption(
    f"Recent window: {when(recent_start)} → {when(end)} UTC, against the {days} day(s) before it."
)

series = run_query(insights.rule_series, info.url, prev_start, end, "hour" if days <= 1 else "day")
categories = run_query(insights.rule_categories, info.url)
rules_up = insights.rising(series, "rule_id", recent_start)
rules_up.insert(1, "category", rules_up["rule_id"].map(categories).fillna("other"))

left, right = st.columns([3, 2])
with left:
    st.subheader("Rules trending up")
    up = rules_up[rules_up["change"] > 0].head(8)
    if up.empty:
        st.caption("No rule fires more often now than before.")
    else:
        top = tuple(up["rule_id"].head(5))
        shown = series[series["rule_id"].isin(top)]
        unit = "hour" if days <= 1 else "day"
        st.altair_chart(
            charts.trend_bars(shown, series="rule_id", recent_start=recent_start, unit=unit),
            width="stretch",
        )
        st.caption("The dashed line is where the recent window starts.")
    st.dataframe(
        rules_up.head(15),
        hide_index=True,
        width="stretch",
        column_config={
            "previous": st.column_config.NumberColumn("before"),
            "recent": st.column_config.NumberColumn("recent"),
            "growth": st.column_config.NumberColumn("× growth", format="%.2f"),
        },
    )
with right:
    st.subheader("Categories trending up")
    cats = series.assign(category=series["rule_id"].map(categories).fillna("other"))
    cats_up = insights.rising(cats, "category", recent_start)
    if cats_up.empty:
        st.caption("No findings in these windows.")
    else:
        st.altair_chart(
            charts.diverging_bars(
                cats_up.head(12), label="category", value="change", title="change in hits"
            ),
            width="stretch",
        )
        st.dataframe(cats_up, hide_index=True, width="stretch")

st.subheader("Agents whose behaviour changed")
shifts = run_query(insights.agent_shifts, info.url, prev_start, recent_start, end)
if shifts.empty:
    st.caption("No agent activity in these windows.")
else:
    st.dataframe(
        shifts,
        hide_index=True,
        width="stretch",
        column_config={
            "agent_id": "agent",
            "n_previous": "screenings before",
            "n_recent": "screenings recent",
            "flagged_pct_previous": st.column_config.NumberColumn(
                "% flagged before", format="%.1f"
            ),
            "flagged_pct_recent": st.column_config.NumberColumn("% flagged recent", format="%.1f"),
            "score_previous": "mean score before",
            "score_recent": "mean score recent",
            "shift": st.column_config.NumberColumn("shift (points)", format="%+.1f"),
            "new": "new agent",
        },
    )
    worst = shifts.iloc[0]
    if worst["shift"] > 0:
        st.page_link(
            PAGE_FILES["executions"],
            label=f"{literal(worst['agent_id'])}: flagged screenings in the recent window →",
            query_params=ExecFilter(
                agents=(str(worst["agent_id"]),),
                verdicts=("review", "block"),
                since=recent_start.date(),
            ).to_params(),
        )

st.subheader("Code seen again and again")
# All time: at 100,000 screenings the unfiltered grouping is the fast one (an index on the hash).
repeated = run_query(insights.repeated_code, info.url, None, 2, 30)
st.caption(
    "All time; blocked code first, then the most frequent: "
    "the same attempt coming back is a signal."
)
if repeated.empty:
    st.caption("No code was screened more than once.")
else:
    repeated.insert(0, "list", [f"./executions?sha={h}" for h in repeated["code_sha256"]])
    st.dataframe(
        repeated,
        hide_index=True,
        width="stretch",
        column_config={
            "list": st.column_config.LinkColumn("", display_text="list", width="small"),
            "code_sha256": st.column_config.TextColumn("code SHA-256", width="small"),
            "code": st.column_config.TextColumn("code", width="large"),
            "times": "screenings",
            "agents": "agents",
            "blocked": "blocked",
            "first_seen": st.column_config.DatetimeColumn("first seen", format="YYYY-MM-DD HH:mm"),
            "last_seen": st.column_config.DatetimeColumn("last seen", format="YYYY-MM-DD HH:mm"),
        },
    )
