"""screen → gate → run → record → alerts: the front door for agent frameworks.

`guard` records every screening, whatever happens: blocked code, code held for
review, a scan or a run that raised (gate decision "error", with the error
text). Only a failure of the store itself propagates (as `StoreError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airlock.analyzer.models import Report
from airlock.audit.store import Store
from airlock.executor.models import ExecutionResult, Limits
from airlock.vocabulary import GateDecision as Decision


class GatePolicy(BaseModel):
    """What the gate lets run, and how (the sandbox policy is handed to `executor.run`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    auto_approve_review: bool = False  # run every `review` verdict without a person
    auto_approve_below: int | None = None  # run `review` verdicts scoring below this
    sandbox: Any = None  # executor.policy.SandboxPolicy or None for the executor's default
    allow_degraded: bool = False

    def auto_approves(self, report: Report) -> bool:
        """True when this `review` report may run without a person."""
        if self.auto_approve_review:
            return True
        return self.auto_approve_below is not None and report.score < self.auto_approve_below


class AlertInfo(BaseModel):
    """An alert raised (or extended) by this screening."""

    id: int
    rule_id: str
    severity: str
    title: str
    opened: bool = True  # False: this screening's events joined an alert already open


class GuardResult(BaseModel):
    """What happened to one piece of code."""

    record_id: int
    decision: Decision
    report: Report | None = None
    result: ExecutionResult | None = None
    error: str | None = None  # the scan's or the run's exception, when one raised
    alerts: list[AlertInfo] = Field(default_factory=list)
    alert_error: str | None = None  # the alert step failed; the record is still stored

    @property
    def verdict(self) -> str:
        """The analyzer's verdict ("block" when the scan itself failed)."""
        return str(self.report.verdict) if self.report else "block"

    def as_dict(self) -> dict[str, Any]:
        """The plain result agent frameworks expect: success, output, error, verdict, record_id."""
        output = self.result.stdout if self.result else ""
        return {
            "success": self.decision == "ran" and self.result is not None and self.result.ok,
            "output": output,
            "error": self._error_text(),
            "verdict": self.verdict,
            "record_id": self.record_id,
        }

    def _error_text(self) -> str | None:
        rid = self.record_id
        if self.decision == "blocked":
            why = "; ".join(r.text for r in self.report.reasons) if self.report else ""
            return f"blocked by Airlock (record {rid})" + (f": {why}" if why else "")
        if self.decision == "held_for_review":
            return f"held for human review (record {rid}); not run"
        if self.decision == "refused":
            return f"the sandbox refused to run it: {self.result.refused if self.result else ''}"
        if self.decision == "error":
            return f"Airlock error (record {rid}): {self.error}"
        r = self.result
        if r is None or r.ok:
            return None
        if r.timed_out:
            return f"timed out after {r.limits.timeout_s:g}s"
        if r.memory_exceeded:
            return f"exceeded the memory limit of {r.limits.memory_mb} MB"
        if r.killed_reason:
            return f"killed: {r.killed_reason}"
        tail = r.stderr.strip().splitlines()[-1:] if r.stderr.strip() else []
        return f"exit code {r.exit_code}" + (f": {tail[0]}" if tail else "")


def gate(report: Report, policy: GatePolicy, *, approve: bool = False) -> Decision | Literal["run"]:
    """block never runs; review waits unless approved (by the caller or the policy); allow runs."""
    if report.verdict == "block":
        return "blocked"
    if report.verdict == "review" and not (approve or policy.auto_approves(report)):
        return "held_for_review"
    return "run"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def run_code(
    code: str,
    *,
    limits: Limits | None,
    files: Mapping[str, Any] | None,
    policy: GatePolicy,
) -> tuple[ExecutionResult | None, str | None]:
    """Run through the executor; an exception becomes the error text."""
    try:
        from airlock.executor import run

        return (
            run(
                code,
                limits=limits,
                files=files,
                policy=policy.sandbox,
                allow_degraded=policy.allow_degraded,
            ),
            None,
        )
    except Exception as exc:
        return None, "run failed: " + _describe(exc)


def raise_alerts(store: Store, screening_id: int) -> tuple[list[AlertInfo], str | None]:
    """Ask the alert engine about a stored screening; store and deliver what it raises."""
    try:
        from airlock.audit.alerts import deliver, evaluate
    except Exception as exc:
        return [], "alert engine unavailable: " + _describe(exc)
    try:
        drafts = evaluate(store.event(screening_id), store)
        changes = store.record_alert_changes(list(drafts))
    except Exception as exc:
        return [], "alert evaluation failed: " + _describe(exc)
    infos = [
        AlertInfo(
            id=a.id or 0,
            rule_id=a.rule_id,
            severity=a.severity,
            title=a.title,
            opened=action == "opened",
        )
        for a, action in changes
    ]
    opened = [a for a, action in changes if action == "opened"]
    if not opened:  # events folded into an alert already sent are not news
        return infos, None
    try:
        failed = [st for st in deliver(opened) if not st.ok]  # never raises by contract
    except Exception as exc:
        return infos, "alert delivery failed: " + _describe(exc)
    if failed:
        return infos, "alert delivery failed: " + "; ".join(
            f"{st.target} {st.destination}: {st.error}" for st in failed
        )
    return infos, None


def guard(
    code: str,
    *,
    agent_id: str | None = None,
    user_id: str | None = None,
    session_id: str | None = None,
    ruleset: str = "default",
    policy: GatePolicy | None = None,
    limits: Limits | None = None,
    files: Mapping[str, Any] | None = None,
    approve: bool = False,
    store: Store | None = None,
) -> GuardResult:
    """Screen `code`, let the gate decide, run it if allowed, record it, raise alerts."""
    policy = policy or GatePolicy()
    own = store is None
    store = store or Store()
    try:
        report: Report | None = None
        result: ExecutionResult | None = None
        error: str | None = None
        run_error: str | None = None
        decision: Decision
        try:
            from airlock.analyzer import scan

            report = scan(code, ruleset=ruleset, filename="<agent code>")
        except Exception as exc:
            error = "scan failed: " + _describe(exc)
        if report is None:
            decision = "error"
        else:
            step = gate(report, policy, approve=approve)
            if step == "run":
                result, run_error = run_code(code, limits=limits, files=files, policy=policy)
                if run_error is not None:
                    decision, error = "error", run_error
                else:
                    decision = "refused" if result is not None and result.refused else "ran"
            else:
                decision = step
        row = store.record(
            code=code,
            report=report,
            gate_decision=decision,
            result=result,
            run_error=run_error,
            error=error,
            agent_id=agent_id,
            user_id=user_id,
            session_id=session_id,
            ruleset=ruleset,
            limits=limits or Limits(),
        )
        assert row.id is not None
        alerts, alert_error = raise_alerts(store, row.id)
        return GuardResult(
            record_id=row.id,
            decision=decision,
            report=report,
            result=result,
            error=error,
            alerts=alerts,
            alert_error=alert_error,
        )
    finally:
        if own:
            store.close()


def guard_reply(llm_text: str, **kwargs: Any) -> list[GuardResult]:
    """Guard each Python block of an LLM reply, in order (takes `guard`'s keyword arguments)."""
    from airlock.analyzer.extract import extract_code

    own = kwargs.get("store") is None
    if own:
        kwargs["store"] = Store()
    try:
        return [guard(block, **kwargs) for block in extract_code(llm_text)]
    finally:
        if own:
            kwargs["store"].close()
