"""The filter controls of the Executions and Review pages, kept in sync with the URL.

Widgets own their values while a person works on the page; when the page is
opened from a link (the URL's filter differs from the one this page last
wrote), the widgets are re-seeded from the URL.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from airlock.dashboard.common import current_filter, set_filter
from airlock.dashboard.filters import OUTCOMES, REVIEW_STATES, SORTS, VERDICTS, ExecFilter

ANY = "(any)"


def _seed(prefix: str, flt: ExecFilter) -> None:
    ss = st.session_state
    ss[f"{prefix}_verdicts"] = list(flt.verdicts)
    ss[f"{prefix}_agents"] = list(flt.agents)
    ss[f"{prefix}_rule"] = flt.rule or ANY
    ss[f"{prefix}_score"] = (flt.score_min, flt.score_max)
    ss[f"{prefix}_since"] = flt.since
    ss[f"{prefix}_until"] = flt.until
    ss[f"{prefix}_outcome"] = flt.outcome or ANY
    ss[f"{prefix}_text"] = flt.text
    ss[f"{prefix}_review"] = list(flt.review)
    ss[f"{prefix}_sort"] = flt.sort
    ss[f"{prefix}_desc"] = flt.desc
    ss[f"{prefix}_sha"] = flt.sha


def controls(
    prefix: str,
    *,
    agents: list[str],
    rules: list[str],
    review_states: bool = False,
) -> ExecFilter:
    """Render the filter widgets and return the filter they select (also written to the URL)."""
    from_url = current_filter()
    stale = st.session_state.get(f"{prefix}_written") != from_url.to_params()
    if stale or f"{prefix}_verdicts" not in st.session_state:
        _seed(prefix, from_url)
    ss = st.session_state
    # Choices must include whatever the URL asked for, even if no longer in the store.
    agent_choices = sorted(set(agents) | set(ss[f"{prefix}_agents"]))
    rule_choices = [ANY, *sorted(set(rules) | ({ss[f"{prefix}_rule"]} - {ANY}))]

    row1 = st.columns([2, 3, 2, 2])
    verdicts = row1[0].multiselect("Verdict", VERDICTS, key=f"{prefix}_verdicts")
    chosen_agents = row1[1].multiselect("Agent", agent_choices, key=f"{prefix}_agents")
    rule = row1[2].selectbox("Rule fired", rule_choices, key=f"{prefix}_rule")
    outcome = row1[3].selectbox(
        "Outcome",
        [ANY, *OUTCOMES],
        format_func=lambda o: OUTCOMES.get(o, o),
        key=f"{prefix}_outcome",
    )
    row2 = st.columns([3, 2, 2, 2] if not review_states else [3, 2, 2, 2, 2])
    text = row2[0].text_input(
        "Code contains", key=f"{prefix}_text", placeholder="e.g. subprocess, /etc/passwd"
    )
    score = row2[1].slider("Score", 0, 100, key=f"{prefix}_score")
    since: date | None = row2[2].date_input("From", key=f"{prefix}_since", format="YYYY-MM-DD")
    until: date | None = row2[3].date_input("To", key=f"{prefix}_until", format="YYYY-MM-DD")
    review: list[str] = []
    if review_states:
        review = row2[4].multiselect("Review state", REVIEW_STATES, key=f"{prefix}_review")
    with st.expander("Sort and code hash", expanded=bool(ss[f"{prefix}_sha"])):
        s1, s2, s3 = st.columns([2, 1, 4])
        sort = s1.selectbox("Sort by", list(SORTS), key=f"{prefix}_sort")
        desc = s2.toggle("Descending", key=f"{prefix}_desc")
        sha = s3.text_input("Code SHA-256", key=f"{prefix}_sha").strip().lower()

    flt = ExecFilter.from_params(
        ExecFilter(
            verdicts=tuple(verdicts),
            agents=tuple(chosen_agents),
            rule="" if rule == ANY else rule,
            score_min=int(score[0]),
            score_max=int(score[1]),
            since=since if isinstance(since, date) else None,
            until=until if isinstance(until, date) else None,
            outcome="" if outcome == ANY else outcome,
            text=text.strip(),
            review=tuple(review),
            sort=sort,
            desc=bool(desc),
            sha=sha,
        ).to_params()
    )
    ss[f"{prefix}_written"] = flt.to_params()
    set_filter(flt, id=str(st.query_params.get("id", "")))
    return flt
