"""The engine under its configuration, odd timestamps, large inputs and arbitrary text."""

from __future__ import annotations

import re
import string
from datetime import timedelta

import pytest
from alert_fakes import T0, MemoryHistory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.audit.alerts import AlertRulesError, evaluate
from airlock.audit.events import AlertDraft, RecordedEvent


def fired(drafts: list[AlertDraft]) -> dict[str, AlertDraft]:
    return {d.rule_id: d for d in drafts}


def test_user_rules_from_the_environment(make_event, history, tmp_path, monkeypatch) -> None:
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: sandbox-error\n    enabled: false\n")
    monkeypatch.setenv("AIRLOCK_ALERT_RULES", str(user))
    event = make_event(gate_decision="error", ran=False)
    assert evaluate(event, history) == []
    user.write_text("rules:\n  - id: sandbox-error\n    severity: low\n")  # picked up again
    assert fired(evaluate(event, history))["sandbox-error"].severity == "low"
    user.write_text("rules: [oops\n")
    with pytest.raises(AlertRulesError, match=f"^{re.escape(str(user))}: line 2"):
        evaluate(event, history)
    monkeypatch.setenv("AIRLOCK_ALERT_RULES", str(tmp_path / "missing.yaml"))
    with pytest.raises(AlertRulesError, match=r"missing\.yaml: .*cannot read"):
        evaluate(event, history)


def test_naive_timestamps_from_the_store_work(make_event, history) -> None:
    naive = T0.replace(tzinfo=None)
    events = [
        make_event(
            created_at=naive + timedelta(minutes=m), verdict="block", gate_decision="blocked"
        )
        for m in (1, 2, 3)
    ]
    draft = fired(evaluate(events[-1], history))["agent-burst"]
    assert draft.dedup_key.endswith('"2026-03-02T12:00:00Z"')


def test_evaluate_handles_large_code_and_output(make_event, history) -> None:
    """5 MB of code and 2 MB of output (its speed is a benchmark's business, not a test's)."""
    line = "x = compute(a, b)  # password check, aws, api_key\n"
    code = line * (5_000_000 // len(line))
    output = ("INFO token=abc aws ok " * 50 + "\n") * 1_000
    event = make_event(code=code, stdout=output, stderr=output, verdict="block", timed_out=True)
    drafts = fired(evaluate(event, history))
    assert {"blocked-attempt", "limit-kill"} <= set(drafts)


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.text(
    alphabet=string.printable, max_size=400
)


_SECRETS = st.one_of(
    st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16).map(
        lambda s: "AKIA" + s
    ),
    st.text(string.ascii_letters + string.digits, min_size=36, max_size=36).map(
        lambda s: "gh" + "p_" + s
    ),
)


@settings(max_examples=100, deadline=None)
@given(secret=_SECRETS, before=_TEXT, after=_TEXT)
def test_alerts_never_repeat_a_secret(secret: str, before: str, after: str) -> None:
    history = MemoryHistory()
    text = f"{before}\n{secret}\n{after}"
    event = RecordedEvent(
        id=1,
        created_at=T0,
        agent_id="a",
        code=text,
        code_sha256="0" * 64,
        ruleset="default",
        verdict="allow",
        score=0,
        gate_decision="ran",
        stdout=text,
    )
    history.add(event)
    for draft in evaluate(event, history):
        assert secret not in draft.model_dump_json()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=_TEXT, stdout=_TEXT, stderr=_TEXT)
def test_evaluate_never_raises_on_arbitrary_text(code: str, stdout: str, stderr: str) -> None:
    history = MemoryHistory()
    event = RecordedEvent(
        id=1,
        created_at=T0,
        code=code,
        code_sha256="0" * 64,
        ruleset="default",
        verdict="block",
        score=100,
        gate_decision="blocked",
        stdout=stdout,
        stderr=stderr,
        timed_out=True,
        unavailable_layers=[stdout[:30]],
    )
    history.add(event)
    for draft in evaluate(event, history):
        assert AlertDraft.model_validate(draft.model_dump()) == draft
