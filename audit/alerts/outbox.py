"""The alert outbox: delivery that survives failures and restarts, off the caller's path.

Opening an alert queues it (`alert_outbox`, in the alert's own transaction). `flush`
claims the rows that are due (a lease, so two flushers never send one row at once),
sends each to the targets that do not have it yet and records the result: delivered,
or another attempt after a backoff that doubles from 30 s up to an hour. The pipeline
writes the local JSON-lines log at once and leaves webhooks to a background flush;
`airlock alerts deliver` flushes everything that is due.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from airlock.audit.alerts.deliver import Delivery, DeliveryConfigError, deliver
from airlock.audit.tables import Alert, AlertOutbox

if TYPE_CHECKING:
    from airlock.audit.store import Store

TARGETS = ("jsonl", "webhook")
BACKOFF_S = 30.0
MAX_BACKOFF_S = 3600.0
LEASE_S = 120.0  # a claimed row is left alone this long (more than a delivery's deadline)


@dataclass
class FlushReport:
    """What a flush did."""

    delivered: list[int] = field(default_factory=list)  # alert ids now at every target
    failed: list[tuple[int, str]] = field(default_factory=list)  # alert id, why (retried later)
    pending: int = 0  # rows still waiting after this flush

    def line(self) -> str:
        """One human line."""
        return (
            f"delivered {len(self.delivered)}, failed {len(self.failed)} (will retry), "
            f"{self.pending} waiting"
        )


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones."""
    return timedelta(seconds=min(MAX_BACKOFF_S, BACKOFF_S * 2 ** max(0, attempts - 1)))


def _configured(config: Delivery) -> set[str]:
    wanted = set()
    if config.jsonl_path is not None:
        wanted.add("jsonl")
    if config.webhook_url is not None:
        wanted.add("webhook")
    return wanted


def _claim(store: Store, ids: list[int] | None, at: datetime) -> list[int]:
    with store.writing() as (session, _ledger):
        q = select(AlertOutbox).where(
            AlertOutbox.delivered_at.is_(None),  # type: ignore[union-attr]
            AlertOutbox.next_at <= at,  # type: ignore[operator]
        )
        if ids is not None:
            q = q.where(AlertOutbox.alert_id.in_(ids))  # type: ignore[attr-defined]
        rows = list(session.scalars(q.order_by(AlertOutbox.id).limit(500)))
        for row in rows:
            row.next_at = at + timedelta(seconds=LEASE_S)
        return [int(r.id or 0) for r in rows]


def flush(
    store: Store,
    *,
    targets: tuple[str, ...] = TARGETS,
    alert_ids: list[int] | None = None,
    config: Delivery | None = None,
) -> FlushReport:
    """Deliver what is due (to `targets` only; to `alert_ids` only, when given); never raises
    for a delivery failure (a store failure is a `StoreError`)."""
    report = FlushReport()
    at = datetime.now(UTC)
    try:
        config = config or Delivery.from_env()
        error = None
    except DeliveryConfigError as exc:
        config, error = Delivery(), str(exc)
    wanted = _configured(config)
    for row_id in _claim(store, alert_ids, at):
        with store.reading() as session:
            row = session.get(AlertOutbox, row_id)
            alert = session.get(Alert, row.alert_id) if row else None
        if row is None or alert is None:
            continue
        done = {t for t in row.done.split(",") if t}
        todo = (wanted & set(targets)) - done
        problems = [error] if error else []
        if todo:
            only = Delivery(
                webhook_url=config.webhook_url if "webhook" in todo else None,
                jsonl_path=config.jsonl_path if "jsonl" in todo else None,
                timeout_s=config.timeout_s,
            )
            for st in deliver([alert], only):
                if st.ok:
                    done.add(st.target)
                else:
                    problems.append(f"{st.target}: {st.error}")
        finished = not error and wanted <= done
        with store.writing() as (session, _ledger):
            live = session.get(AlertOutbox, row_id)
            if live is None:
                continue
            live.done = ",".join(sorted(done))
            if finished:
                live.delivered_at = datetime.now(UTC)
                live.last_error = None
            elif problems:
                live.attempts += 1
                live.next_at = datetime.now(UTC) + backoff(live.attempts)
                live.last_error = "; ".join(problems)[:2000]
            else:  # targets for another flusher (the webhook in the background): due now
                live.next_at = at
        if finished:
            report.delivered.append(alert.id or 0)
        elif problems:
            report.failed.append((alert.id or 0, "; ".join(problems)))
    with store.reading() as session:
        report.pending = len(
            list(session.scalars(select(AlertOutbox.id).where(AlertOutbox.delivered_at.is_(None))))  # type: ignore[union-attr]
        )
    return report


def flush_in_background(url: str, alert_ids: list[int]) -> threading.Thread:
    """Deliver these alerts to the webhook from a daemon thread with its own connection;
    what it does not finish stays in the outbox for the next flush."""

    def work() -> None:
        from airlock.audit.store import Store

        try:
            with Store(url, upgrade=False) as store:
                flush(store, targets=("webhook",), alert_ids=alert_ids)
        except Exception:  # the outbox keeps them; `airlock alerts deliver` retries
            pass

    thread = threading.Thread(target=work, name="airlock-alert-delivery", daemon=True)
    thread.start()
    return thread
