"""screen → gate → record → run → record → alerts: the front door for agent frameworks.

`guard` records every screening, whatever happens: blocked code, code held for
review, a scan that raised (gate decision "error", with the error text). Code the
gate lets run is recorded first (gate decision "ran", outcome "interrupted" until
its result is recorded: "refused" or "error" when the sandbox refused or raised). Code
that asks for more network than the rule set's policy allows (`Policy.network`) is
recorded as "refused" and never starts (audit/network_gate.py).
Only a failure of the store itself propagates (as `StoreError`), and then nothing ran.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airlock.analyzer.models import Report
from airlock.audit.errors import StoreError
from airlock.audit.events import RecordedEvent
from airlock.audit.store import Store
from airlock.executor.models import ExecutionResult, Limits
from airlock.vocabulary import GateDecision as Decision

if TYPE_CHECKING:
    from airlock.executor.session import Session


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
    record_error: str | None = None  # it ran, but its result could not be recorded

    @property
    def verdict(self) -> str:
        """The analyzer's verdict ("block" when the scan itself failed)."""
        return str(self.report.verdict) if self.report else "block"

    def as_dict(self) -> dict[str, Any]:
        """The plain result agent frameworks expect: success, output, error, verdict,
        record_id, plus the program's stderr and its output files (content in standard
        base64, None for a file over the size cap), and for a session call its value and
        display outputs (data in standard base64)."""
        import base64

        output = self.result.stdout if self.result else ""
        files = [
            {
                "name": f.name,
                "size": f.size,
                "truncated": f.truncated,
                "content_base64": None
                if f.content is None
                else base64.b64encode(f.content).decode("ascii"),
            }
            for f in (self.result.files if self.result else [])
        ]
        return {
            "success": self.decision == "ran"
            and self.result is not None
            and self.result.ok
            and not self.record_error,
            "output": output,
            "error": self._error_text(),
            "verdict": self.verdict,
            "record_id": self.record_id,
            "stderr": self.result.stderr if self.result else "",
            "files": files,
            "value": self.result.value if self.result else None,
            "display": [
                {"mime": d.mime, "data_base64": base64.b64encode(d.data).decode("ascii")}
                for d in (self.result.display if self.result else [])
            ],
        }

    def _error_text(self) -> str | None:
        rid = self.record_id
        if self.record_error:
            return f"Airlock error: {self.record_error}"
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
    stdin: bytes | None = None,
    on_stdout: Callable[[bytes], object] | None = None,
    on_stderr: Callable[[bytes], object] | None = None,
    session: Session | None = None,
) -> tuple[ExecutionResult | None, str | None]:
    """Run through the executor (in ``session`` when given); an exception becomes the
    error text."""
    try:
        if session is not None:
            from airlock.executor.workfiles import load_inputs

            for name, data in load_inputs(files).items():
                session.files.put(name, data)
            timeout = limits.timeout_s if limits is not None else None
            return session.run(
                code, timeout_s=timeout, on_stdout=on_stdout, on_stderr=on_stderr
            ), None
        from airlock.executor import run

        return (
            run(
                code,
                limits=limits,
                files=files,
                policy=policy.sandbox,
                allow_degraded=policy.allow_degraded,
                stdin=stdin,
                on_stdout=on_stdout,
                on_stderr=on_stderr,
            ),
            None,
        )
    except Exception as exc:
        return None, "run failed: " + _describe(exc)


def _event(screening: Any, report: Report | None, execution: Any) -> RecordedEvent:
    """The alert engine's view of rows this process has just written (as the store would
    read them back: `store.event`)."""
    from airlock.audit.convert import event_of, finding_rows

    return event_of(screening, finding_rows(report), execution)


def _network_refusal(limits: Limits, ruleset: str) -> ExecutionResult | None:
    """A refused result when ``limits`` ask for more network than the rule set allows."""
    from airlock.audit.network_gate import refusal, refused

    try:
        why = refusal(limits, ruleset)
    except Exception as exc:  # fail closed: a bound that cannot be read lets nothing out
        if str(limits.network) == "none":
            return None
        why = f"network: {limits.network} asked for; the rule set's bound: {_describe(exc)}"
    return None if why is None else refused(limits, why)


