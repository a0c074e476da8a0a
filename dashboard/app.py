"""Airlock's dashboard: `airlock dashboard` runs this file with `streamlit run`.

The store is the one named by $AIRLOCK_DB (the command sets it from `--db`),
else the audit store's default SQLite file.
"""

from __future__ import annotations

import streamlit as st

from airlock.dashboard import signin
from airlock.dashboard.common import PAGE_FILES
from airlock.dashboard.data import DataError, check, configured_url
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


with st.sidebar:
    signin.sidebar()
    try:
        info = check(configured_url())
        st.caption(f"Store: `{info.display}` · {info.screenings:,} screenings")
    except DataError:
        st.caption("Store: unavailable")

page.run()
