"""Airlock's dashboard: `airlock dashboard` runs this file with `streamlit run`.

The store is the one named by $AIRLOCK_DB (the command sets it from `--db`),
else the audit store's default SQLite file.
"""

from __future__ import annotations

import streamlit as st

from airlock.dashboard.common import PAGE_FILES, reviewer
from airlock.dashboard.data import DataError, actions, check, configured_url
from airlock.dashboard.rulesets import warm_up


def _icon() -> object:
    """The tab icon, drawn here: a named icon would be fetched from an outside font host."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    ImageDraw.Draw(img).polygon(
        [(16, 2), (29, 7), (27, 20), (16, 30), (5, 20), (3, 7)], fill=(31, 119, 180, 255)
    )
    return img


st.set_page_config(page_title="Airlock", page_icon=_icon(), layout="wide")

pages = [
    st.Page(
        PAGE_FILES["overview"],
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        PAGE_FILES["executions"],
        title="Executions",
        icon=":material/list_alt:",
        url_path="executions",
    ),
    st.Page(PAGE_FILES["review"], title="Review queue", icon=":material/gavel:", url_path="review"),
    st.Page(
        PAGE_FILES["alerts"],
        title="Alerts",
        icon=":material/notifications_active:",
        url_path="alerts",
    ),
    st.Page(
        PAGE_FILES["patterns"], title="Patterns", icon=":material/insights:", url_path="patterns"
    ),
    st.Page(PAGE_FILES["rules"], title="Rules", icon=":material/rule:", url_path="rules"),
]
page = st.navigation(pages)
warm_up()


def _sign_in() -> None:
    """Reviewers sign in with the token `airlock reviewers add NAME` printed for them."""
    name = reviewer()
    if name:
        st.text(f"Signed in as {name}")
        if st.button("Sign out", key="logout"):
            for key in ("auth_name", "auth_token"):
                st.session_state.pop(key, None)
            st.rerun()
        return
    token = st.text_input(
        "Reviewer token",
        type="password",
        key="login_token",
        help="From `airlock reviewers add NAME`; every decision is recorded under that name.",
    )
    if st.button("Sign in", key="login"):
        try:
            st.session_state["auth_name"] = actions.login(configured_url(), token)
            st.session_state["auth_token"] = token.strip()
            st.session_state.pop("login_error", None)
        except DataError as exc:
            st.session_state["login_error"] = str(exc)
        st.session_state.pop("login_token", None)
        st.rerun()
    if st.session_state.get("login_error"):
        st.warning(st.session_state["login_error"])


with st.sidebar:
    _sign_in()
    try:
        info = check(configured_url())
        st.caption(f"Store: `{info.display}` · {info.screenings:,} screenings")
    except DataError:
        st.caption("Store: unavailable")

page.run()
