"""Alerts: open, acknowledged, resolved; the events behind each; acknowledge or resolve."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from airlock.dashboard.common import (
    SEVERITY_BADGE,
    credential,
    literal,
    reviewer,
    run_query,
    screening_columns,
    store,
    when,
    with_links,
)
from airlock.dashboard.data import DataError, actions, screenings

STATES = ("open", "acknowledged", "resolved")

info = store(allow_empty=True)
st.title("Alerts")

flash = st.session_state.pop("al_flash", None)
if flash:
    (st.success if flash[0] == "ok" else st.warning)(flash[1])

counts = run_query(actions.alert_counts, info.url)
m = st.columns(3)
for col, state in zip(m, STATES, strict=True):
    col.metric(state.capitalize(), f"{counts.get(state, 0):,}")

raw = st.query_params.get_all("state") if "state" in st.query_params else ["open", "acknowledged"]
default_states = [s for s in raw if s in STATES] or ["open", "acknowledged"]
states = st.pills("State", STATES, selection_mode="multi", default=default_states, key="al_states")
st.query_params["state"] = list(states)
table = run_query(actions.alerts, info.url, tuple(states))
if table.empty:
    st.info("No alerts in the chosen states.")
    st.stop()

st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "agent_id": "agent",
        "rule_id": "alert rule",
        "created_at": st.column_config.DatetimeColumn("raised (UTC)", format="YYYY-MM-DD HH:mm"),
        "updated_at": st.column_config.DatetimeColumn("last change", format="YYYY-MM-DD HH:mm"),
    },
)

ids = list(table["id"])
raw_id = str(st.query_params.get("alert", ""))
start = ids.index(int(raw_id)) if raw_id.isdigit() and int(raw_id) in ids else 0
chosen = st.selectbox(
    "Alert",
    ids,
    index=start,
    key="al_chosen",
    format_func=lambda i: f"#{i} · " + str(table.loc[table["id"] == i, "title"].iloc[0]),
)
st.query_params["alert"] = str(chosen)
alert = run_query(actions.alert, info.url, int(chosen))
if alert is None:
    st.error(f"Alert #{chosen} is gone from the store.")
    st.stop()

st.subheader(f"#{alert['id']} {literal(alert['title'])}")
st.markdown(
    f"{SEVERITY_BADGE.get(alert['severity'], literal(alert['severity']))} · {literal(alert['state'])} · "
    f"rule {literal(alert['rule_id'])} · agent {literal(alert.get('agent_id'))} · "
    f"raised {when(alert['created_at'])} UTC"
)
st.text(alert["detail"])

act = st.columns([3, 1, 1])
note = act[0].text_input("Note", key="al_note", placeholder="recorded with the change")
for col, (action, label) in zip(act[1:], actions.ALERT_ACTIONS.items(), strict=True):
    disabled = alert["state"] == "resolved" or alert["state"] == action
    if col.button(label, key=f"al_{action}", disabled=disabled, width="stretch"):
        try:
            refusal = actions.change_alert(
                info.url, int(chosen), action, token=credential(), note=note
            )
        except DataError as exc:
            refusal = str(exc)
        st.session_state["al_flash"] = (
            ("warn", refusal) if refusal else ("ok", f"Alert #{chosen} {action} by {reviewer()}.")
        )
        st.rerun()

st.markdown(f"**Events behind this alert ({len(alert.get('event_ids') or [])})**")
events = run_query(screenings.by_ids, info.url, tuple(alert.get("event_ids") or [])[:500])
if events.empty:
    st.caption("No recorded events.")
else:
    st.dataframe(
        with_links(events), hide_index=True, width="stretch", column_config=screening_columns()
    )

with st.expander("History of this alert"):
    st.dataframe(
        pd.DataFrame(alert["changes"])[
            ["created_at", "action", "state", "by", "note", "event_ids"]
        ],
        hide_index=True,
        width="stretch",
    )
