"""Tamper evidence: any edit or deletion made behind the store's back shows in verify."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from audit_factories import report, result
from sqlalchemy import select, text

from airlock.audit.events import AlertDraft
from airlock.audit.store import Store
from airlock.audit.tables import Review


def _fill(store: Store) -> dict[str, int]:
    """One record of every chained kind; returns the ids."""
    a = store.record(
        code="a=1", report=report("review", 30, ("R1",)), gate_decision="held_for_review"
    )
    b = store.record(code="b=2", report=report(), gate_decision="ran", result=result())
    r = store.add_review(
        a.id, "accepted-risk", by="me", expires_at=datetime.now(UTC) + timedelta(1)
    )
    [al] = store.record_alerts(
        [
            AlertDraft(
                rule_id="x", severity="low", title="t", detail="d", event_ids=[a.id], dedup_key="k"
            )
        ]
    )
    store.change_alert(al.id, "acknowledged", by="me")
    c = store.record(code="c=3", report=report("block", 90, ("R2",)), gate_decision="blocked")
    return {"a": a.id, "b": b.id, "review": r.id, "alert": al.id, "c": c.id}


def _sql(store: Store, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement))


def test_intact_chain_verifies_with_count(store: Store) -> None:
    _fill(store)
    rep = store.verify()
    assert rep.ok and rep.count == 8 and rep.head_seq == 8
    assert rep.line() == f"OK: 8 records, chain intact; {rep.database}"
    assert rep.database in ("SQLite integrity_check ok",) or rep.database.startswith("PostgreSQL:")


@pytest.mark.parametrize(
    ("statement", "table", "problem"),
    [
        ("UPDATE screenings SET code = 'evil()' WHERE code = 'b=2'", "screenings", "edited"),
        ("UPDATE screenings SET verdict = 'allow' WHERE code = 'c=3'", "screenings", "edited"),
        ("UPDATE findings SET rule_id = 'R9' WHERE rule_id = 'R1'", "screenings", "edited"),
        ("DELETE FROM findings WHERE rule_id = 'R2'", "screenings", "edited"),
        ("UPDATE executions SET exit_code = 1", "executions", "edited"),
        ("UPDATE executions SET stdout = 'nothing'", "executions", "edited"),
        ("UPDATE reviews SET by = 'mallory'", "reviews", "edited"),
        ("UPDATE alerts SET severity = 'critical'", "alerts", "edited"),
        (
            "UPDATE alert_changes SET note = 'x' WHERE action = 'acknowledged'",
            "alert_changes",
            "edited",
        ),
        (
            "UPDATE screenings SET review_state = 'approved' WHERE code = 'a=1'",
            "screenings",
            "review_state",
        ),
        ("UPDATE screenings SET outcome = NULL WHERE code = 'b=2'", "screenings", "outcome"),
        ("UPDATE alerts SET state = 'resolved'", "alerts", "state"),
        ("UPDATE screenings SET hash = prev_hash WHERE code = 'b=2'", "screenings", None),
        ("DELETE FROM reviews", "screenings", "review_state"),
        ("DELETE FROM executions", "screenings", "outcome"),
        ("UPDATE chain_head SET hash = 'x'", "chain_head", "hash does not match"),
        ("DELETE FROM chain_head", "chain_head", "head is missing"),
    ],
)
def test_any_edit_is_reported(
    store: Store, statement: str, table: str, problem: str | None
) -> None:
    _fill(store)
    _sql(store, statement)
    rep = store.verify()
    assert not rep.ok
    assert rep.first_break is not None
    assert rep.first_break.table == table
    if problem:
        assert problem in rep.first_break.problem
    assert "BROKEN at seq" in rep.line()


def test_deleting_the_newest_record_is_reported(store: Store) -> None:
    ids = _fill(store)
    _sql(store, f"DELETE FROM findings WHERE screening_id = {ids['c']}")
    _sql(store, f"DELETE FROM screenings WHERE id = {ids['c']}")
    rep = store.verify()
    assert not rep.ok and rep.count == 7
    assert rep.first_break.table == "chain_head"
    assert "newest deleted" in rep.first_break.problem


def test_deleting_a_middle_record_names_the_gap(store: Store) -> None:
    ids = _fill(store)
    store.record(code="d=4", report=report(), gate_decision="blocked")
    _sql(store, f"DELETE FROM findings WHERE screening_id = {ids['c']}")
    _sql(store, f"DELETE FROM screenings WHERE id = {ids['c']}")
    rep = store.verify()
    assert not rep.ok and rep.count == 7
    brk = rep.first_break
    assert brk.seq == 9 and brk.table == "screenings" and "seq 8 is missing" in brk.problem


def test_rehashed_edit_still_breaks_the_next_link(store: Store) -> None:
    """Recomputing the edited record's own hash is not enough: the next prev_hash disagrees."""
    from airlock.audit.chain import content_of, link_hash

    ids = _fill(store)
    with store.engine.begin() as conn:
        row = dict(conn.execute(select(Review.__table__)).mappings().one())
        row["note"] = "rewritten"
        new = link_hash(row["prev_hash"], content_of("reviews", row))
        conn.execute(text("UPDATE reviews SET note = 'rewritten', hash = :h"), {"h": new})
    rep = store.verify()
    assert not rep.ok and rep.first_break.table == "alerts"
    assert "prev_hash" in rep.first_break.problem
    assert ids


def test_concurrent_threads_never_fork_the_chain(db_url: str) -> None:
    """Four threads, each with its own Store (own connections), append at once."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with Store(db_url) as s:
                for i in range(25):
                    s.record(code=f"t{n}-{i}", report=report(), gate_decision="blocked")
        except BaseException as exc:
            errors.append(exc)

    Store(db_url).close()  # migrate once up front
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db_url) as s:
        rep = s.verify()
        assert rep.ok and rep.count == 100
