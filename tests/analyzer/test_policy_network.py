"""`policy.network` in a rule set file: its three forms load, anything else is an error
naming the file and the key; an overlay's value replaces its base's."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.analyzer.ruleset import RuleSetError, load_ruleset


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text("name: team\nextends: default\n" + body)
    return path


@pytest.mark.parametrize(
    ("value", "loaded"),
    [
        ("none", "none"),
        ("Loopback", "loopback"),
        ("'allow: a.example.com, *.pypi.org:443'", "allow:a.example.com,*.pypi.org:443"),
        ("null", None),
    ],
)
def test_the_forms_load(tmp_path: Path, value: str, loaded: str | None) -> None:
    rules = load_ruleset(_file(tmp_path, f"policy:\n  network: {value}\n"))
    assert rules.policy.network == loaded


@pytest.mark.parametrize("value", ["everything", "'allow:'", "'allow:a.com,,b.com'", "3", "[]"])
def test_anything_else_is_an_error_naming_the_key(tmp_path: Path, value: str) -> None:
    path = _file(tmp_path, f"policy:\n  network: {value}\n")
    with pytest.raises(RuleSetError) as exc:
        load_ruleset(path)
    assert str(path) in str(exc.value) and "network" in str(exc.value)


def test_the_shipped_sets_set_no_bound_and_an_overlay_sets_one(tmp_path: Path) -> None:
    assert load_ruleset("default").policy.network is None
    assert load_ruleset("strict").policy.network is None
    rules = load_ruleset(_file(tmp_path, "policy:\n  network: none\n"))
    assert rules.policy.network == "none"
    assert rules.policy.review_at == load_ruleset("default").policy.review_at  # inherited
