"""Executions: every screening, filterable and sortable, and one in full detail."""

from __future__ import annotations

import streamlit as st

from airlock.dashboard import filter_ui
from airlock.dashboard.common import run_query, screening_columns, store, with_links
from airlock.dashboard.data import screenings
from airlock.dashboard.detail import show_detail, show_timeline

PAGE_SIZE = 50

info = store()
st.title("Executions")

raw_id = str(st.query_params.get("id", "")).strip()
if raw_id:
    if st.button("← back to the list"):
        del st.query_params["id"]
        st.rerun()
    if not raw_id.isdigit():
        st.error(f"`id={raw_id}` is not a screening id (a positive whole number).")
    else:
        record = run_query(screenings.detail, info.url, int(raw_id))
        if record is None:
            st.error(f"There is no screening #{raw_id} in this store.")
        else:
            show_detail(record)
            if record.get("session_id"):
                calls = run_query(screenings.session_calls, info.url, record["session_id"])
                show_timeline(calls, int(record["id"]))
    st.stop()

flt = filter_ui.controls(
    "ex",
    agents=run_query(screenings.agents, info.url),
    rules=run_query(screenings.rule_ids, info.url),
)
total = run_query(screenings.count, info.url, flt)
pages = max(1, -(-total // PAGE_SIZE))
top = st.columns([3, 1, 2])
top[0].markdown(f"**{total:,}** screenings match" + ("" if flt.is_default() else " this filter"))
page_no = int(top[1].number_input("Page", 1, pages, 1, key="ex_page", label_visibility="collapsed"))
top[2].caption(f"page {page_no} of {pages:,} · {PAGE_SIZE} per page · filters are in the URL")

rows = run_query(screenings.page, info.url, flt, page_no, PAGE_SIZE)
st.dataframe(
    with_links(rows),
    hide_index=True,
    width="stretch",
    column_config=screening_columns(),
    column_order=[
        "open",
        "id",
        "created_at",
        "agent_id",
        "verdict",
        "score",
        "rules",
        "code",
        "outcome",
        "gate_decision",
        "review_state",
        "user_id",
    ],
)


def _open_chosen() -> None:
    """Show the chosen screening; the picker resets so "back" returns to the list."""
    chosen = st.session_state.get("ex_open")
    if chosen is not None:
        st.query_params["id"] = str(chosen)
        st.session_state["ex_open"] = None


if not rows.empty:
    c1, _ = st.columns([1, 4])
    c1.selectbox(
        "Open screening",
        list(rows["id"]),
        key="ex_open",
        index=None,
        placeholder="# on this page",
        on_change=_open_chosen,
    )
