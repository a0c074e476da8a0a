"""Approvals answer to today's rules: held code is screened again before an approval runs it.

A screening records the rule set's name and version. Rules move on while an item waits in
the queue (a new rule, a tightened threshold), so before an approval runs the code,
`check_current` screens the exact code again under the current version of the same rule
set whenever that version differs from the recorded one. If the code is now blocked, or
the rule set can no longer be loaded or the scan fails, or the run's network is beyond the
rule set's `policy.network` as it stands now, the approval is refused (it never runs code on
a verdict it cannot reproduce) and an `approval-rules-changed` alert is raised.
"""

from __future__ import annotations

from typing import Any

from airlock.audit.errors import StoreError
from airlock.audit.events import AlertDraft
from airlock.audit.store import Store
from airlock.audit.tables import Screening

RULE_ID = "approval-rules-changed"


class RulesChanged(StoreError):
    """The current rule set blocks held code (or cannot screen it), so it is not run."""


def problem_now(code: str, screening: Screening, ruleset: Any = None) -> str | None:
    """Why the current rules forbid running this approved code (None: they allow it).

    `ruleset` is the current rule set (a name, a path or a loaded RuleSet); by default the
    one the screening recorded, loaded by name. It must be the set the code was screened
    under (same name): another set would let a reviewer pick laxer rules.
    """
    from airlock.analyzer import scan
    from airlock.analyzer.ruleset import RuleSet, load_ruleset

    name = screening.ruleset or "default"
    try:
        rules = ruleset if isinstance(ruleset, RuleSet) else load_ruleset(ruleset or name)
    except Exception as exc:
        hint = "" if ruleset else "; give the rule set's file (--ruleset FILE) to approve"
        return f"its rule set {name!r} cannot be loaded now ({type(exc).__name__}: {exc}){hint}"
    if rules.name != name:
        return f"it was screened under rule set {name!r}, not {rules.name!r}"
    bound = _network_problem(screening, rules)
    if bound is not None:
        return bound
    if rules.version == screening.ruleset_version:
        return None
    report = scan(code, ruleset=rules, filename="<approved code>")
    if report.error:
        return f"screening it again under {name} {rules.version} failed ({report.error})"
    if report.verdict == "block":
        rules_hit = ", ".join(sorted({f.rule_id for f in report.findings})[:5])
        return (
            f"{name} {rules.version} (screened under {screening.ruleset_version or 'no version'})"
            f" now blocks it ({rules_hit or 'score ' + str(report.score)})"
        )
    return None


def _network_problem(screening: Screening, rules: Any) -> str | None:
    """The rule set's network bound, as it stands now, over the limits it was held with."""
    from airlock.audit.network_gate import refusal
    from airlock.executor.models import Limits

    limits = Limits.model_validate(screening.limits) if screening.limits else Limits()
    try:
        return refusal(limits, rules)
    except Exception as exc:
        return f"its rule set's network bound cannot be read ({type(exc).__name__}: {exc})"


def check_current(store: Store, code: str, screening: Screening, ruleset: Any = None) -> None:
    """Raise `RulesChanged` (after raising an alert) when today's rules forbid the run."""
    problem = problem_now(code, screening, ruleset)
    if problem is None:
        return
    sid = screening.id or 0
    message = f"screening {sid} not run: {problem}"
    draft = AlertDraft(
        rule_id=RULE_ID,
        severity="high",
        title="Approved code is blocked by the current rules",
        detail=message,
        agent_id=screening.agent_id,
        event_ids=[sid],
        dedup_key=f"{RULE_ID}:{sid}",
    )
    try:
        changes = store.record_alert_changes([draft])
        from airlock.audit.alerts import deliver

        deliver([a for a, action in changes if action == "opened"])
    except Exception:  # the refusal stands whether or not the alert could be stored
        pass
    raise RulesChanged(message)
