"""The store keeps everything it is given and answers the dashboard's questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from audit_factories import report, result

from airlock.audit.errors import NotFoundError, StoreError
from airlock.audit.events import AlertDraft
from airlock.audit.queries import ScreeningFilter
from airlock.audit.store import Store


def test_screening_round_trips_with_findings_and_run(store: Store) -> None:
    rep = report("review", 40, ("AIR101", "AIR202"))
    row = store.record(
        code="import os\nos.getcwd()\n",
        report=rep,
        gate_decision="ran",
        result=result(),
        agent_id="agent-1",
        user_id="u",
        session_id="s",
    )
    d = store.get(row.id)
    s = d.screening
    assert (s.agent_id, s.user_id, s.session_id) == ("agent-1", "u", "s")
    assert s.code == "import os\nos.getcwd()\n"
    assert len(s.code_sha256) == 64
    assert (s.verdict, s.score, s.gate_decision, s.outcome) == ("review", 40, "ran", "ok")
    assert (s.ruleset, s.ruleset_version) == ("default", "1.0")
    assert [r["text"] for r in s.reasons] == ["AIR101 matched", "AIR202 matched"]
    assert [f.rule_id for f in d.findings] == ["AIR101", "AIR202"]
    assert d.findings[1].line == 2
    [e] = d.executions
    assert (e.exit_code, e.stdout, e.wall_s, e.trigger) == (0, "ok\n", 0.25, "gate")
    assert [x["status"] for x in e.layers] == ["active", "unavailable"]
    assert e.limits["timeout_s"] == 2
    assert s.created_at.tzinfo is not None


def test_event_reflects_the_run(store: Store) -> None:
    row = store.record(
        code="x",
        report=report("allow", 0, ("R1",)),
        gate_decision="ran",
        result=result(exit_code=None, timed_out=True, killed_reason="timeout"),
    )
    ev = store.event(row.id)
    assert ev.ran and ev.timed_out and ev.rule_ids == ["R1"]
    assert ev.unavailable_layers == ["cgroup"]
    assert ev.gate_decision == "ran"


def test_outputs_are_capped(store: Store) -> None:
    row = store.record(
        code="x", report=report(), gate_decision="ran", result=result(stdout="y" * 200_000)
    )
    [e] = store.get(row.id).executions
    assert len(e.stdout) == 64 * 1024 and e.stdout_truncated


def test_unknown_ids_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no screening with id 99"):
        store.get(99)
    with pytest.raises(NotFoundError):
        store.add_review(99, "denied", by="me")
    with pytest.raises(NotFoundError):
        store.get_alert(7)
    with pytest.raises(NotFoundError, match="no screening with id 99"):
        store.add_execution(99, result())
    assert store.verify().ok and store.verify().count == 0  # nothing of it was appended


def test_review_changes_update_the_queue(store: Store) -> None:
    held = store.record(
        code="a", report=report("review", 30, ("R",)), gate_decision="held_for_review"
    )
    store.record(code="b", report=report(), gate_decision="ran", result=result())
    assert [s.id for s in store.review_queue()] == [held.id]
    store.add_review(held.id, "denied", by="alice", note="no")
    assert store.review_queue() == []
    past = datetime.now(UTC) - timedelta(hours=1)
    store.add_review(held.id, "accepted-risk", by="bob", note="known", expires_at=past)
    assert [s.id for s in store.review_queue()] == [held.id]  # expired: back in the queue
    assert store.review_queue(include_expired=False) == []
    store.add_review(
        held.id, "accepted-risk", by="bob", expires_at=datetime.now(UTC) + timedelta(days=1)
    )
    assert store.review_queue_count() == 0
    reviews = store.get(held.id).reviews
    assert [(r.state, r.by) for r in reviews] == [
        ("denied", "alice"),
        ("accepted-risk", "bob"),
        ("accepted-risk", "bob"),
    ]
    with pytest.raises(StoreError, match="unknown review state"):
        store.add_review(held.id, "maybe", by="x")


def test_alerts_deduplicate_until_resolved(store: Store) -> None:
    a = store.record(code="a", report=report("block", 90), gate_decision="blocked")
    b = store.record(code="b", report=report("block", 90), gate_decision="blocked")
    draft = AlertDraft(
        rule_id="blocked-attempt",
        severity="high",
        title="t",
        detail="d",
        event_ids=[a.id],
        dedup_key="k",
    )
    [first] = store.record_alerts([draft])
    [again] = store.record_alerts([draft.model_copy(update={"event_ids": [b.id]})])
    assert again.id == first.id and again.event_ids == [a.id, b.id]
    store.change_alert(first.id, "acknowledged", by="me", note="looking")
    [still] = store.record_alerts([draft])
    assert still.id == first.id
    store.change_alert(first.id, "resolved", by="me")
    [new] = store.record_alerts([draft])
    assert new.id != first.id and new.state == "open"
    assert store.alert_counts() == {"open": 1, "acknowledged": 0, "resolved": 1}
    assert [x.id for x in store.list_alerts(states=("open",))] == [new.id]
    detail = store.get_alert(first.id)
    assert [c.action for c in detail.changes] == ["opened", "events", "acknowledged", "resolved"]
    with pytest.raises(StoreError, match="already resolved"):
        store.change_alert(first.id, "resolved", by="me")
    assert store.verify().ok


def test_history_protocol(store: Store) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    ids = [
        store.record(code=f"c{i}", report=report(v, 50), gate_decision="blocked", agent_id=ag).id
        for i, (v, ag) in enumerate(
            [("block", "a"), ("review", "a"), ("allow", "a"), ("block", "b"), ("block", None)]
        )
    ]
    assert store.count_events(agent_id="a", since=since) == 2
    assert store.count_events(agent_id=None, since=since) == 1
    assert store.count_events(agent_id="a", since=datetime.now(UTC) + timedelta(1)) == 0
    assert store.recent_event_ids(agent_id="a", since=since) == [ids[1], ids[0]]
    assert store.recent_event_ids(agent_id="a", since=since, verdicts=("allow",)) == [ids[2]]
    dup = store.record(code="c0", report=report("block", 50), gate_decision="blocked")
    assert store.hash_blocked_before(dup.code_sha256, before_id=dup.id) == [ids[0]]
    assert store.hash_blocked_before(dup.code_sha256, before_id=ids[0]) == []


def test_dashboard_queries(store: Store) -> None:
    day = datetime(2026, 11, 1, 10, tzinfo=UTC)
    plan = [
        ("allow", 0, (), "a1", "ran", result()),
        ("review", 40, ("R1",), "a1", "held_for_review", None),
        ("block", 90, ("R1", "R2"), "a2", "blocked", None),
        ("block", 95, ("R2",), "a2", "blocked", None),
        ("allow", 5, ("R3",), "a3", "ran", result(exit_code=None, timed_out=True)),
    ]
    ids = []
    for i, (v, sc, rules, ag, gd, res) in enumerate(plan):
        row = store.record(
            code=f"print({i})  # needle_{i}" if i != 3 else "print(0)  # needle_0",
            report=report(v, sc, rules),
            gate_decision=gd,
            result=res,
            agent_id=ag,
            created_at=day + timedelta(days=i // 2),
        )
        ids.append(row.id)
    store.add_review(ids[2], "false-positive", by="r")
    store.add_review(ids[3], "denied", by="r")

    assert store.count_screenings() == 5
    assert store.count_screenings(ScreeningFilter(verdicts=["block"])) == 2
    assert store.count_screenings(ScreeningFilter(rule_id="R1")) == 2
    assert store.count_screenings(ScreeningFilter(text="NEEDLE_0")) == 2
    assert store.count_screenings(ScreeningFilter(text="%")) == 0
    assert store.count_screenings(ScreeningFilter(since=day + timedelta(days=1))) == 3
    assert store.count_screenings(ScreeningFilter(outcomes=["timeout"])) == 1
    assert store.count_screenings(ScreeningFilter(min_score=90, agent_ids=["a2"])) == 2
    page = store.list_screenings(limit=2, offset=1, order_by="score", descending=True)
    assert [s.score for s in page] == [90, 40]
    assert [s.id for s in store.list_screenings(order_by="id", descending=False)] == ids
    with pytest.raises(ValueError):
        store.list_screenings(order_by="code")

    timeline = {(t.bucket, t.key): t.count for t in store.counts_over_time()}
    assert timeline == {
        ("2026-11-01", "allow"): 1,
        ("2026-11-01", "review"): 1,
        ("2026-11-02", "block"): 2,
        ("2026-11-03", "allow"): 1,
    }
    assert store.count_screenings(ScreeningFilter(ids=[ids[0], ids[4], 999])) == 2
    per_agent = {(t.bucket, t.key): t.count for t in store.counts_over_time(by="agent_id")}
    assert per_agent[("2026-11-02", "a2")] == 2
    hourly = store.counts_over_time(unit="hour", by="gate_decision")
    assert hourly[0].bucket == "2026-11-01 10"
    rules_by_day = {(t.bucket, t.key): t.count for t in store.rule_counts_over_time()}
    assert rules_by_day[("2026-11-02", "R2")] == 2
    assert store.top_rules() == [("R1", 2), ("R2", 2), ("R3", 1)]
    top = store.top_agents()
    assert [a.agent_id for a in top] == ["a2", "a1", "a3"]
    assert (top[0].blocked, top[0].max_score) == (2, 95)
    assert store.agents() == ["a1", "a2", "a3"]
    assert store.outcome_counts() == {"ok": 1, "timeout": 1, "none": 3}
    assert store.limit_hit_share() == 0.5
    stats = {r.rule_id: r for r in store.rule_stats()}
    assert (stats["R2"].hits, stats["R2"].reviewed, stats["R2"].false_positive) == (2, 2, 1)
    assert stats["R2"].false_positive_rate == 0.5
    assert stats["R3"].false_positive_rate is None
    [rep] = store.repeated_hashes()
    assert (rep.count, rep.blocked, rep.agents) == (2, 1, 2)
    assert store.rules_for([ids[2], ids[0]]) == {ids[2]: ["R1", "R2"], ids[0]: []}
    latest = store.latest_executions(ids)
    assert set(latest) == {ids[0], ids[4]}
    assert [s.id for s in store.iter_screenings(batch=2)] == ids
    details = list(store.iter_details(batch=2))
    assert [d.screening.id for d in details] == ids
    assert [[f.rule_id for f in d.findings] for d in details][2] == ["R1", "R2"]
    assert [len(d.executions) for d in details] == [1, 0, 0, 0, 1]
    assert [r.state for r in details[3].reviews] == ["denied"]
    naive = ScreeningFilter(since=datetime(2026, 11, 2))  # a date picker's naive value: UTC
    assert store.count_screenings(naive) == 3
    assert store.count_events(agent_id="a2", since=datetime(2026, 11, 1)) == 2


def test_bad_urls_are_one_line_errors(tmp_path: object) -> None:
    for bad, msg in [
        ("mysql://x/y", "unsupported database"),
        ("postgresql+asyncpg://x/y", "unsupported PostgreSQL driver"),
        ("postgresql://host/", "names no database"),
        ("::::://", "malformed database URL"),
        ("  ", "empty database URL"),
        ("/nonexistent-dir/sub/a.db", "does not exist"),
    ]:
        with pytest.raises(StoreError, match=msg):
            Store(bad)


def test_environment_variable_and_default_path(tmp_path, monkeypatch) -> None:
    from airlock.audit.db import resolve_url

    monkeypatch.setenv("AIRLOCK_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).database == str(tmp_path / "env.db")
    monkeypatch.delenv("AIRLOCK_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = resolve_url(None)
    assert url.database == str(tmp_path / "xdg" / "airlock" / "airlock.db")
    assert resolve_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"


def test_long_ids_are_cut_and_bad_decisions_refused(store: Store) -> None:
    row = store.record(code="x", report=report(), gate_decision="blocked", agent_id="a" * 500)
    assert store.get(row.id).screening.agent_id == "a" * 200
    naive = store.record(
        code="y", report=report(), gate_decision="blocked", created_at=datetime(2026, 1, 1)
    )
    assert store.get(naive.id).screening.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(StoreError, match="unknown gate decision"):
        store.record(code="x", report=report(), gate_decision="maybe")
    assert store.verify().ok


def test_bulk_append_keeps_the_chain(store: Store) -> None:
    from airlock.audit.tables import Execution, FindingRow, Screening

    store.record(code="first", report=report(), gate_decision="blocked")
    at = datetime(2026, 11, 5, tzinfo=UTC)
    rows = [
        (
            Screening(
                created_at=at,
                code=f"b{i}",
                code_sha256="0" * 64,
                verdict="allow",
                gate_decision="ran",
                reasons=[],
            ),
            [FindingRow(rule_id="R7", title="t", severity="low", confidence="low", message="m")],
            Execution(created_at=at, outcome="ok", exit_code=0, layers=[], files=[])
            if i % 2
            else None,
        )
        for i in range(5)
    ]
    store.append_rows(rows)
    assert store.count() == 6
    assert store.count_screenings(ScreeningFilter(outcomes=["ok"])) == 2
    assert store.top_rules() == [("R7", 5)]
    rep = store.verify()
    assert rep.ok and rep.count == 8
