"""Airlock's weight for each bandit test id (rules/bandit.yaml), with bandit's own docs.

bandit's severities were made for application code; this table gives every shipped
test id Airlock's title, category, severity, confidence, CWE and optional verdict
floor. Checks from third-party bandit plugins, absent from the table, are weighed
one step below what bandit itself says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from airlock.analyzer.bandit_plugins import bandit_docs
from airlock.analyzer.models import Confidence, Severity, Verdict

_FALLBACK_SEVERITY = {"HIGH": Severity.medium, "MEDIUM": Severity.low, "LOW": Severity.info}
_CONFIDENCE = {"HIGH": Confidence.high, "MEDIUM": Confidence.medium, "LOW": Confidence.low}


@dataclass(frozen=True)
class BanditRule:
    """Airlock's view of one bandit test id, from rules/bandit.yaml."""

    id: str
    title: str
    category: str
    severity: Severity
    confidence: Confidence
    cwe: str | None
    why: str
    verdict: str | None = None
    by_bandit_severity: dict[str, Severity] = field(default_factory=dict)
    description: str = ""  # bandit's own summary of the check
    references: tuple[str, ...] = ()  # bandit's documentation page


@cache
def bandit_rules() -> dict[str, BanditRule]:
    """The bandit-id → Airlock weight table (rules/bandit.yaml), with bandit's own docs."""
    import yaml

    from airlock.rules import RULES_DIR

    data = yaml.safe_load((RULES_DIR / "bandit.yaml").read_text(encoding="utf-8"))
    docs = bandit_docs()
    table: dict[str, BanditRule] = {}
    for test_id, entry in data["tests"].items():
        summary, url = docs.get(test_id, ("", ""))
        table[test_id] = BanditRule(
            id=test_id,
            title=entry["title"],
            category=entry["category"],
            severity=Severity(entry["severity"]),
            confidence=Confidence(entry["confidence"]),
            cwe=entry.get("cwe"),
            why=entry["why"],
            verdict=entry.get("verdict"),
            by_bandit_severity={
                k: Severity(v) for k, v in (entry.get("by_bandit_severity") or {}).items()
            },
            description=summary,
            references=(url,) if url else (),
        )
    return table


def bandit_floor(test_id: str) -> Verdict | None:
    """The verdict floor rules/bandit.yaml sets for `test_id` (B613 → block), or None."""
    rule = bandit_rules().get(test_id)
    return Verdict(rule.verdict) if rule is not None and rule.verdict else None


def weigh(
    test_id: str, bandit_severity: str, bandit_confidence: str
) -> tuple[Severity, Confidence]:
    """Airlock's severity and confidence for one bandit hit."""
    rule = bandit_rules().get(test_id)
    if rule is None:  # a third-party bandit plugin: weigh it one step below bandit
        return (
            _FALLBACK_SEVERITY.get(bandit_severity, Severity.low),
            _CONFIDENCE.get(bandit_confidence, Confidence.low),
        )
    return rule.by_bandit_severity.get(bandit_severity, rule.severity), rule.confidence
