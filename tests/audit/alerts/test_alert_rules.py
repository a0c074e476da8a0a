"""The alert-rule files: shipped defaults, user overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.audit.alerts import AlertRulesError, default_alert_rules, load_alert_rules
from airlock.audit.alerts.rules import AgentBurstParams, SecretParams

SHIPPED = {
    "blocked-attempt": "high",
    "limit-kill": "medium",
    "agent-burst": "high",
    "secret-in-code": "high",
    "secret-in-output": "high",
    "layer-unavailable": "medium",
    "repeat-blocked-hash": "high",
    "sandbox-error": "medium",
    "egress-denied": "medium",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-alerts.yaml"
    path.write_text(text)
    return path


def test_shipped_rules() -> None:
    rules = default_alert_rules()
    assert {r.id: r.severity for r in rules.rules} == SHIPPED
    assert all(r.enabled and r.title and r.kind == r.id for r in rules.rules)
    burst = rules.get("agent-burst").params
    assert isinstance(burst, AgentBurstParams)
    assert (burst.threshold, burst.window_minutes) == (3, 10.0)
    secret = rules.get("secret-in-code").params
    assert isinstance(secret, SecretParams)
    assert secret.private_key_severity == "critical"
    assert default_alert_rules() is rules  # parsed once


def test_user_file_overrides_and_extends(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\n"
        "rules:\n"
        "  - id: blocked-attempt\n    enabled: false\n"
        "  - id: agent-burst\n    severity: critical\n    params: {threshold: 5}\n"
        "  - id: nightly-burst\n    kind: agent-burst\n    title: Many flags overnight\n"
        "    severity: medium\n    params: {threshold: 20, window_minutes: 480}\n",
    )
    rules = load_alert_rules(path)
    assert not rules.get("blocked-attempt").enabled
    burst = rules.get("agent-burst")
    assert burst.severity == "critical"
    assert isinstance(burst.params, AgentBurstParams)
    assert burst.params.threshold == 5
    assert burst.params.window_minutes == 10.0  # unchanged params keep their shipped values
    nightly = rules.get("nightly-burst")
    assert nightly.kind == "agent-burst"
    assert rules.sources == ("defaults.yaml", str(path))
    assert len(rules.enabled()) == len(SHIPPED)  # one disabled, one added


def test_empty_user_file_keeps_the_defaults(tmp_path: Path) -> None:
    assert load_alert_rules(write(tmp_path, "")).rules == default_alert_rules().rules


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("rules:\n  - id: x\n   bad: [\n", "line ", "invalid YAML"),
        ("- just a list\n", "(top level)", "expected a mapping"),
        ("version: 2\nrules: []\n", "version", "unsupported version"),
        ("rulez: []\n", "rulez", "unknown key"),
        ("rules: {id: x}\n", "rules", "expected a list"),
        ("rules:\n  - 3\n", "rules[0]", "expected a mapping"),
        ("rules:\n  - title: no id\n", "rules[0].id", "missing"),
        (
            "rules:\n  - id: agent-burst\n    severty: low\n",
            "rules[0] (agent-burst).severty",
            "unknown key",
        ),
        (
            "rules:\n  - id: agent-burst\n    params: {treshold: 5}\n",
            "rules[0] (agent-burst).params.treshold",
            "unknown key; expected one of",
        ),
        (
            "rules:\n  - id: agent-burst\n    params: {threshold: 0}\n",
            "rules[0] (agent-burst).params.threshold",
            "greater than or equal to 1",
        ),
        (
            "rules:\n  - id: agent-burst\n    params: {window_minutes: many}\n",
            "rules[0] (agent-burst).params.window_minutes",
            "valid number",
        ),
        (
            "rules:\n  - id: limit-kill\n    severity: urgent\n",
            "rules[0] (limit-kill).severity",
            "Input should be",
        ),
        (
            "rules:\n  - id: limit-kill\n    params: [1]\n",
            "rules[0] (limit-kill).params",
            "expected a mapping",
        ),
        (
            "rules:\n  - id: secret-in-code\n    params: {detectors: [aws, github-token]}\n",
            "rules[0] (secret-in-code).params.detectors",
            "unknown detector",
        ),
        (
            "rules:\n  - id: my-rule\n    title: T\n    severity: low\n",
            "rules[0] (my-rule).kind",
            "required",
        ),
        (
            "rules:\n  - id: my-rule\n    kind: nope\n    title: T\n    severity: low\n",
            "rules[0] (my-rule).kind",
            "unknown kind",
        ),
        (
            "rules:\n  - id: limit-kill\n    kind: agent-burst\n",
            "rules[0] (limit-kill).kind",
            "cannot change",
        ),
        ("rules:\n  - id: limit-kill\n  - id: limit-kill\n", "rules[1].id", "duplicate"),
        (
            "rules:\n  - id: Bad Id\n    kind: limit-kill\n    title: T\n    severity: low\n",
            "rules[0] (Bad Id).id",
            "pattern",
        ),
    ],
)
def test_bad_user_file_names_file_and_key(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AlertRulesError) as caught:
        load_alert_rules(path)
    error = caught.value
    assert str(error).startswith(f"{path}: ")
    assert error.key.startswith(key), error.key
    assert message in error.message
    assert "\n" not in str(error)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(AlertRulesError, match=r"missing\.yaml: \(file\): cannot read"):
        load_alert_rules(tmp_path / "missing.yaml")
    with pytest.raises(AlertRulesError, match="cannot read"):
        load_alert_rules(tmp_path)  # a directory
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00rules")
    with pytest.raises(AlertRulesError, match="cannot read"):
        load_alert_rules(binary)
