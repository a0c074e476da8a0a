"""Review queue: open items first; decide one at a time or in bulk (only on what the filter selects)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from airlock.dashboard import filter_ui
from airlock.dashboard.common import (
    credential,
    reviewer,
    run_query,
    screening_columns,
    store,
    with_links,
)
from airlock.dashboard.data import DataError, actions, screenings
from airlock.dashboard.detail import annotated_code
from airlock.dashboard.filters import REVIEW_STATES

PAGE_SIZE = 50
QUEUE = "Waiting (open, and accepted risks past their expiry)"
DECIDED = "Decided (filter by review state)"

info = store()
st.title("Review queue")

if st.session_state.pop("rv_reset_confirm", False):
    st.session_state["rv_confirm"] = False
flash = st.session_state.pop("rv_flash", None)
if flash:
    kind, text = flash
    (st.success if kind == "ok" else st.warning)(text)

view = st.radio(
    "Show", [QUEUE, DECIDED], horizontal=True, key="rv_view", label_visibility="collapsed"
)
queue = view == QUEUE
flt = filter_ui.controls(
    "rv",
    agents=run_query(screenings.agents, info.url),
    rules=run_query(screenings.rule_ids, info.url),
    review_states=not queue,
)
if not queue and not flt.review:  # "decided" means some decision, whichever the filter allows
    flt = flt.with_(review=tuple(s for s in REVIEW_STATES if s != "open"))
total = run_query(screenings.count, info.url, flt, queue)
pages = max(1, -(-total // PAGE_SIZE))
head = st.columns([3, 1, 2])
head[0].markdown(
    f"**{total:,}** {'waiting for a decision' if queue else 'decided'}"
    + ("" if flt.is_default() else " under this filter")
)
page_no = int(
    head[1].number_input("Page", 1, pages, 1, key="rv_page", label_visibility="collapsed")
)
head[2].caption(f"page {page_no} of {pages:,}" + (" · oldest first" if queue else ""))

rows = run_query(screenings.page, info.url, flt, page_no, PAGE_SIZE, queue)
if rows.empty:
    st.info("Nothing is waiting for a decision here." if queue else "No decided items here.")
    st.stop()
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
        "user_id",
        "score",
        "rules",
        "code",
        "review_state",
        "verdict",
    ],
)

st.subheader("Decide")
by = reviewer()
c = st.columns([2, 2, 3])
decision = c[0].selectbox(
    "Decision", list(actions.DECISIONS), format_func=actions.DECISIONS.get, key="rv_decision"
)
expiry = c[1].date_input(
    "Accepted until",
    datetime.now(UTC).date() + timedelta(days=30),
    min_value=datetime.now(UTC).date() + timedelta(days=1),
    key="rv_expiry",
    disabled=decision != "accepted-risk",
    help="Accepted risks return to the queue after this day.",
)
note = c[2].text_input("Note (why)", key="rv_note", placeholder="recorded with the decision")
expires_at = datetime.combine(expiry, time.min, tzinfo=UTC) if decision == "accepted-risk" else None
if decision == "approved":
    st.caption("Approving runs the held code in the sandbox under the limits it was screened with.")


def apply(
    ids: list[int],
    what: str,
    shown: dict[int, str] | None = None,
    versions: dict[int, str] | None = None,
) -> None:
    """Record the decision on `ids` and report back on the next run."""
    try:
        result = actions.decide(
            info.url, ids, decision, token=credential(), note=note, expires_at=expires_at,
            sha256=shown, ruleset_version=versions,
        )  # fmt: skip
    except DataError as exc:
        st.session_state["rv_flash"] = ("warn", str(exc))
        return
    text = f"{actions.DECISIONS[decision]}: recorded for {len(result.done)} {what} as {by}."
    if result.ran:
        text += " Ran: " + ", ".join(f"#{i} {o}" for i, o in result.ran.items()) + "."
    if result.failed:
        text += f" {len(result.failed)} refused: " + "; ".join(
            f"#{i}: {why}" for i, why in result.failed[:5]
        )
    st.session_state["rv_flash"] = ("warn" if result.failed else "ok", text)


one, bulk = st.columns(2)
with one, st.container(border=True):
    st.markdown("**One item**")
    chosen = st.selectbox(
        "Screening", list(rows["id"]), key="rv_one", format_func=lambda i: f"#{i}"
    )
    record = run_query(screenings.detail, info.url, int(chosen))
    if record is not None:
        st.code(annotated_code(record["code"], record["findings"]), language="python")
    if st.button("Record decision", key="rv_apply_one", type="primary"):
        seen = {int(chosen): record["code_sha256"]} if record is not None else None
        versions = {int(chosen): record["ruleset_version"]} if record is not None else None
        apply([int(chosen)], f"screening #{chosen}", seen, versions)
        st.rerun()
with bulk, st.container(border=True):
    st.markdown(f"**Every item this filter selects ({total:,})**")
    n_bulk = min(total, screenings.BULK_MAX)
    confirm = st.checkbox(
        f"Yes, record '{actions.DECISIONS[decision]}' for all {n_bulk:,} items matching the filter",
        key="rv_confirm",
    )
    if total > screenings.BULK_MAX:
        st.caption(f"Bulk actions take at most {screenings.BULK_MAX:,} items at a time.")
    if st.button("Apply to all matching", key="rv_apply_bulk", disabled=not confirm):
        ids = run_query(screenings.ids, info.url, flt, queue)
        apply(ids, "screenings")
        st.session_state["rv_reset_confirm"] = True
        st.rerun()
