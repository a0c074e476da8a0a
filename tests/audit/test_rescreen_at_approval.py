"""An approval answers to today's rules: held code is screened again when its rule set has
a new version, and is not run if that version blocks it (real rule files, real scans)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.audit import Store, guard
from airlock.audit.binding import CodeMismatch
from airlock.audit.rescreen import RULE_ID, RulesChanged
from airlock.audit.reviews import decide
from airlock.executor import probe_layers
from airlock.executor.models import Limits

RISKY = "import subprocess\nsubprocess.run(['true'])"  # review under default: runs a process
FAST = Limits(timeout_s=5, cpu_s=5)


def _rules(path: Path, version: str, block_at: int) -> Path:
    path.write_text(
        f'name: team\nversion: "{version}"\nextends: default\n'
        f"policy:\n  review_at: 15\n  block_at: {block_at}\n"
    )
    return path


def _held(store: Store, rules: Path) -> int:
    out = guard(RISKY, agent_id="agent-7", ruleset=str(rules), limits=FAST, store=store)
    assert out.decision == "held_for_review", out
    return out.record_id


def _alerts(store: Store) -> list[str]:
    return [a.rule_id for a in store.list_alerts() if a.rule_id == RULE_ID]


def test_code_the_new_rules_block_is_not_run(store: Store, tmp_path: Path) -> None:
    rules = _rules(tmp_path / "team.yaml", "1", block_at=90)
    sid = _held(store, rules)
    token = store.add_reviewer("rev")
    _rules(rules, "2", block_at=16)  # tightened while the item waited
    with pytest.raises(RulesChanged, match=r"team 2 \(screened under 1\) now blocks it"):
        decide(store, sid, "approved", token=token, ruleset=str(rules))
    d = store.get(sid)
    assert d.executions == [] and d.reviews == []  # nothing ran, nothing approved
    assert _alerts(store) == [RULE_ID]


def test_a_rule_set_that_cannot_be_loaded_refuses(store: Store, tmp_path: Path) -> None:
    rules = _rules(tmp_path / "team.yaml", "1", block_at=90)
    sid = _held(store, rules)
    token = store.add_reviewer("rev")
    with pytest.raises(RulesChanged, match=r"cannot be loaded now .*--ruleset FILE"):
        decide(store, sid, "approved", token=token)  # only the name 'team' was recorded
    rules.unlink()
    with pytest.raises(RulesChanged, match="cannot be loaded now"):
        decide(store, sid, "approved", token=token, ruleset=str(rules))
    assert store.get(sid).executions == []


def test_a_different_rule_set_cannot_stand_in(store: Store, tmp_path: Path) -> None:
    rules = _rules(tmp_path / "team.yaml", "1", block_at=90)
    sid = _held(store, rules)
    token = store.add_reviewer("rev")
    with pytest.raises(RulesChanged, match="screened under rule set 'team', not 'default'"):
        decide(store, sid, "approved", token=token, ruleset="default")
    assert store.get(sid).executions == []


def test_the_version_the_reviewer_saw_must_be_the_screened_one(
    store: Store, tmp_path: Path
) -> None:
    rules = _rules(tmp_path / "team.yaml", "1", block_at=90)
    sid = _held(store, rules)
    token = store.add_reviewer("rev")
    with pytest.raises(CodeMismatch, match="another rule-set version"):
        decide(
            store, sid, "approved", token=token, expected_ruleset_version="0", ruleset=str(rules)
        )
    assert store.get(sid).executions == []


@pytest.mark.parametrize("new_version", [False, True])
def test_code_still_held_under_the_current_rules_runs_negative_control(
    store: Store, tmp_path: Path, new_version: bool
) -> None:
    missing = [str(layer) for layer in probe_layers() if layer.status != "active"]
    if missing:
        pytest.skip(f"not every executor layer is available here: {missing}")
    rules = _rules(tmp_path / "team.yaml", "1", block_at=90)
    sid = _held(store, rules)
    token = store.add_reviewer("rev")
    if new_version:
        _rules(rules, "2", block_at=80)  # a new version that still only holds it
    out = decide(
        store, sid, "approved", token=token, expected_ruleset_version="1", ruleset=str(rules)
    )
    assert out.execution is not None and out.execution.exit_code == 0, out
    assert _alerts(store) == []


def test_a_network_bound_set_while_the_item_waited_refuses_the_approval(
    store: Store, tmp_path: Path
) -> None:
    rules = _rules(tmp_path / "team.yaml", "1", block_at=90)
    wide = guard(
        RISKY, ruleset=str(rules), limits=Limits(timeout_s=5, network="loopback"), store=store
    )
    narrow = guard(RISKY, ruleset=str(rules), limits=FAST, store=store)
    assert (wide.decision, narrow.decision) == ("held_for_review", "held_for_review")
    token = store.add_reviewer("rev")
    rules.write_text(rules.read_text() + "  network: none\n")  # same version, now bounded
    with pytest.raises(
        RulesChanged, match="loopback asked for; rule set 'team' allows at most none"
    ):
        decide(store, wide.record_id, "approved", token=token, ruleset=str(rules))
    d = store.get(wide.record_id)
    assert d.executions == [] and d.reviews == []
    assert _alerts(store) == [RULE_ID]
    # Control: the item held without network is approved and runs under the same rules.
    if any(layer.status != "active" for layer in probe_layers()):
        pytest.skip("the executor would refuse here: not every layer is available")
    out = decide(store, narrow.record_id, "approved", token=token, ruleset=str(rules))
    assert out.execution is not None and out.execution.outcome == "ok", out.execution
