"""What every page shares: the store it reads, the filter in the URL, small formatters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st

from airlock.audit.accounts import OidcIdentity
from airlock.dashboard.data import DataError, DbInfo, check, configured_url
from airlock.dashboard.filters import ExecFilter

PAGE_FILES = {
    "overview": "views/overview.py",
    "executions": "views/executions.py",
    "review": "views/review.py",
    "alerts": "views/alerts.py",
    "patterns": "views/patterns.py",
    "rules": "views/rules.py",
}
P = ParamSpec("P")
R = TypeVar("R")
VERDICT_BADGE = {"allow": ":green[allow]", "review": ":orange[review]", "block": ":red[block]"}
SEVERITY_BADGE = {
    "critical": ":red-badge[critical]",
    "high": ":orange-badge[high]",
    "medium": ":violet-badge[medium]",
    "low": ":gray-badge[low]",
}


def screening_columns() -> dict[str, object]:
    """Column settings for every table of screenings (Executions, Review, Alerts, What-if)."""
    return {
        "open": st.column_config.LinkColumn("", display_text="open", width="small"),
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "created_at": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "agent_id": "agent",
        "user_id": "user",
        "score": st.column_config.ProgressColumn("score", min_value=0, max_value=100, format="%d"),
        "gate_decision": "gate",
        "review_state": "review",
    }


def with_links(df: pd.DataFrame, column: str = "id") -> pd.DataFrame:
    """The frame with an "open" link to each screening's detail view first, blanks for None."""
    out = df.copy()
    out.insert(0, "open", [f"./executions?id={i}" for i in out[column]])
    for col in ("outcome", "review_state", "rules", "agent_id", "user_id"):
        if col in out:
            out[col] = out[col].fillna("").replace("", "—")
    return out


def store(*, allow_empty: bool = False) -> DbInfo:
    """The store this dashboard reads; stops the page with a clear message when it cannot."""
    try:
        info = check(configured_url())
    except DataError as exc:
        st.error(f"**Cannot show the audit store.** {exc}", icon=":material/error:")
        st.stop()
    if info.screenings == 0 and not allow_empty:
        st.info(
            "The audit store is empty: nothing has been screened yet. "
            "`airlock demo` fills a store with a realistic mix of agent snippets; "
            "`airlock run` and `audit.guard()` record real ones.",
            icon=":material/inbox:",
        )
        st.stop()
    return info


def run_query(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call a data function; a store failure becomes an error box and stops the page."""
    try:
        return fn(*args, **kwargs)
    except DataError as exc:
        st.error(f"**The audit store could not answer.** {exc}", icon=":material/error:")
        st.stop()


def current_filter() -> ExecFilter:
    """The executions filter encoded in this page's URL."""
    return ExecFilter.from_params(st.query_params.to_dict())


def set_filter(flt: ExecFilter, **extra: str) -> None:
    """Write the filter (and extra parameters) to the URL so the view can be shared."""
    params: dict[str, str | list[str]] = dict(flt.to_params())
    params.update({k: v for k, v in extra.items() if v})
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def literal(value: object) -> str:
    """Untrusted text (agent ids, names, reasons, alert texts) for a markdown slot, as a code
    span: shown exactly as typed, never as a link, an image, a colour or an icon."""
    text = " ".join(str(value if value is not None else "").split()) or "—"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def reviewer() -> str | None:
    """The signed-in reviewer's account name (by token, else by a bound OIDC identity)."""
    name = st.session_state.get("auth_name") or st.session_state.get("oidc_name")
    return str(name) if name else None


def credential() -> str | OidcIdentity | None:
    """What every decision presents to the store: the reviewer's token, else the OIDC
    identity bound to their account (None: nobody who may decide is signed in)."""
    token = st.session_state.get("auth_token")
    if token:
        return str(token)
    identity = st.session_state.get("oidc_identity")
    return identity if isinstance(identity, OidcIdentity) else None


def when(value: datetime | str | None) -> str:
    """A timestamp as the pages print it (UTC, to the second)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value[:19].replace("T", " ")
    return value.strftime("%Y-%m-%d %H:%M:%S")
