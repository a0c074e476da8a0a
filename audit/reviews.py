"""The review flow: a person decides about a screening, and approval runs held code.

States: open (waiting), approved (run it), denied, false-positive (the rule was
wrong; the code is not run by that decision), accepted-risk (known, tolerated
until an expiry, after which the item returns to the queue).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from airlock.audit.accounts import OidcIdentity
from airlock.audit.binding import bound_code
from airlock.audit.errors import AuthError, StoreError
from airlock.audit.pipeline import AlertInfo, GatePolicy, raise_alerts, run_code
from airlock.audit.rescreen import check_current
from airlock.audit.store import Store
from airlock.audit.tables import Execution, Review

if TYPE_CHECKING:
    from airlock.executor.session import Session
from airlock.executor.models import ExecutionResult, Limits
from airlock.vocabulary import REVIEW_STATES


class ReviewOutcome(BaseModel):
    """The recorded decision, and the run it caused (approve only)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    review: Review
    execution: Execution | None = None
    result: ExecutionResult | None = None  # what the executor returned for that run
    alerts: list[AlertInfo] = []
    alert_error: str | None = None


def decide(
    store: Store,
    screening_id: int,
    state: str,
    *,
    token: str | OidcIdentity | None,
    note: str = "",
    expires_at: datetime | None = None,
    policy: GatePolicy | None = None,
    expected_sha256: str | None = None,
    expected_ruleset_version: str | None = None,
    ruleset: Any = None,
    session: Session | None = None,
) -> ReviewOutcome:
    """Record an authenticated reviewer's decision; `approved` also runs the held code.

    `token` is a reviewer's token (`Store.add_reviewer`) or the OIDC identity a dashboard
    sign-in verified (bound to an account: `Store.bind_reviewer`); without a valid one, or
    for a revoked account, this raises `AuthError` and nothing is recorded. An approval runs only the exact code that was
    screened (`audit.binding`: `CodeMismatch` and a critical alert otherwise), under its
    recorded limits, and the approval is recorded before the code starts.
    `expected_sha256` is the code's sha256 (or a prefix) and `expected_ruleset_version`
    the rule-set version as the reviewer saw them. When the rule set has a new version
    since the screening, the code is screened again and not run if it is now blocked
    (`audit.rescreen`: `RulesChanged` and an alert); `ruleset` is that rule set when it
    cannot be loaded by its recorded name (a user's file: its path or a loaded RuleSet).
    `session` runs an approved session call in its session (the screening must carry that
    session's id); without it the code runs in a fresh sandbox, without the session's state.
    """
    if state not in REVIEW_STATES:
        raise StoreError(f"unknown review state {state!r} (one of {', '.join(REVIEW_STATES)})")
    if state == "accepted-risk" and expires_at is None:
        raise StoreError("accepted-risk needs an expiry (--expires)")
    reviewer = store.authenticate(token)
    detail = store.get(screening_id)
    screening = detail.screening
    if state != "approved":
        review = store.add_review(
            screening_id, state, by=reviewer.name, note=note, expires_at=expires_at
        )
        return ReviewOutcome(review=review)
    if screening.verdict == "block":
        raise StoreError(f"screening {screening_id} was blocked; blocked code never runs")
    if screening.gate_decision != "held_for_review":
        raise StoreError(
            f"screening {screening_id} was not held for review "
            f"(gate decision: {screening.gate_decision})"
        )
    if detail.executions:
        raise StoreError(f"screening {screening_id} has already run")
    if screening.review_state == "approved":  # approved, then interrupted before a result
        raise StoreError(f"screening {screening_id} was already approved (its run was interrupted)")
    if session is not None and screening.session_id != session.id:
        raise StoreError(
            f"screening {screening_id} was not submitted in session {session.id} "
            f"(its session: {screening.session_id or 'none'})"
        )
    if screening.agent_id is not None and screening.agent_id == reviewer.name:
        raise AuthError(f"{reviewer.name} submitted screening {screening_id}; another must approve")
    code = bound_code(
        store,
        screening,
        expected_sha256=expected_sha256,
        expected_ruleset_version=expected_ruleset_version,
    )
    check_current(store, code, screening, ruleset)
    limits = Limits.model_validate(screening.limits) if screening.limits else Limits()
    review = store.add_review(
        screening_id, state, by=reviewer.name, note=note, run_timeout_s=limits.timeout_s
    )
    result, run_error = run_code(
        code, limits=limits, files=None, policy=policy or GatePolicy(), session=session
    )
    execution = store.add_execution(
        screening_id, result, run_error=run_error, trigger="review", approved_by=reviewer.name
    )
    alerts, alert_error = raise_alerts(store, screening_id)
    return ReviewOutcome(
        review=review, execution=execution, result=result, alerts=alerts, alert_error=alert_error
    )
