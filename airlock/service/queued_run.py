"""A queued run, started by whichever server's worker claimed it.

Everything about the run comes from the store, never from the job: the code exactly as
screened, the limits granted, the agent id (the key's name) it was recorded under. The
accepting server screened it, let the gate decide and recorded the intent (gate "ran",
outcome "interrupted") before queueing it; this module runs it and records the result on
that record, as `guard` would have, then raises the alerts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airlock.audit.errors import StoreError

if TYPE_CHECKING:
    from airlock.audit.store import Store
    from airlock.executor.models import Limits
    from airlock.service.handoff import Handoffs
    from airlock.service.network import Network

log = logging.getLogger("airlock.service")


def not_started(store: Store, record_id: int, limits: Limits, why: str) -> dict[str, Any]:
    """Record that a queued run never started (outcome "refused"); its reply."""
    from airlock.audit.network_gate import refused

    result = refused(limits, why)
    store.add_execution(record_id, result, trigger="gate")
    return {
        "success": False,
        "output": "",
        "error": f"not run: {why} (record {record_id})",
        "record_id": record_id,
        "decision": "refused",
        "outcome": "refused",
        "queued": True,
    }


def limits_of(screening: Any) -> Limits:
    """The limits a screening was recorded with."""
    from airlock.executor.models import Limits

    return Limits.model_validate(screening.limits or {})


def run_claimed(
    store: Store, handoffs: Handoffs, record_id: int, state: str, worker: str, bound: Network
) -> None:
    """Run (or, when `state` is "expired", record as not started) a record this worker
    claimed, and leave the reply for its accepting server."""
    try:
        reply = _run(store, record_id, state, worker, bound)
    except Exception as exc:  # the store failed mid-way: the record stays as it is
        log.warning("queued record %s failed: %r", record_id, exc)
        reply = {
            "success": False,
            "output": "",
            "error": f"Airlock error: the queued run failed ({type(exc).__name__})",
            "record_id": record_id,
            "queued": True,
        }
        handoffs.finish(record_id, reply, state="failed")
        return
    handoffs.finish(record_id, reply, state="expired" if state == "expired" else "done")


def _run(store: Store, record_id: int, state: str, worker: str, bound: Network) -> dict[str, Any]:
    from airlock.audit.intents import INTERRUPTED, exact_code
    from airlock.audit.pipeline import GatePolicy, GuardResult, raise_alerts, run_code
    from airlock.service.network import NetworkRefused, grant
    from airlock.service.replies import execute_reply

    detail = store.get(record_id)
    s = detail.screening
    limits = limits_of(s)
    if state == "expired":
        return not_started(
            store, record_id, limits, "no server had a free slot before its deadline"
        )
    if (
        s.gate_decision != "ran"
        or s.outcome != INTERRUPTED
        or detail.executions
        or s.session_id is not None
    ):  # only a recorded intent of a plain run is queued; anything else is left alone
        raise StoreError(f"record {record_id} is not a run waiting to start")
    try:
        grant(str(limits.network), bound)
    except (NetworkRefused, ValueError) as exc:
        return not_started(store, record_id, limits, f"beyond this server's --network: {exc}")
    result, run_error = run_code(exact_code(s), limits=limits, files=None, policy=GatePolicy())
    record_error = None
    try:
        store.add_execution(record_id, result, run_error=run_error, trigger="gate")
    except StoreError as exc:
        record_error = (
            f"the result could not be recorded (record {record_id} stays interrupted): {exc}"
        )
    decision = "ran"
    if run_error is not None:
        decision = "error"
    elif result is not None and result.refused:
        decision = "refused"
    alerts, alert_error = ([], None) if record_error else raise_alerts(store, record_id)
    outcome = GuardResult(
        record_id=record_id, decision=decision, result=result, error=run_error,
        alerts=alerts, alert_error=alert_error, record_error=record_error,
    )  # fmt: skip
    reply = execute_reply(outcome)
    reply["verdict"] = s.verdict  # the screening's, as recorded (no report travels)
    reply["queued"] = True
    reply["ran_on"] = worker
    return reply
