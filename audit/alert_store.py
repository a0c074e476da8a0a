"""Alerts in the store: one unresolved alert per dedup key, every change on the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from airlock.audit.chain import now
from airlock.audit.errors import NotFoundError, StoreError
from airlock.audit.events import AlertDraft
from airlock.audit.tables import Alert, AlertChange, AlertOutbox

if TYPE_CHECKING:
    from airlock.audit.chain import Ledger

ALERT_STATES = ("open", "acknowledged", "resolved")
UNRESOLVED = ("open", "acknowledged")
_ACTION_STATE = {"acknowledged": "acknowledged", "resolved": "resolved"}


class AlertDetail(BaseModel):
    """An alert with the history of its changes."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    alert: Alert
    changes: list[AlertChange]


class AlertStoreMixin:
    """Alert persistence for `Store` (needs its `writing` / `reading`)."""

    if TYPE_CHECKING:

        def writing(self) -> AbstractContextManager[tuple[Session, Ledger]]: ...
        def reading(self) -> AbstractContextManager[Session]: ...

    def record_alerts(self, drafts: list[AlertDraft]) -> list[Alert]:
        """Store the engine's drafts: a new alert, or more events on the unresolved one."""
        return [alert for alert, _ in self.record_alert_changes(drafts)]

    def record_alert_changes(self, drafts: list[AlertDraft]) -> list[tuple[Alert, str]]:
        """As `record_alerts`, with what happened to each: opened, events or unchanged.

        A draft whose dedup key has an unresolved alert adds its events to that alert;
        the alert's title, severity and detail stay as first recorded (they are part of
        the hash chain), and only an "opened" alert is news for delivery.
        """
        out: list[tuple[Alert, str]] = []
        if not drafts:
            return out
        with self.writing() as (session, ledger):
            for draft in drafts:
                at = now()
                current = session.scalars(
                    select(Alert)
                    .where(Alert.dedup_key == draft.dedup_key, Alert.state.in_(UNRESOLVED))  # type: ignore[attr-defined]
                    .order_by(Alert.id.desc())  # type: ignore[union-attr]
                    .limit(1)
                ).first()
                if current is None:
                    current = Alert(
                        created_at=at,
                        rule_id=draft.rule_id,
                        severity=draft.severity,
                        title=draft.title,
                        detail=draft.detail,
                        agent_id=draft.agent_id,
                        dedup_key=draft.dedup_key,
                        state="open",
                        event_ids=sorted(set(draft.event_ids)),
                        updated_at=at,
                    )
                    ledger.append(current)
                    action, added = "opened", sorted(set(draft.event_ids))
                    # queued for delivery in the same transaction: an alert is never lost
                    session.add(AlertOutbox(alert_id=current.id, created_at=at, next_at=at))
                else:
                    known = set(current.event_ids or [])
                    added = sorted(set(draft.event_ids) - known)
                    if not added:
                        out.append((current, "unchanged"))
                        continue
                    current.event_ids = sorted(known | set(added))
                    current.updated_at = at
                    action = "events"
                ledger.append(
                    AlertChange(
                        alert_id=current.id,  # type: ignore[arg-type]
                        created_at=at,
                        action=action,
                        state=current.state,
                        event_ids=added,
                        note="",
                    )
                )
                out.append((current, action))
        return out

    def change_alert(self, alert_id: int, action: str, *, by: str, note: str = "") -> Alert:
        """Acknowledge or resolve an alert (recorded with who and why)."""
        if action not in _ACTION_STATE:
            raise StoreError(f"unknown alert action {action!r} (acknowledged or resolved)")
        with self.writing() as (session, ledger):
            alert = session.get(Alert, alert_id)
            if alert is None:
                raise NotFoundError(f"no alert with id {alert_id}")
            if alert.state == "resolved":
                raise StoreError(f"alert {alert_id} is already resolved")
            alert.state = _ACTION_STATE[action]
            alert.updated_at = now()
            ledger.append(
                AlertChange(
                    alert_id=alert_id,
                    created_at=alert.updated_at,
                    action=action,
                    state=alert.state,
                    event_ids=[],
                    by=by,
                    note=note,
                )
            )
        return alert

    def get_alert(self, alert_id: int) -> AlertDetail:
        """An alert and its changes (NotFoundError if absent)."""
        with self.reading() as session:
            alert = session.get(Alert, alert_id)
            if alert is None:
                raise NotFoundError(f"no alert with id {alert_id}")
            changes = session.scalars(
                select(AlertChange).where(AlertChange.alert_id == alert_id).order_by(AlertChange.id)
            )
            return AlertDetail(alert=alert, changes=list(changes))

    def list_alerts(
        self,
        *,
        states: tuple[str, ...] | None = None,
        agent_id: str | None = None,
        severity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Alert]:
        """Alerts, newest activity first, optionally by state / agent / severity."""
        q = select(Alert)
        if states:
            q = q.where(Alert.state.in_(states))  # type: ignore[attr-defined]
        if agent_id is not None:
            q = q.where(Alert.agent_id == agent_id)
        if severity is not None:
            q = q.where(Alert.severity == severity)
        q = q.order_by(Alert.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
        with self.reading() as session:
            return list(session.scalars(q))

    def alert_counts(self) -> dict[str, int]:
        """Number of alerts per state (every state present, zero if none)."""
        q = select(Alert.state, func.count()).group_by(Alert.state)
        counts: dict[str, Any] = dict.fromkeys(ALERT_STATES, 0)
        with self.reading() as session:
            for state, n in session.execute(q):
                counts[state] = int(n)
        return counts

    def iter_alerts(self) -> Iterator[Alert]:
        """Every alert, oldest first (for export)."""
        with self.reading() as session:
            yield from session.scalars(select(Alert).order_by(Alert.id))  # type: ignore[arg-type]
