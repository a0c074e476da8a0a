"""Alerts and the two things a person changes from the dashboard: review states and alert states.

Writes go through the audit package (`audit.reviews.decide`, which records the
decision with `Store.add_review` and runs approved held code under its recorded
limits; `Store.change_alert`), so who and when land on the tamper-evident
ledger. The query caches are cleared afterwards so every page shows the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from airlock.audit.accounts import OidcIdentity
from airlock.audit.errors import AuthError, StoreError
from airlock.dashboard.data.conn import TTL, DataError, guarded

DECISIONS: dict[str, str] = {
    "approved": "Approve",
    "denied": "Deny",
    "false-positive": "False positive",
    "accepted-risk": "Accept the risk",
}
ALERT_ACTIONS: dict[str, str] = {"acknowledged": "Acknowledge", "resolved": "Resolve"}


@dataclass
class ActionResult:
    """What a (bulk) action did: the ids changed and one line per id that failed."""

    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    ran: dict[int, str] = field(default_factory=dict)  # approved and run: id -> outcome


def login(url: str, token: str) -> str:
    """The name of the reviewer this token belongs to (`DataError` when it is not valid)."""
    with guarded(url) as store:
        try:
            return store.authenticate(token).name
        except AuthError as exc:
            raise DataError(str(exc)) from None


def oidc_reviewer(url: str, identity: OidcIdentity) -> str:
    """The name of the live reviewer account bound to this OIDC identity (`DataError`:
    "not a reviewer", or revoked)."""
    with guarded(url) as store:
        try:
            return store.authenticate(identity).name
        except AuthError as exc:
            raise DataError(str(exc)) from None


def decide(
    url: str,
    screening_ids: list[int],
    state: str,
    *,
    token: str | OidcIdentity | None,
    note: str = "",
    expires_at: datetime | None = None,
    sha256: dict[int, str] | None = None,
    ruleset_version: dict[int, str] | None = None,
) -> ActionResult:
    """Record a review decision on each screening (who, when, why); approving runs held code.

    `token` is the signed-in reviewer's token or bound OIDC identity; `sha256` the code hash and `ruleset_version` the
    rule-set version each item showed (an approval runs only that code, so screened)."""
    from airlock.audit.reviews import decide as record_decision

    if state not in DECISIONS:
        raise DataError(f"unknown decision {state!r}")
    if not token:
        raise DataError("sign in as a reviewer (sidebar) to decide")
    result = ActionResult()
    with guarded(url) as store:
        for sid in screening_ids:
            try:
                outcome = record_decision(
                    store,
                    sid,
                    state,
                    token=token,
                    note=note.strip(),
                    expires_at=expires_at if state == "accepted-risk" else None,
                    expected_sha256=(sha256 or {}).get(sid),
                    expected_ruleset_version=(ruleset_version or {}).get(sid),
                )
                result.done.append(sid)
                if outcome.execution is not None:
                    result.ran[sid] = outcome.execution.outcome
            except AuthError as exc:
                raise DataError(str(exc)) from None
            except StoreError as exc:
                result.failed.append((sid, str(exc)))
    st.cache_data.clear()
    return result


@st.cache_data(ttl=TTL, show_spinner=False)
def alerts(url: str, states: tuple[str, ...], limit: int = 200) -> pd.DataFrame:
    """Alerts in these states: open ones first, then acknowledged, then resolved; newest first."""
    with guarded(url) as store:
        rows = store.list_alerts(states=states or None, limit=limit)
    rank = {"open": 0, "acknowledged": 1, "resolved": 2}
    rows = sorted(rows, key=lambda a: (rank.get(a.state, 3), -(a.id or 0)))
    return pd.DataFrame(
        [
            {
                "id": a.id,
                "state": a.state,
                "severity": a.severity,
                "title": a.title,
                "agent_id": a.agent_id,
                "rule_id": a.rule_id,
                "events": len(a.event_ids or []),
                "created_at": a.created_at,
                "updated_at": a.updated_at,
            }
            for a in rows
        ],
        columns=[
            "id",
            "state",
            "severity",
            "title",
            "agent_id",
            "rule_id",
            "events",
            "created_at",
            "updated_at",
        ],
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def alert_counts(url: str) -> dict[str, int]:
    """Alerts per state."""
    with guarded(url) as store:
        return dict(store.alert_counts())


@st.cache_data(ttl=TTL, show_spinner=False)
def alert(url: str, alert_id: int) -> dict[str, Any] | None:
    """One alert with its change history; None when there is no such id."""
    from airlock.audit.errors import NotFoundError

    with guarded(url) as store:
        try:
            d = store.get_alert(alert_id)
        except NotFoundError:
            return None
    out: dict[str, Any] = d.alert.model_dump()
    out["changes"] = [c.model_dump() for c in d.changes]
    return out


def change_alert(
    url: str, alert_id: int, action: str, *, token: str | OidcIdentity | None, note: str = ""
) -> str | None:
    """Acknowledge or resolve an alert as the signed-in reviewer; returns the store's
    one-line refusal, or None when done."""
    if action not in ALERT_ACTIONS:
        raise DataError(f"unknown alert action {action!r}")
    if not token:
        raise DataError("sign in as a reviewer (sidebar) to change alerts")
    with guarded(url) as store:
        try:
            who = store.authenticate(token)
            store.change_alert(alert_id, action, by=who.name, note=note.strip())
        except AuthError as exc:
            return str(exc)
        except StoreError as exc:
            return str(exc)
        finally:
            st.cache_data.clear()
    return None
