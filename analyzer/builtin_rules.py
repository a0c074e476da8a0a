"""Rules the engine always has, whatever the YAML says: parse errors, size limit, suppressions.

A rule set may define its own rule with the same `check` (to change the wording or
weight); the built-in one is then left out.
"""

from __future__ import annotations

from airlock.analyzer.models import Confidence, Severity, Verdict
from airlock.analyzer.rule import Rule

PARSE_ERROR = "AIR-PARSE-001"
SIZE_LIMIT = "AIR-PARSE-002"
ENGINE_ERROR = "AIR-PARSE-003"
INLINE_SUPPRESSION = "AIR-SUPP-001"

BUILTIN_RULES: tuple[Rule, ...] = (
    Rule(
        id=PARSE_ERROR,
        title="Source could not be parsed",
        category="parse",
        severity=Severity.medium,
        confidence=Confidence.high,
        verdict=Verdict.review,
        message="not analysable: {name}",
        description="The source is not valid Python 3 (syntax error, Python 2, NUL bytes, "
        "invalid encoding, nesting too deep or binary data).",
        why="Code that cannot be analysed cannot be shown to be safe; it is never allowed.",
        match={"check": "parse_error"},
        builtin=True,
    ),
    Rule(
        id=SIZE_LIMIT,
        title="Source exceeds the size limit",
        category="parse",
        severity=Severity.medium,
        confidence=Confidence.high,
        verdict=Verdict.review,
        message="{name}",
        description="The source is larger than the policy's max_source_bytes and was not analysed.",
        why="Analysis time is bounded; what was not analysed is not allowed.",
        match={"check": "size_limit"},
        builtin=True,
    ),
    Rule(
        id=ENGINE_ERROR,
        title="Analysis failed",
        category="parse",
        severity=Severity.medium,
        confidence=Confidence.high,
        verdict=Verdict.review,
        message="analysis error: {name}",
        description="A rule, a check or bandit raised while analysing this source.",
        why="The analyzer fails closed: a source it could not fully analyse is never allowed.",
        match={"check": "engine_error"},
        builtin=True,
    ),
    Rule(
        id=INLINE_SUPPRESSION,
        title="Inline suppression comment in scanned code",
        category="suppression",
        severity=Severity.medium,
        confidence=Confidence.medium,
        message="inline suppression {name} is not honoured for untrusted code",
        description="A `# nosec`, `# nosemgrep`, `# noqa: S…` or `# airlock: ignore[…]` "
        "comment in the scanned code.",
        why="The author of agent code is the untrusted party: a suppression comment written "
        "by it is an attempt to hide code from the scanner, not a reviewer's decision.",
        example="os.system(cmd)  # nosec",
        instead="Put reviewer-side suppressions in a rule-set overlay or a baseline file.",
        match={"check": "inline_suppression"},
        builtin=True,
    ),
)


def with_builtins(rules: list[Rule], builtins: tuple[Rule, ...]) -> list[Rule]:
    """`rules` plus each built-in whose id and check no YAML rule already covers."""
    ids = {r.id for r in rules}
    checks = {r.match.get("check") for r in rules}
    extra = [b for b in builtins if b.id not in ids and b.match["check"] not in checks]
    return [*rules, *extra]


def builtin_for(check: str, rules: list[Rule]) -> Rule:
    """The rule (YAML or built-in) that reports the engine check `check`."""
    for r in rules:
        if r.match.get("check") == check:
            return r
    return next(b for b in BUILTIN_RULES if b.match["check"] == check)
