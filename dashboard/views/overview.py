"""Overview: screenings and runs over time, top rules and agents, open alerts, limits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from airlock.dashboard import charts
from airlock.dashboard.common import PAGE_FILES, literal, run_query, store
from airlock.dashboard.data import insights, screenings
from airlock.dashboard.filters import ExecFilter

PERIODS = {"24 hours": 1, "7 days": 7, "30 days": 30, "all time": 0}

info = store()
st.title("Overview")

last = run_query(screenings.newest, info.url)
period = (
    st.segmented_control(
        "Period",
        list(PERIODS),
        default="7 days",
        key="ov_period",
        help="Ending at the newest record",
    )
    or "7 days"
)
days = PERIODS[period]
# Whole days, so that a tile's count and the list it links to select the same screenings.
since_day = (last - timedelta(days=days)).date() if days and last else None
since = datetime.combine(since_day, time.min, tzinfo=UTC) if since_day else None
unit = "hour" if days == 1 else "day"

h = run_query(insights.headline, info.url, since)


def tile(
    col: st.delta_generator.DeltaGenerator,
    label: str,
    value: str,
    page: str,
    flt: ExecFilter | None = None,
    help: str = "",
) -> None:
    """A metric with a link to the list behind it."""
    col.metric(label, value, help=help or None)
    col.page_link(
        PAGE_FILES[page], label="view list →", query_params=flt.to_params() if flt else None
    )


base = ExecFilter(since=since_day)
limit_share = f"{100 * h['limited'] / h['ran']:.1f}%" if h["ran"] else "—"
cols = st.columns(6)
tile(cols[0], "Screenings", f"{h['total']:,}", "executions", base)
tile(cols[1], "Blocked", f"{h['block']:,}", "executions", base.with_(verdicts=("block",)))
tile(cols[2], "Held for review", f"{h['review']:,}", "executions", base.with_(verdicts=("review",)))
tile(cols[3], "Open reviews", f"{h['open_reviews']:,}", "review", ExecFilter(review=("open",)))
tile(cols[4], "Open alerts", f"{h['open_alerts']:,}", "alerts")
tile(
    cols[5],
    "Runs hitting limits",
    limit_share,
    "executions",
    base.with_(outcome="limit"),
    help=f"{h['limited']:,} of {h['ran']:,} runs were stopped by a time, memory or process limit",
)

left, right = st.columns([3, 2])
with left:
    st.subheader("Screenings over time, by verdict")
    series = run_query(insights.verdicts_over_time, info.url, since, unit if days else "day")
    if series.empty:
        st.caption("Nothing screened in this period.")
    else:
        st.altair_chart(charts.verdicts_over_time(series, unit=unit), width="stretch")
    st.subheader("Runs over time, by outcome")
    runs = run_query(insights.outcomes_over_time, info.url, since, unit if days else "day")
    if runs.empty:
        st.caption("Nothing ran in this period.")
    else:
        st.altair_chart(
            charts.verdicts_over_time(runs, unit=unit, key="outcome", what="runs"), width="stretch"
        )
with right:
    st.subheader("Top rules fired")
    rules = run_query(insights.top_rules, info.url, since, 10)
    if rules.empty:
        st.caption("No rule fired in this period.")
    else:
        st.altair_chart(
            charts.ranked_bars(rules, label="rule_id", value="hits", title="live hits"),
            width="stretch",
        )
        for rule_id in rules["rule_id"].head(3):
            st.page_link(
                PAGE_FILES["executions"],
                label=f"screenings where {literal(rule_id)} fired →",
                query_params=base.with_(rule=rule_id).to_params(),
            )

st.subheader("Agents by risk")
agents = run_query(insights.top_agents, info.url, since, limit=10)
if agents.empty:
    st.caption("No agent activity in this period.")
else:
    a_left, a_right = st.columns([3, 2])
    with a_left:
        split = agents.assign(allow=agents["screenings"] - agents["blocked"] - agents["review"])
        split = split.rename(columns={"blocked": "block"}).melt(
            id_vars="agent_id",
            value_vars=["allow", "review", "block"],
            var_name="verdict",
            value_name="n",
        )
        st.altair_chart(charts.stacked_agent_bars(split, list(agents["agent_id"])), width="stretch")
    with a_right:
        st.dataframe(
            agents,
            hide_index=True,
            column_config={
                "agent_id": "agent",
                "mean_score": st.column_config.ProgressColumn(
                    "mean score", min_value=0, max_value=100, format="%.1f"
                ),
            },
        )
        for agent_id in agents["agent_id"].head(3):
            st.page_link(
                PAGE_FILES["executions"],
                label=f"{literal(agent_id)}: flagged screenings →",
                query_params=base.with_(
                    agents=(agent_id,), verdicts=("review", "block")
                ).to_params(),
            )
