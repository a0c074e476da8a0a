"""Findings → risk score 0–100 → verdict, with the reasons a reviewer reads.

Each live finding is worth severity × confidence points. Points combine with
diminishing returns, `100 · (1 − Π(1 − pᵢ/100))`, so the score is bounded and adding
a finding never lowers it; combination bonuses are added on top. The verdict is the
highest of: the score's band (review_at / block_at), each live finding's rule floor,
each holding combination's floor, and `review` when the analysis had an error.
"""

from __future__ import annotations

from collections.abc import Callable

from airlock.analyzer.models import Finding, Reason, Severity, Verdict
from airlock.analyzer.policy import Policy
from airlock.vocabulary import VERDICT_ORDER

SEVERITY_POINTS = {"info": 0.0, "low": 5.0, "medium": 15.0, "high": 35.0, "critical": 60.0}
CONFIDENCE_FACTOR = {"low": 0.4, "medium": 0.7, "high": 1.0}
SUPPRESSION_CATEGORY = "suppression"


def points(f: Finding) -> float:
    """What one finding is worth on its own."""
    return SEVERITY_POINTS[f.severity.value] * CONFIDENCE_FACTOR[f.confidence.value]


def combine(values: list[float]) -> float:
    """Diminishing-returns sum of point values, in 0..100."""
    remaining = 1.0
    for p in values:
        remaining *= 1.0 - min(max(p, 0.0), 100.0) / 100.0
    return 100.0 * (1.0 - remaining)


def _where(f: Finding) -> str:
    return f" at line {f.line}" if f.line else ""


def decide(
    findings: list[Finding],
    policy: Policy,
    floor_of: Callable[[Finding], Verdict | None],
    *,
    error: str | None = None,
    tags_of: Callable[[str], tuple[str, ...]] = lambda rule_id: (),
) -> tuple[int, Verdict, list[Reason]]:
    """Score, verdict and reasons for `findings` (suppressed ones never count)."""
    live = [f for f in findings if not f.suppressed]
    base = combine([points(f) for f in live])
    reasons: list[Reason] = []
    floors: list[tuple[Verdict, Reason]] = []
    bonus = 0.0
    categories = {f.category for f in live}
    rule_ids = {f.rule_id for f in live}
    tagged = {rid: set(tags_of(rid)) for rid in rule_ids}
    for combo in policy.combinations:
        if not set(combo.all_categories) <= categories:
            continue
        selected = {
            rid for rid in rule_ids if rid in combo.any_rules or tagged[rid] & set(combo.any_tags)
        }
        if (combo.any_rules or combo.any_tags) and not selected:
            continue
        if not combo.all_categories and not combo.any_rules and not combo.any_tags:
            continue
        bonus += combo.bonus
        involved = sorted(
            {f.rule_id for f in live if f.category in combo.all_categories or f.rule_id in selected}
        )
        reason = Reason(
            text=f"combination: {combo.reason or combo.id} (+{combo.bonus:g})",
            rule_ids=involved,
            points=combo.bonus,
        )
        reasons.append(reason)
        if combo.verdict is not None:
            floors.append((combo.verdict, reason))
    score = round(min(100.0, base + bonus))

    lines_with_findings = {f.line for f in live if f.category != SUPPRESSION_CATEGORY and f.line}
    for f in live:
        floor = floor_of(f)
        if f.category == SUPPRESSION_CATEGORY and f.line in lines_with_findings:
            floor = _max(floor, Verdict.review)
        if floor is not None and floor != Verdict.allow:
            floors.append(
                (
                    floor,
                    Reason(
                        text=f"{floor.value}: {f.title.lower()} ({f.rule_id}){_where(f)}",
                        rule_ids=[f.rule_id],
                        points=round(points(f), 1),
                    ),
                )
            )

    verdict = Verdict.allow
    if score >= policy.block_at:
        verdict = Verdict.block
    elif score >= policy.review_at:
        verdict = Verdict.review
    if verdict != Verdict.allow:
        top = sorted(live, key=points, reverse=True)[:5]
        threshold = policy.block_at if verdict == Verdict.block else policy.review_at
        reasons.insert(
            0,
            Reason(
                text=f"score {score} ≥ {verdict.value} threshold {threshold:g}",
                rule_ids=[f.rule_id for f in top],
                points=float(score),
            ),
        )
    for floor, _ in floors:
        verdict = _max(verdict, floor)
    for _, reason in sorted(floors, key=lambda x: -VERDICT_ORDER[x[0]]):
        if reason not in reasons:
            reasons.append(reason)
    if error is not None:
        verdict = _max(verdict, Verdict.review)
        reasons.append(Reason(text=f"review: analysis incomplete ({error})"))
    for f in sorted(live, key=points, reverse=True):
        if points(f) > 0 and not any(f.rule_id in r.rule_ids for r in reasons):
            reasons.append(
                Reason(
                    text=f"finding: {f.title} ({f.rule_id}){_where(f)}",
                    rule_ids=[f.rule_id],
                    points=round(points(f), 1),
                )
            )
    return score, verdict, reasons


def _max(a: Verdict | None, b: Verdict) -> Verdict:
    if a is None:
        return b
    return a if VERDICT_ORDER[a] >= VERDICT_ORDER[b] else b


__all__ = ["CONFIDENCE_FACTOR", "SEVERITY_POINTS", "Severity", "combine", "decide", "points"]
