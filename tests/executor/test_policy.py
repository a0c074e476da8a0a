"""Fail closed: a required layer that is missing refuses the run; allow_degraded says so."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from airlock.executor import DEFAULT_REQUIRED, SandboxPolicy, probe_layers, run
from airlock.executor.probe import unavailable

pytestmark = pytest.mark.timeout(60)


def test_default_policy_requires_the_four_core_layers() -> None:
    assert SandboxPolicy().required == DEFAULT_REQUIRED
    assert {"network", "filesystem", "tree_kill", "environment"} == DEFAULT_REQUIRED


def test_unknown_layer_names_are_rejected() -> None:
    with pytest.raises(ValidationError):
        SandboxPolicy(required=frozenset({"firewall"}))


def test_missing_required_layer_refuses_and_never_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with unavailable(network="no network namespace (simulated)"):
        r = run(f"open({str(tmp_path / 'ran')!r}, 'w')")
    assert r.refused == "network: no network namespace (simulated)"
    assert r.exit_code is None and not r.degraded and r.stdout == ""
    assert next(layer for layer in r.layers if layer.name == "network").status == "unavailable"
    assert not (tmp_path / "ran").exists()


def test_allow_degraded_runs_and_says_so() -> None:
    with unavailable(network="simulated"):
        r = run("print('ran')", allow_degraded=True)
    assert r.stdout == "ran\n" and r.degraded and r.refused is None
    assert (
        str(next(layer for layer in r.layers if layer.name == "network"))
        == "network: unavailable: simulated"
    )


def test_missing_optional_layer_is_not_degraded() -> None:
    with unavailable(cgroup="simulated"):
        r = run("print('ran')")
    assert r.stdout == "ran\n" and not r.degraded
    assert (
        str(next(layer for layer in r.layers if layer.name == "cgroup"))
        == "cgroup: unavailable: simulated"
    )


def test_disabling_a_required_layer_refuses_unless_degraded() -> None:
    policy = SandboxPolicy(disabled=frozenset({"tree_kill"}))
    assert run("pass", policy=policy).refused == "tree_kill: disabled by policy"
    r = run("print(1)", policy=policy, allow_degraded=True)
    assert r.exit_code == 0 and r.degraded


def test_override_is_scoped() -> None:
    before = [str(layer) for layer in probe_layers()]
    with unavailable(seccomp="x"):
        assert any(str(layer) == "seccomp: unavailable: x" for layer in probe_layers())
    assert [str(layer) for layer in probe_layers()] == before
