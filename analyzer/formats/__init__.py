"""Report formats: pure functions from scanned results to text, JSON or SARIF 2.1.0.

Every format takes `results`, a sequence of `(path, Report)` pairs in the order
they should appear, and returns a string.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from airlock.analyzer.models import Report, Verdict
from airlock.vocabulary import VERDICT_ORDER

Results = Sequence[tuple[str, Report]]


def summarize(results: Results, *, duration_s: float | None = None) -> dict[str, Any]:
    """Counts by verdict, files, findings, the highest verdict, the rule set and the time."""
    verdicts = Counter(report.verdict.value for _, report in results)
    highest = max((r.verdict for _, r in results), key=VERDICT_ORDER.__getitem__, default=None)
    first = results[0][1] if results else None
    return {
        "files": len(results),
        "findings": sum(len(r.active_findings) for _, r in results),
        "suppressed": sum(len(r.findings) - len(r.active_findings) for _, r in results),
        "errors": sum(1 for _, r in results if r.error),
        "verdicts": {v.value: verdicts.get(v.value, 0) for v in Verdict},
        "highest_verdict": highest.value if highest else None,
        "ruleset": first.ruleset if first else None,
        "ruleset_version": first.ruleset_version if first else None,
        "duration_s": round(
            duration_s if duration_s is not None else sum(r.duration_ms for _, r in results) / 1e3,
            4,
        ),
    }


def rule_docs(ruleset: Any | None) -> dict[str, Any]:
    """Every rule a report can name: the rule set's own and bandit's (rules/bandit.yaml)."""
    from airlock.analyzer.bandit_bridge import bandit_rules

    docs: dict[str, Any] = dict(bandit_rules())
    if ruleset is not None:
        docs.update({rule.id: rule for rule in ruleset.rules})
    return docs


def doc_value(doc: Any, name: str, default: Any = None) -> Any:
    """An attribute of a rule document (a Rule, a BanditRule or a mapping), or `default`."""
    if doc is None:
        return default
    if isinstance(doc, Mapping):
        return doc.get(name, default) or default
    return getattr(doc, name, default) or default
