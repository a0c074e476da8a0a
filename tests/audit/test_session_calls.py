"""Session calls through the pipeline: each screened and recorded with its session id and
call number, state kept between calls, held calls approved into the same session, and the
new fields covered by the chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from airlock.audit import Store, StoreError, guard, guard_reply
from airlock.audit.db import make_engine, resolve_url
from airlock.audit.reviews import decide
from airlock.executor import Limits, Session

FAST = Limits(timeout_s=10, cpu_s=10)
RISKY = "import subprocess\nsubprocess.run(['true'])\nfound"  # review: runs a process
REPLY = """Step one:
```python
x = 40
```
Step two:
```python
x + 2
```
"""


@pytest.fixture
def sq(sqlite_url: str):
    with Store(sqlite_url) as s:
        yield s


@pytest.fixture
def session():
    with Session(limits=FAST) as s:
        yield s


def _ran(res) -> None:
    if res.decision == "refused":
        pytest.skip(f"the executor refused to run here: {res.result.refused}")
    assert res.decision == "ran", res.error


def test_blocks_of_a_reply_share_one_session_and_are_numbered(sq: Store, session: Session) -> None:
    first, second = guard_reply(REPLY, store=sq, session=session, agent_id="a1", limits=FAST)
    _ran(first)
    _ran(second)
    assert second.result.value == "42" and second.as_dict()["value"] == "42"
    rows = [sq.get(r.record_id) for r in (first, second)]
    assert [d.screening.session_id for d in rows] == [session.id] * 2
    assert [d.screening.call_index for d in rows] == [1, 2]
    assert rows[1].executions[0].value == "42"
    assert sq.verify().ok


def test_the_chain_covers_the_call_number_and_the_value(sqlite_url: str, session: Session) -> None:
    with Store(sqlite_url) as store:
        res = guard("6 * 7", store=store, session=session, limits=FAST)
        _ran(res)
        assert store.verify().ok  # control: untouched, it verifies
    engine = make_engine(resolve_url(sqlite_url))
    for edit in (
        "UPDATE screenings SET call_index = 5",
        "UPDATE executions SET value = '41'",
    ):
        with engine.begin() as conn:
            conn.execute(text(edit))
        with Store(sqlite_url) as store:
            report = store.verify()
            assert not report.ok and "edited" in report.first_break.problem
        with engine.begin() as conn:  # put it back for the next edit
            conn.execute(text("UPDATE screenings SET call_index = 1"))
            conn.execute(text("UPDATE executions SET value = '42'"))
    engine.dispose()


def test_a_held_call_keeps_the_session_and_runs_in_it_once_approved(
    sq: Store, session: Session
) -> None:
    _ran(guard("found = 'state from call 1'", store=sq, session=session, limits=FAST))
    held = guard(RISKY, store=sq, session=session, agent_id="agent-7", limits=FAST)
    assert held.decision == "held_for_review" and session.alive
    token = sq.add_reviewer("alice")
    other = Session()
    try:
        with pytest.raises(StoreError, match="not submitted in session"):
            decide(sq, held.record_id, "approved", token=token, session=other)
    finally:
        other.close()
    outcome = decide(sq, held.record_id, "approved", token=token, session=session)
    assert outcome.result is not None and outcome.result.value == "'state from call 1'"
    assert sq.get(held.record_id).screening.call_index == 2


def test_a_call_to_a_dead_session_is_recorded_as_an_error(sq: Store) -> None:
    s = Session()
    s.close()
    res = guard("print(1)", store=sq, session=s)
    assert res.decision == "error" and "SessionClosed" in (res.error or "")
    d = sq.get(res.record_id)
    assert d.screening.session_id == s.id and d.executions[0].outcome == "error"


def test_bad_session_arguments_raise_before_anything_is_recorded(
    sq: Store, session: Session
) -> None:
    with pytest.raises(ValueError, match="not the session's id"):
        guard("1", store=sq, session=session, session_id="forged")
    with pytest.raises(ValueError, match="not available in a session"):
        guard("1", store=sq, session=session, stdin=b"x")
    with pytest.raises(TypeError, match=r"executor\.Session"):
        guard("1", store=sq, session="s-1")  # type: ignore[arg-type]
    assert sq.verify().count == 0


def test_a_session_call_streams_its_output_and_the_record_keeps_it(
    sq: Store, session: Session
) -> None:
    events: list[tuple[str, object]] = []
    res = guard(
        "print('live')\n6 * 7", store=sq, session=session,
        on_start=lambda rid: events.append(("start", rid)),
        on_stdout=lambda b: events.append(("out", b)),
    )  # fmt: skip
    assert res.decision == "ran" and res.result is not None and res.result.value == "42"
    assert events == [("start", res.record_id), ("out", b"live\n")]
    assert sq.get(res.record_id).executions[0].stdout == "live\n"
    # control: blocked code never starts, so on_start is not called
    blocked = guard(
        "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))", store=sq, session=session,
        on_start=lambda rid: events.append(("start", rid)),
    )  # fmt: skip
    assert blocked.decision == "blocked" and len(events) == 2
