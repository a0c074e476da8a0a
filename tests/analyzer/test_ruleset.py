"""Rule-set loading: caching, overlays (extends, disable, overrides, allow_modules), errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import RULES

from airlock.analyzer.models import Severity, Verdict
from airlock.analyzer.ruleset import RuleSet, RuleSetError, load_ruleset
from airlock.analyzer.scan import scan


def write(tmp_path: Path, text: str, name: str = "overlay.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_fixture_with_metadata() -> None:
    rs = load_ruleset(RULES)
    assert isinstance(rs, RuleSet)
    assert rs.name == "engine-test" and rs.version == "test-1"
    rule = rs.rule("T-PROC-001")
    assert rule.category == "process" and rule.severity == Severity.high
    assert rule.cwe == "CWE-78" and rule.verdict == Verdict.review
    assert rs.policy.review_at == 15 and rs.policy.combinations[0].bonus == 40
    # the engine's own rules are always there
    assert rs.rule("AIR-PARSE-001").category == "parse"
    assert rs.rule("AIR-SUPP-001").category == "suppression"
    with pytest.raises(KeyError):
        rs.rule("NOPE")


def test_cached_and_compiled_once() -> None:
    a = load_ruleset(RULES)
    b = load_ruleset(str(RULES))
    assert a is b
    assert a.compiled() is b.compiled()
    assert load_ruleset(a) is a


def test_shipped_default_by_name_is_cached() -> None:
    try:
        a = load_ruleset("default")
    except RuleSetError as exc:
        pytest.skip(f"shipped default rule set not loadable yet: {exc}")
    assert load_ruleset("default") is a


def test_missing_set_is_a_clear_error() -> None:
    with pytest.raises(RuleSetError, match="no-such-set"):
        load_ruleset("no-such-set")


def test_overlay_extends_disable_override_allow(tmp_path: Path) -> None:
    overlay = write(
        tmp_path,
        f"""
name: team
extends: {RULES}
disable: [T-NET-001, B113]
overrides:
  T-PROC-001: {{ severity: low, confidence: low, verdict: block }}
  B605: {{ severity: info }}
allow_modules: [ctypes]
policy: {{ review_at: 30 }}
""",
    )
    rs = load_ruleset(overlay)
    assert rs.name == "team" and rs.version == "test-1"  # inherited
    assert rs.policy.review_at == 30 and rs.policy.block_at == 70
    assert "T-NET-001" in rs.disable and "ctypes" in rs.allow_modules

    report = scan("import requests\nrequests.get('https://x', timeout=3)\n", ruleset=overlay)
    net = [f for f in report.findings if f.rule_id == "T-NET-001"]
    assert net and all(f.suppressed and f.suppression == "overlay" for f in net)
    assert report.score == 0 or all(
        f.suppressed for f in report.findings if f.rule_id == "T-NET-001"
    )

    report = scan("import os\nos.system('ls')\n", ruleset=overlay)
    proc = next(f for f in report.findings if f.rule_id == "T-PROC-001")
    assert proc.severity == Severity.low
    assert report.verdict == Verdict.block  # the override's floor
    for f in report.findings:
        if f.rule_id == "B605":
            assert f.severity == Severity.info

    assert not any(
        f.rule_id == "T-NATIVE-001"
        for f in scan("import ctypes\nctypes.CDLL('x')", ruleset=overlay).findings
    )


def test_overlay_adds_and_replaces_rules(tmp_path: Path) -> None:
    overlay = write(
        tmp_path,
        f"""
extends: {RULES}
rules:
  - id: TEAM-001
    title: No print
    category: process
    severity: low
    confidence: high
    match: {{ call: {{ names: [builtins.print] }} }}
""",
    )
    rs = load_ruleset(overlay)
    assert rs.rule("TEAM-001").title == "No print"
    assert rs.rule("T-PROC-001")  # inherited
    assert any(f.rule_id == "TEAM-001" for f in scan("print(1)", ruleset=overlay).findings)


def test_extends_relative_path(tmp_path: Path) -> None:
    base = write(tmp_path, RULES.read_text(), "base.yaml")
    child = write(tmp_path, "name: child\nextends: base.yaml\n", "child.yaml")
    assert load_ruleset(child).rule("T-PROC-001").id == "T-PROC-001"
    assert base.exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\nrules: [\n", "not valid YAML"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("name: x\nbogus: 1\n", "bogus"),
        ("name: x\nextends: {base}\noverrides: {{ NOPE-1: {{ severity: low }} }}\n", "NOPE-1"),
        (
            "name: x\nextends: {base}\noverrides: {{ T-PROC-001: {{ colour: red }} }}\n",
            "T-PROC-001",
        ),
        (
            "name: x\nextends: {base}\noverrides: {{ T-PROC-001: {{ severity: huge }} }}\n",
            "T-PROC-001",
        ),
        ("name: x\nextends: {base}\ndisable: [NOPE-2]\n", "NOPE-2"),
        ("name: x\nextends: no-such-base\n", "extends"),
        ("name: x\npolicy: {{ review_now: 1 }}\n", "review_now"),
        (
            "name: x\nrules:\n  - id: R\n    title: t\n    category: c\n    severity: low\n    confidence: low\n    match: {{ call: {{ names: [a], wat: 1 }} }}\n",
            "wat",
        ),
        (
            "name: x\nrules:\n  - id: R\n    title: t\n    category: c\n    severity: low\n    confidence: low\n    match: {{ check: no_such_check }}\n",
            "no_such_check",
        ),
        (
            "name: x\nrules:\n  - id: R\n    title: t\n    category: c\n    severity: low\n    confidence: low\n    match: {{ literal: {{ pattern: '(' }} }}\n",
            "rule 'R'",
        ),
        (
            "name: x\nrules:\n  - id: R\n    title: t\n    category: c\n    severity: low\n    confidence: low\n    colour: red\n    match: {{ import: {{ modules: [x] }} }}\n",
            "colour",
        ),
        (
            "name: x\nrules:\n  - id: R\n    title: t\n    severity: low\n    confidence: low\n    match: {{ import: {{ modules: [x] }} }}\n",
            "category",
        ),
    ],
)
def test_bad_overlays_name_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text.format(base=RULES))
    with pytest.raises(RuleSetError) as info:
        load_ruleset(path)
    message = str(info.value)
    assert str(path) in message
    assert needle in message


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, "name: a\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "name: b\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(RuleSetError, match="cycle"):
        load_ruleset(tmp_path / "a.yaml")


def test_reloads_when_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, f"name: v1\nextends: {RULES}\n")
    assert load_ruleset(path).name == "v1"
    path.write_text(f"name: v2-longer\nextends: {RULES}\n")
    assert load_ruleset(path).name == "v2-longer"
