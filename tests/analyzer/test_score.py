"""Scoring: bounded, monotone, suppressed findings never count, floors and combinations."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.analyzer.models import Confidence, Finding, Severity, Verdict
from airlock.analyzer.ruleset import Combination, Policy
from airlock.analyzer.score import combine, decide, points
from airlock.vocabulary import VERDICT_ORDER

CATEGORIES = ["process", "network", "secrets", "code-exec", "obfuscation", "suppression"]
POLICY = Policy(
    review_at=15,
    block_at=70,
    combinations=(
        Combination(
            id="C1",
            all_categories=("secrets", "network"),
            bonus=40,
            verdict=Verdict.block,
            reason="reads secrets and talks to the network",
        ),
    ),
)

findings_st = st.builds(
    Finding,
    rule_id=st.sampled_from(["R1", "R2", "R3", "B602"]),
    title=st.just("t"),
    severity=st.sampled_from(list(Severity)),
    confidence=st.sampled_from(list(Confidence)),
    category=st.sampled_from(CATEGORIES),
    line=st.integers(min_value=0, max_value=5),
    message=st.just("m"),
    suppressed=st.booleans(),
)
FLOORS = {"R1": Verdict.review, "R2": Verdict.block}


def floor_of(f: Finding) -> Verdict | None:
    return FLOORS.get(f.rule_id)


@settings(max_examples=200, deadline=None)
@given(st.lists(findings_st, max_size=12), findings_st)
def test_adding_a_finding_never_lowers_score_or_verdict(
    base: list[Finding], extra: Finding
) -> None:
    s1, v1, _ = decide(base, POLICY, floor_of)
    s2, v2, _ = decide([*base, extra], POLICY, floor_of)
    assert 0 <= s1 <= 100 and 0 <= s2 <= 100
    assert s2 >= s1
    assert VERDICT_ORDER[v2] >= VERDICT_ORDER[v1]


@settings(max_examples=200, deadline=None)
@given(st.lists(findings_st, max_size=12))
def test_suppressed_findings_never_count(fs: list[Finding]) -> None:
    live = [f for f in fs if not f.suppressed]
    assert decide(fs, POLICY, floor_of)[:2] == decide(live, POLICY, floor_of)[:2]


@given(st.lists(st.floats(min_value=0, max_value=100), max_size=30))
def test_combine_is_bounded(values: list[float]) -> None:
    assert 0.0 <= combine(values) <= 100.0
    if values:
        assert combine(values) >= max(values) - 1e-9


def _f(rule_id: str, sev: str, conf: str, cat: str, line: int = 1) -> Finding:
    return Finding(
        rule_id=rule_id,
        title=f"title {rule_id}",
        severity=Severity(sev),
        confidence=Confidence(conf),
        category=cat,
        line=line,
        message="m",
    )


def test_points_table() -> None:
    assert points(_f("X", "critical", "high", "process")) == 60
    assert points(_f("X", "high", "medium", "process")) == 35 * 0.7
    assert points(_f("X", "info", "high", "process")) == 0


def test_combination_adds_bonus_floor_and_reason() -> None:
    fs = [_f("R9", "low", "high", "secrets"), _f("R8", "low", "high", "network", 2)]
    score, verdict, reasons = decide(fs, POLICY, floor_of)
    assert score >= 40 + 5
    assert verdict == Verdict.block
    assert any("reads secrets and talks to the network (+40)" in r.text for r in reasons)


def test_rule_floor_reason_names_rule_and_line() -> None:
    f = _f("R2", "info", "low", "code-exec", 4)
    score, verdict, reasons = decide([f], POLICY, floor_of)
    assert score == 0 and verdict == Verdict.block
    assert any(r.text == "block: title r2 (R2) at line 4" for r in reasons)


def test_error_is_never_allow() -> None:
    _, verdict, reasons = decide([], POLICY, floor_of, error="bandit: boom")
    assert verdict == Verdict.review
    assert any("analysis incomplete" in r.text for r in reasons)


def test_suppression_comment_on_a_finding_line_is_review() -> None:
    supp = _f("AIR-SUPP-001", "info", "low", "suppression", 3)
    other = _f("R9", "info", "low", "process", 3)
    assert decide([supp], POLICY, floor_of)[1] == Verdict.allow
    assert decide([supp, other], POLICY, floor_of)[1] == Verdict.review


def test_thresholds() -> None:
    assert decide([_f("R9", "medium", "high", "process")], POLICY, floor_of)[1] == Verdict.review
    assert decide([_f("R9", "low", "high", "process")], POLICY, floor_of)[1] == Verdict.allow
    two_crit = [_f("R9", "critical", "high", "process"), _f("R7", "critical", "high", "native")]
    assert decide(two_crit, POLICY, floor_of)[1] == Verdict.block
