"""A rule set's network bound: a run asking for more network than the policy of the rule set
that screened it allows is refused before anything starts (`Policy.network`)."""

from __future__ import annotations

from typing import Any

from airlock.executor.models import ExecutionResult, Limits


def refusal(limits: Limits, ruleset: Any) -> str | None:
    """One line naming what the run asks for and what the rule set allows (None: within).

    `ruleset` is a name, a path or a loaded RuleSet. A bound the executor cannot read (an
    allow-list entry it rejects) refuses every run but one without network."""
    from airlock.analyzer.ruleset import load_ruleset
    from airlock.executor.network_bound import within

    rules = load_ruleset(ruleset)
    most = rules.policy.network
    asked = limits.network
    if most is None:
        return None
    try:
        if within(asked, most):
            return None
    except ValueError as exc:
        if str(asked) == "none":
            return None
        why = str(exc) or type(exc).__name__
        return (
            f"network: {asked} asked for, and rule set {rules.name!r} has an unusable "
            f"network bound ({most}: {why})"
        )
    return f"network: {asked} asked for; rule set {rules.name!r} allows at most {most}"


def refused(limits: Limits, reason: str) -> ExecutionResult:
    """The result of a run refused for ``reason`` before it started."""
    return ExecutionResult(limits=limits, refused=reason)