def raise_alerts(
    store: Store, screening_id: int, event: RecordedEvent | None = None
) -> tuple[list[AlertInfo], str | None]:
    """Ask the alert engine about a stored screening; store and deliver what it raises.

    ``event`` is the screening as the engine sees it, when the caller built it from the
    rows it has just written (else it is read back from the store)."""
    try:
        from airlock.audit.alerts import evaluate
    except Exception as exc:
        return [], "alert engine unavailable: " + _describe(exc)
    try:
        drafts = list(evaluate(event or store.event(screening_id), store))
    except Exception as exc:
        return [], "alert evaluation failed: " + _describe(exc)
    checkpoint_error = None
    try:
        from airlock.audit.auto_checkpoint import due

        draft = due(store, screening_id)
        drafts += [draft] if draft is not None else []
    except Exception as exc:
        checkpoint_error = "automatic checkpoint failed: " + _describe(exc)
    try:
        changes = store.record_alert_changes(drafts)
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
    opened = [int(a.id or 0) for a, action in changes if action == "opened"]
    if not opened:  # events folded into an alert already sent are not news
        return infos, checkpoint_error
    try:  # the local log at once; the webhook from the outbox, off the caller's path
        from airlock.audit.alerts.deliver import Delivery
        from airlock.audit.alerts.outbox import flush, flush_in_background

        report = flush(store, targets=("jsonl",), alert_ids=opened)
        if Delivery.from_env().webhook_url is not None:
            flush_in_background(store.url.render_as_string(hide_password=False), opened)
    except Exception as exc:
        return infos, "alert delivery failed (kept in the outbox): " + _describe(exc)
    if report.failed:
        return infos, "alert delivery failed (kept in the outbox, retried later): " + "; ".join(
            why for _, why in report.failed
        )
    return infos, checkpoint_error


