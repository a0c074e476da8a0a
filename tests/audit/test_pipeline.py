"""guard / guard_reply / reviews with the real analyzer and the real executor."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from airlock.audit import GatePolicy, ScreeningFilter, Store, StoreError, guard, guard_reply
from airlock.audit.reviews import decide
from airlock.executor.models import Limits

FAST = Limits(timeout_s=5, cpu_s=5)
BENIGN = "print(sum(range(10)))"
RISKY = "import subprocess\nsubprocess.run(['ls'])"  # review: runs a process
EVIL = "import os\nos.system('rm -rf /')"


@pytest.fixture
def sq(sqlite_url: str):
    with Store(sqlite_url) as s:
        yield s


@pytest.fixture
def alice(sq: Store) -> str:
    """A reviewer's token."""
    return sq.add_reviewer("alice")


def _needs_sandbox(res) -> None:
    if res.decision == "refused":
        pytest.skip(f"the executor refused to run here: {res.result.refused}")


def test_allowed_code_runs_and_is_recorded(sq: Store) -> None:
    res = guard(BENIGN, agent_id="a1", user_id="u1", session_id="s1", limits=FAST, store=sq)
    _needs_sandbox(res)
    assert res.decision == "ran" and res.verdict == "allow"
    assert res.as_dict() == {
        "success": True,
        "output": "45\n",
        "error": None,
        "verdict": "allow",
        "record_id": res.record_id,
        "stderr": "",
        "files": [],
        "value": None,
        "display": [],
    }
    d = sq.get(res.record_id)
    assert d.screening.agent_id == "a1" and d.screening.gate_decision == "ran"
    assert d.screening.limits["timeout_s"] == 5
    [e] = d.executions
    assert e.stdout == "45\n" and e.outcome == "ok" and e.layers


def test_blocked_code_never_runs_but_is_recorded_and_alerts(sq: Store, alice: str) -> None:
    res = guard(EVIL, agent_id="a2", store=sq, approve=True, token=alice)
    assert res.decision == "blocked" and res.result is None
    out = res.as_dict()
    assert out["success"] is False and out["error"].startswith("blocked by Airlock")
    assert sq.get(res.record_id).executions == []
    assert res.alert_error is None
    assert "blocked-attempt" in [a.rule_id for a in res.alerts]
    assert sq.list_alerts()[0].event_ids == [res.record_id]


def test_review_is_held_unless_approved_or_auto_approved(sq: Store, alice: str) -> None:
    held = guard(RISKY, store=sq, limits=FAST)
    assert held.report.verdict == "review"
    assert held.decision == "held_for_review" and held.result is None
    assert sq.get(held.record_id).screening.review_state == "open"
    assert [s.id for s in sq.review_queue()] == [held.record_id]
    ran = guard(RISKY, store=sq, limits=FAST, approve=True, token=alice)
    _needs_sandbox(ran)
    assert ran.decision == "ran"
    d = sq.get(ran.record_id)  # the approval is recorded under the reviewer's name
    assert [(r.state, r.by) for r in d.reviews] == [("approved", "alice")]
    assert d.executions[0].approved_by == "alice" and sq.verify().ok
    auto = guard(RISKY, store=sq, limits=FAST, policy=GatePolicy(auto_approve_below=101))
    assert auto.decision == "ran"
    assert GatePolicy(auto_approve_below=1).auto_approves(held.report) is False


def test_a_scan_that_raises_is_recorded_as_error(sq: Store) -> None:
    res = guard(BENIGN, ruleset="no-such-ruleset", store=sq)
    assert res.decision == "error" and res.result is None
    assert "scan failed" in res.error
    s = sq.get(res.record_id).screening
    assert s.gate_decision == "error" and "scan failed" in s.error and s.verdict == "block"
    assert res.as_dict()["success"] is False


def test_a_run_that_raises_is_recorded_as_error(sq: Store) -> None:
    res = guard(BENIGN, files={"../escape": b"x"}, store=sq, limits=FAST)
    assert res.decision == "error"
    assert "run failed" in res.error
    d = sq.get(res.record_id)
    assert (d.screening.gate_decision, d.screening.outcome) == ("ran", "error")
    assert [s.id for s in sq.list_screenings(ScreeningFilter(gate_decisions=["error"]))] == [
        res.record_id
    ]
    [e] = d.executions
    assert e.outcome == "error" and "run failed" in e.error


