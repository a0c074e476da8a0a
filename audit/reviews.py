"""The review flow: a person decides about a screening, and approval runs held code.

States: open (waiting), approved (run it), denied, false-positive (the rule was
wrong; the code is not run by that decision), accepted-risk (known, tolerated
until an expiry, after which the item returns to the queue).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from airlock.audit.actor import default_user
from airlock.audit.errors import StoreError
from airlock.audit.pipeline import AlertInfo, GatePolicy, raise_alerts, run_code
from airlock.audit.store import Store
from airlock.audit.tables import Execution, Review
from airlock.executor.models import Limits
from airlock.vocabulary import REVIEW_STATES


class ReviewOutcome(BaseModel):
    """The recorded decision, and the run it caused (approve only)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    review: Review
    execution: Execution | None = None
    alerts: list[AlertInfo] = []
    alert_error: str | None = None


def decide(
    store: Store,
    screening_id: int,
    state: str,
    *,
    by: str | None = None,
    note: str = "",
    expires_at: datetime | None = None,
    policy: GatePolicy | None = None,
) -> ReviewOutcome:
    """Record a reviewer's decision; `approved` also runs held code under its recorded limits."""
    if state not in REVIEW_STATES:
        raise StoreError(f"unknown review state {state!r} (one of {', '.join(REVIEW_STATES)})")
    if state == "accepted-risk" and expires_at is None:
        raise StoreError("accepted-risk needs an expiry (--expires)")
    by = by or default_user()
    detail = store.get(screening_id)
    screening = detail.screening
    if state == "approved":
        if screening.verdict == "block":
            raise StoreError(f"screening {screening_id} was blocked; blocked code never runs")
        if screening.gate_decision != "held_for_review":
            raise StoreError(
                f"screening {screening_id} was not held for review "
                f"(gate decision: {screening.gate_decision})"
            )
        if detail.executions:
            raise StoreError(f"screening {screening_id} has already run")
    review = store.add_review(screening_id, state, by=by, note=note, expires_at=expires_at)
    if state != "approved":
        return ReviewOutcome(review=review)
    limits = Limits.model_validate(screening.limits) if screening.limits else Limits()
    result, run_error = run_code(
        screening.code, limits=limits, files=None, policy=policy or GatePolicy()
    )
    execution = store.add_execution(
        screening_id, result, run_error=run_error, trigger="review", approved_by=by
    )
    alerts, alert_error = raise_alerts(store, screening_id)
    return ReviewOutcome(review=review, execution=execution, alerts=alerts, alert_error=alert_error)
