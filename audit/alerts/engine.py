"""The alert engine: one recorded event plus the history in, alert drafts out.

Each rule kind is a small check. A check returns at most one draft; its
`dedup_key` decides which open alert the store folds it into (the key always
starts with the rule id, so a user's second rule of the same kind keeps its own
alerts). Checks are pure apart from the `History` queries they make; errors
raised by the history (a locked database, say) propagate to the caller.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from airlock.audit.alerts.rules import (
    AgentBurstParams,
    AlertRule,
    AlertRules,
    EgressDeniedParams,
    LayerParams,
    LimitKillParams,
    SandboxErrorParams,
    SecretParams,
    active_alert_rules,
)
from airlock.audit.alerts.secrets import SecretFinding, find_secrets
from airlock.audit.events import AlertDraft, AlertSeverity, History, RecordedEvent

SEVERITY_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}
MAX_EVENT_IDS = 50  # event ids one draft carries
SECRETS_PER_TEXT = 20  # findings collected per scanned text

Check = Callable[[AlertRule, RecordedEvent, History], AlertDraft | None]


def _key(rule: AlertRule, *parts: object) -> str:
    # JSON-quoting the parts keeps keys unambiguous (agent "a:b" vs agent "a" + "b").
    return ":".join([rule.id, *(json.dumps(part) for part in parts)])


def _agent(event: RecordedEvent) -> str:
    return repr(event.agent_id) if event.agent_id is not None else "(no agent id)"


def _short(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _draft(
    rule: AlertRule,
    event: RecordedEvent,
    detail: str,
    key: str,
    *,
    event_ids: list[int] | None = None,
    severity: AlertSeverity | None = None,
    per_agent: bool = True,
) -> AlertDraft:
    return AlertDraft(
        rule_id=rule.id,
        severity=severity or rule.severity,
        title=rule.title,
        detail=detail,
        agent_id=event.agent_id if per_agent else None,
        event_ids=event_ids or [event.id],
        dedup_key=key,
    )


def _blocked_attempt(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    if event.verdict != "block":
        return None
    rules = ", ".join(event.rule_ids[:10]) or "no live findings"
    detail = (
        f"agent {_agent(event)}: code {event.code_sha256[:12]} blocked "
        f"(score {event.score}, rule set {event.ruleset}; rules: {rules})"
    )
    return _draft(rule, event, detail, _key(rule, event.agent_id, event.code_sha256))


def _kill_reasons(event: RecordedEvent) -> list[tuple[str, str]]:
    """(class, description) of each way the run was killed; class: timeout, memory, other."""
    found: list[tuple[str, str]] = []
    if event.timed_out:
        found.append(("timeout", "wall-clock timeout"))
    if event.memory_exceeded:
        found.append(("memory", "memory limit"))
    reason = _short(event.killed_reason or "", 80)
    if reason and not found:
        lowered = reason.lower()
        kind = "timeout" if "time" in lowered else "memory" if "mem" in lowered else "other"
        found.append((kind, f"killed: {reason}"))
    return found


def _limit_kill(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    assert isinstance(rule.params, LimitKillParams)
    reasons = [(k, text) for k, text in _kill_reasons(event) if k in rule.params.reasons]
    if not reasons:
        return None
    detail = f"agent {_agent(event)}: run of {event.code_sha256[:12]} stopped by " + "; ".join(
        text for _, text in reasons
    )
    kinds = sorted({k for k, _ in reasons})
    return _draft(rule, event, detail, _key(rule, event.agent_id, event.code_sha256, kinds))


def _bucket_start(moment: datetime, window: timedelta) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    seconds = window.total_seconds()
    start = int(aware.timestamp() // seconds * seconds)
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _agent_burst(rule: AlertRule, event: RecordedEvent, history: History) -> AlertDraft | None:
    params = rule.params
    assert isinstance(params, AgentBurstParams)
    if event.verdict not in params.verdicts:
        return None
    if event.agent_id is None and not params.include_anonymous:
        return None
    window = timedelta(minutes=params.window_minutes)
    since = event.created_at - window
    verdicts = tuple(params.verdicts)
    count = history.count_events(agent_id=event.agent_id, since=since, verdicts=verdicts)
    if count < params.threshold:
        return None
    ids = history.recent_event_ids(
        agent_id=event.agent_id, since=since, verdicts=verdicts, limit=MAX_EVENT_IDS
    )
    ids = ids if event.id in ids else [event.id, *ids[: MAX_EVENT_IDS - 1]]
    detail = (
        f"agent {_agent(event)}: {count} attempts with verdict {' or '.join(verdicts)} "
        f"within {params.window_minutes:g} minutes (threshold {params.threshold})"
    )
    key = _key(rule, event.agent_id, _bucket_start(event.created_at, window))
    return _draft(rule, event, detail, key, event_ids=ids)


def _secret_draft(
    rule: AlertRule, event: RecordedEvent, findings: list[tuple[str, SecretFinding]], where: str
) -> AlertDraft | None:
    params = rule.params
    assert isinstance(params, SecretParams)
    if not findings:
        return None
    severity = rule.severity
    if any(f.private_key for _, f in findings):
        severity = max(severity, params.private_key_severity, key=SEVERITY_ORDER.__getitem__)
    listed = "; ".join(
        f"{f.label} at {origin}line {f.line}: {f.redacted}"
        for origin, f in findings[: params.max_listed]
    )
    more = len(findings) - params.max_listed
    extra = f"; and {more} more" if more > 0 else ""
    count = f"{len(findings)}{'+' if len(findings) >= SECRETS_PER_TEXT else ''}"
    detail = f"agent {_agent(event)}: {count} secret-looking string(s) in {where}: {listed}{extra}"
    key = _key(rule, event.agent_id, event.code_sha256)
    return _draft(rule, event, detail, key, severity=severity)


def _detectors(params: object) -> tuple[str, ...] | None:
    assert isinstance(params, SecretParams)
    return None if params.detectors == "all" else tuple(params.detectors)


def _secret_in_code(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    found = find_secrets(event.code, detectors=_detectors(rule.params), limit=SECRETS_PER_TEXT)
    return _secret_draft(rule, event, [("", f) for f in found], f"code {event.code_sha256[:12]}")


def _secret_in_output(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    detectors = _detectors(rule.params)
    found = [
        ("stdout ", f)
        for f in find_secrets(event.stdout, detectors=detectors, limit=SECRETS_PER_TEXT)
    ]
    found += [
        ("stderr ", f)
        for f in find_secrets(event.stderr, detectors=detectors, limit=SECRETS_PER_TEXT)
    ]
    return _secret_draft(rule, event, found, f"the output of {event.code_sha256[:12]}")


def _layer_unavailable(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    params = rule.params
    assert isinstance(params, LayerParams)
    named = {_short(name, 40) for name in event.unavailable_layers} - {""}
    layers = sorted(named - set(params.ignore_layers))
    degraded = event.degraded and params.on_degraded
    if not layers and not degraded:
        return None
    parts = [f"unavailable layer(s): {', '.join(layers)}"] if layers else []
    parts += ["the run was degraded (a required layer was missing)"] if degraded else []
    detail = f"event {event.id} (agent {_agent(event)}): " + "; ".join(parts)
    # A host condition, not an agent's doing: one alert per set of missing layers.
    return _draft(rule, event, detail, _key(rule, layers, degraded), per_agent=False)


def _repeat_blocked_hash(
    rule: AlertRule, event: RecordedEvent, history: History
) -> AlertDraft | None:
    earlier = sorted(set(history.hash_blocked_before(event.code_sha256, before_id=event.id)))
    earlier = [i for i in earlier if i != event.id]
    if not earlier:
        return None
    listed = ", ".join(str(i) for i in earlier[:5]) + (", …" if len(earlier) > 5 else "")
    detail = (
        f"agent {_agent(event)}: code {event.code_sha256[:12]} was blocked before "
        f"(event(s) {listed}); this attempt's verdict: {event.verdict}"
    )
    ids = [*earlier[-(MAX_EVENT_IDS - 1) :], event.id]
    return _draft(rule, event, detail, _key(rule, event.code_sha256), event_ids=ids)


def _sandbox_error(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    params = rule.params
    assert isinstance(params, SandboxErrorParams)
    if event.gate_decision not in params.decisions:
        return None
    if event.gate_decision == "refused":
        missing = ", ".join(event.unavailable_layers) or "unknown"
        what = f"the sandbox refused to run the code (missing layers: {missing})"
    else:
        what = "the sandbox failed to run the code"
        if event.killed_reason:
            what += f" ({_short(event.killed_reason, 80)})"
    detail = f"agent {_agent(event)}: {what}; code {event.code_sha256[:12]}"
    return _draft(rule, event, detail, _key(rule, event.agent_id, event.gate_decision))


def _egress_denied(rule: AlertRule, event: RecordedEvent, _h: History) -> AlertDraft | None:
    params = rule.params
    assert isinstance(params, EgressDeniedParams)
    if not event.egress_denied:
        return None
    named = [_short(d, 120) for d in event.egress_denied[: params.max_listed]]
    more = len(event.egress_denied) - len(named)
    detail = (
        f"agent {_agent(event)}: run of {event.code_sha256[:12]} was refused "
        f"{len(event.egress_denied)} connection(s) off its allow-list: " + "; ".join(named)
    ) + (f"; and {more} more" if more else "")
    return _draft(rule, event, detail, _key(rule, event.agent_id, event.code_sha256))


CHECKS: Mapping[str, Check] = {
    "blocked-attempt": _blocked_attempt,
    "limit-kill": _limit_kill,
    "agent-burst": _agent_burst,
    "secret-in-code": _secret_in_code,
    "secret-in-output": _secret_in_output,
    "layer-unavailable": _layer_unavailable,
    "repeat-blocked-hash": _repeat_blocked_hash,
    "sandbox-error": _sandbox_error,
    "egress-denied": _egress_denied,
}


def evaluate(
    event: RecordedEvent, history: History, rules: AlertRules | None = None
) -> list[AlertDraft]:
    """The alerts this event raises under `rules`, in rule order.

    Without `rules`: the shipped rules, overlaid with the file named by
    $AIRLOCK_ALERT_RULES when that is set (an unusable file raises AlertRulesError).
    """
    active = rules if rules is not None else active_alert_rules()
    drafts: list[AlertDraft] = []
    for rule in active.enabled():
        draft = CHECKS[rule.kind](rule, event, history)
        if draft is not None:
            drafts.append(draft)
    return drafts