def _check_text(name: str, value: object, *, optional: bool = True) -> None:
    """The Python API's contract: str (or None where optional), encodable as UTF-8."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        want = "str or None" if optional else "str"
        raise TypeError(f"{name} must be {want}, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} contains lone surrogates (not valid Unicode text)") from None


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
    token: str | None = None,
    store: Store | None = None,
    stdin: bytes | None = None,
    on_stdout: Callable[[bytes], object] | None = None,
    on_stderr: Callable[[bytes], object] | None = None,
    session: Session | None = None,
    on_start: Callable[[int], object] | None = None,
) -> GuardResult:
    """Screen `code`, let the gate decide, record the decision, run it if allowed, record
    the result, raise alerts.

    With `session` (an `executor.Session`) the code runs there, keeping its state; the
    record carries the session's id and the call's number in it (`call_index`, counted
    over every screening of the session, held and blocked ones too). A call held for
    review leaves the session alive: `reviews.decide(..., session=session)` runs it there
    once a reviewer approves. `stdin` is for plain runs only.

    `stdin` (bytes, bounded by `limits.max_stdin_bytes`) is what the program reads; the
    `on_stdout` / `on_stderr` callbacks receive its output as it is written (the record
    keeps the capped copy, as without them; in a session they must not block).
    `on_start` is called with the record's id once the decision to run is recorded, just
    before the program starts (never for code that does not run).

    The screening and the decision to run are written before the program starts: if they
    cannot be, nothing runs and `StoreError` propagates. If the result cannot be written
    afterwards, the record stays "interrupted" and `record_error` says why.
    `limits.network` (the session's, in a session) beyond the rule set's `policy.network`
    is refused (decision "refused", the reason in `result.refused`) before anything runs.
    `approve=True` runs a `review` verdict on a reviewer's authority: `token` must be a
    live reviewer token (`AuthError` otherwise, before anything is screened or run).
    Raises `TypeError` / `ValueError` for arguments of the wrong type or invalid text.
    """
    _check_text("code", code, optional=False)
    for name, value in (("agent_id", agent_id), ("user_id", user_id), ("session_id", session_id)):
        _check_text(name, value)
    _check_text("ruleset", ruleset, optional=False)
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits, not {type(limits).__name__}")
    call_index: int | None = None
    if session is not None:
        from airlock.executor.session import Session

        if not isinstance(session, Session):
            raise TypeError(f"session must be an executor.Session, not {type(session).__name__}")
        if session_id is not None and session_id != session.id:
            raise ValueError(f"session_id {session_id!r} is not the session's id {session.id!r}")
        if stdin is not None:
            raise ValueError("stdin is not available in a session")
        session_id, call_index = session.id, session.next_call_index()
        limits = limits or session.limits
    policy = policy or GatePolicy()
    own = store is None
    store = store or Store()
    try:
        reviewer = store.authenticate(token) if approve else None
        if reviewer is not None and agent_id is not None and reviewer.name == agent_id:
            from airlock.audit.errors import AuthError

            raise AuthError(f"{reviewer.name} cannot approve code submitted as {agent_id}")
        report: Report | None = None
        error: str | None = None
        try:
            from airlock.analyzer import scan

            report = scan(code, ruleset=ruleset, filename="<agent code>")
        except Exception as exc:
            error = "scan failed: " + _describe(exc)
        step: Decision | Literal["run"] = (
            "error" if report is None else gate(report, policy, approve=reviewer is not None)
        )
        common: dict[str, Any] = dict(
            code=code,
            report=report,
            error=error,
            agent_id=agent_id,
            user_id=user_id,
            session_id=session_id,
            call_index=call_index,
            ruleset=ruleset,
            limits=limits or Limits(),
        )
        if step in ("run", "held_for_review"):
            bounded = _network_refusal(common["limits"], ruleset)
            if bounded is not None:
                row = store.record(gate_decision="refused", result=bounded, **common)
                assert row.id is not None
                alerts, alert_error = raise_alerts(store, row.id)
                return GuardResult(
                    record_id=row.id, decision="refused", report=report, result=bounded,
                    alerts=alerts, alert_error=alert_error,
                )  # fmt: skip
        if step != "run":
            row = store.record(gate_decision=step, **common)
            assert row.id is not None
            alerts, alert_error = raise_alerts(store, row.id, _event(row, report, None))
            return GuardResult(
                record_id=row.id, decision=step, report=report, error=error,
                alerts=alerts, alert_error=alert_error,
            )  # fmt: skip
        assert report is not None
        by = (
            reviewer.name
            if reviewer is not None
            and report.verdict == "review"
            and not policy.auto_approves(report)
            else None
        )
        intent = store.record(gate_decision="ran", intent=True, approved_by=by, **common)
        assert intent.id is not None
        if on_start is not None:
            on_start(intent.id)
        from airlock.executor.warm import deferred

        with deferred():  # a warm interpreter's teardown and refill wait for the records
            result, run_error = run_code(
                code, limits=limits, files=files, policy=policy,
                stdin=stdin, on_stdout=on_stdout, on_stderr=on_stderr, session=session,
            )  # fmt: skip
            record_error: str | None = None
            execution = None
            try:
                execution = store.add_execution(
                    intent.id, result, run_error=run_error, trigger="gate", approved_by=by
                )
            except StoreError as exc:
                record_error = (
                    f"the result could not be recorded (record {intent.id} stays interrupted): "
                    f"{exc}"
                )
            decision: Decision = "ran"
            if run_error is not None:
                decision, error = "error", run_error
            elif result is not None and result.refused:
                decision = "refused"
            alerts, alert_error = (
                ([], None)
                if record_error
                else raise_alerts(store, intent.id, _event(intent, report, execution))
            )
        return GuardResult(
            record_id=intent.id,
            decision=decision,
            report=report,
            result=result,
            error=error,
            alerts=alerts,
            alert_error=alert_error,
            record_error=record_error,
        )
    finally:
        if own:
            store.close()


def guard_reply(llm_text: str, **kwargs: Any) -> list[GuardResult]:
    """Guard each Python block of an LLM reply, in order (takes `guard`'s keyword arguments;
    with `session=` the blocks share one interpreter, so a later block sees an earlier
    one's variables)."""
    from airlock.analyzer.extract import extract_code

    own = kwargs.get("store") is None
    if own:
        kwargs["store"] = Store()
    try:
        return [guard(block, **kwargs) for block in extract_code(llm_text)]
    finally:
        if own:
            kwargs["store"].close()
