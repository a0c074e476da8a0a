"""A rule set's `policy.network` bounds every run it screens: a run asking for more is
refused before it starts and recorded as refused; within the bound it runs (the control)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.audit import Store, guard
from airlock.executor import probe_layers
from airlock.executor.models import Limits

BENIGN = "print(sum(range(10)))"
RISKY = "import subprocess\nsubprocess.run(['ls'])"  # review: runs a process
EVIL = "import os\nos.system('rm -rf /')"


def _bounded(tmp_path: Path, network: str) -> str:
    path = tmp_path / f"bounded-{abs(hash(network))}.yaml"
    path.write_text(f"name: bounded\nextends: default\npolicy:\n  network: {network!r}\n")
    return str(path)


def _limits(network: str) -> Limits:
    return Limits(timeout_s=10, cpu_s=5, network=network)


@pytest.fixture
def sq(sqlite_url: str):
    with Store(sqlite_url) as s:
        yield s


def _ran(res) -> None:
    if res.decision == "refused" and not res.result.refused.startswith("network:"):
        pytest.skip(f"the executor refused to run here: {res.result.refused}")
    assert res.decision == "ran", res.as_dict()
    assert res.result.stdout == "45\n"


def _network_layer() -> None:
    layer = next(lay for lay in probe_layers() if lay.name == "network")
    if layer.status != "active":
        pytest.skip(f"no network namespace here: {layer}")


def test_more_network_than_the_bound_is_refused_and_recorded(sq: Store, tmp_path: Path) -> None:
    rules = _bounded(tmp_path, "none")
    res = guard(BENIGN, ruleset=rules, limits=_limits("loopback"), store=sq)
    assert res.decision == "refused"
    why = res.result.refused
    assert why == "network: loopback asked for; rule set 'bounded' allows at most none"
    assert "\n" not in why
    # nothing started: no slot taken, no layer set up, no output
    assert res.result.slot is None and res.result.layers == [] and res.result.stdout == ""
    detail = sq.get(res.record_id)
    assert detail.screening.gate_decision == "refused"
    assert detail.screening.outcome == "refused"
    assert [e.outcome for e in detail.executions] == ["refused"]
    assert res.as_dict()["success"] is False and why in res.as_dict()["error"]
    # Control: the same code and rule set without network runs.
    _ran(guard(BENIGN, ruleset=rules, limits=_limits("none"), store=sq))


def test_an_allow_list_outside_the_bound_is_refused(sq: Store, tmp_path: Path) -> None:
    rules = _bounded(tmp_path, "allow:*.example.com,pypi.org:443")
    asked = "allow:api.example.com,evil.example.net"
    res = guard(BENIGN, ruleset=rules, limits=_limits(asked), store=sq)
    assert res.decision == "refused"
    assert res.result.refused == (
        f"network: {asked} asked for; rule set 'bounded' allows at most "
        "allow:*.example.com,pypi.org:443"
    )
    port = guard(BENIGN, ruleset=rules, limits=_limits("allow:pypi.org"), store=sq)
    assert port.decision == "refused", "pypi.org means ports 80 and 443: 80 is not allowed"
    # Control: within the bound (a name under the suffix, the listed port) it runs.
    _network_layer()
    _ran(guard(BENIGN, ruleset=rules, limits=_limits("allow:api.example.com"), store=sq))
    _ran(guard(BENIGN, ruleset=rules, limits=_limits("allow:pypi.org:443"), store=sq))
    _ran(guard(BENIGN, ruleset=rules, limits=_limits("loopback"), store=sq))


def test_code_held_for_review_is_refused_too_and_blocked_stays_blocked(
    sq: Store, tmp_path: Path
) -> None:
    rules = _bounded(tmp_path, "loopback")
    held = guard(RISKY, ruleset=rules, limits=_limits("allow:example.com"), store=sq)
    assert held.report.verdict == "review" and held.decision == "refused"
    assert sq.review_queue() == [], "a run its rule set can never allow is not queued"
    blocked = guard(EVIL, ruleset=rules, limits=_limits("allow:example.com"), store=sq)
    assert blocked.decision == "blocked"
    # Control: within the bound the review verdict is held as usual.
    ok = guard(RISKY, ruleset=rules, limits=_limits("loopback"), store=sq)
    assert ok.decision == "held_for_review"


def test_the_shipped_rule_sets_set_no_bound(sq: Store) -> None:
    _network_layer()
    for name in ("default", "strict"):
        _ran(guard(BENIGN, ruleset=name, limits=_limits("loopback"), store=sq))


def test_a_bound_the_executor_cannot_read_lets_no_network_out(sq: Store, tmp_path: Path) -> None:
    rules = _bounded(tmp_path, "allow:bad..name")  # the right form, not a host name
    res = guard(BENIGN, ruleset=rules, limits=_limits("loopback"), store=sq)
    assert res.decision == "refused"
    assert res.result.refused.startswith("network: loopback asked for, and rule set 'bounded'")
    assert "unusable network bound (allow:bad..name" in res.result.refused
    # Control: a run without network is within any bound.
    _ran(guard(BENIGN, ruleset=rules, limits=_limits("none"), store=sq))