def test_alert_engine_import_failure_is_recorded_not_raised(
    sq: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "airlock.audit.alerts", None)  # import now fails
    res = guard(EVIL, store=sq)
    assert res.decision == "blocked" and res.alerts == []
    assert res.alert_error.startswith("alert engine unavailable")
    assert sq.count() == 1


def test_store_failure_propagates(tmp_path) -> None:
    with pytest.raises(StoreError):
        guard(BENIGN, store=Store(str(tmp_path / "missing" / "x.db")))


def test_guard_reply_guards_each_block(sq: Store) -> None:
    reply = f"Sure:\n```python\n{BENIGN}\n```\nthen\n```python\n{EVIL}\n```\n"
    results = guard_reply(reply, store=sq, session_id="chat-1", limits=FAST)
    assert [r.decision for r in results][1] == "blocked"
    assert len(results) == 2 and sq.count() == 2
    assert {s.session_id for s in sq.list_screenings()} == {"chat-1"}
    assert guard_reply("no code here", store=sq) == []


def test_approve_runs_held_code_under_recorded_limits(sq: Store, alice: str) -> None:
    limits = Limits(timeout_s=3, cpu_s=3, memory_mb=256)
    held = guard(RISKY, store=sq, limits=limits)
    out = decide(sq, held.record_id, "approved", token=alice, note="checked")
    if out.execution.outcome == "refused":
        pytest.skip(f"the executor refused to run here: {out.execution.refused}")
    assert out.review.state == "approved" and out.review.by == "alice"
    e = out.execution
    assert e.trigger == "review" and e.approved_by == "alice"
    assert e.limits["timeout_s"] == 3 and e.limits["memory_mb"] == 256
    s = sq.get(held.record_id).screening
    assert (s.review_state, s.outcome) == ("approved", e.outcome)
    with pytest.raises(StoreError, match="already run"):
        decide(sq, held.record_id, "approved", token=alice)
    assert sq.verify().ok


def test_review_decisions_and_their_limits(sq: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = guard(EVIL, store=sq)
    held = guard(RISKY, store=sq)
    carol, dave = sq.add_reviewer("carol"), sq.add_reviewer("dave")
    with pytest.raises(StoreError, match="never runs"):
        decide(sq, blocked.record_id, "approved", token=carol)
    with pytest.raises(StoreError, match="needs an expiry"):
        decide(sq, held.record_id, "accepted-risk", token=carol)
    monkeypatch.setenv("USER", "mallory")  # the environment names nobody
    fp = decide(sq, blocked.record_id, "false-positive", token=carol, note="test fixture")
    assert fp.review.by == "carol" and fp.execution is None
    until = datetime.now(UTC) + timedelta(days=7)
    ar = decide(sq, held.record_id, "accepted-risk", token=dave, expires_at=until)
    assert ar.review.expires_at == until
    assert sq.review_queue() == []
    with pytest.raises(StoreError, match="no screening"):
        decide(sq, 999, "denied", token=carol)


def test_only_newly_opened_alerts_are_delivered(
    sq: Store, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeat folds into the open alert: recorded on it, not sent again."""
    import json

    log = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("AIRLOCK_ALERT_LOG", str(log))
    first = guard(EVIL, agent_id="a9", store=sq)
    second = guard(EVIL, agent_id="a9", store=sq)
    assert first.alert_error is None and second.alert_error is None
    opened = {a.rule_id for a in first.alerts if a.opened}
    assert "blocked-attempt" in opened
    folded = [a for a in second.alerts if a.rule_id == "blocked-attempt"]
    assert folded and not any(a.opened for a in folded)
    sent = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(d["rule_id"] for d in sent if d["rule_id"] == "blocked-attempt") == [
        "blocked-attempt"
    ]
    [alert] = [a for a in sq.list_alerts() if a.rule_id == "blocked-attempt"]
    assert alert.event_ids == [first.record_id, second.record_id]
    assert len(sent) == len({a.id for a in first.alerts + second.alerts if a.opened})
