"""Approvals run only the exact code that was screened, on an authenticated reviewer's word."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from audit_factories import report

from airlock.audit import Store, guard
from airlock.audit.binding import CodeMismatch
from airlock.audit.chain import content_of, link_hash
from airlock.audit.errors import AuthError
from airlock.audit.intents import exact_code
from airlock.audit.reviews import decide
from airlock.executor import probe_layers
from airlock.executor.models import Limits

HELD = "print('screened')\n"


@pytest.fixture
def held(store: Store) -> tuple[Store, int, str]:
    """A held screening (recorded without running anything) and a reviewer's token."""
    row = store.record(
        code=HELD,
        report=report("review", 30, ("R",)),
        gate_decision="held_for_review",
        agent_id="agent-1",
        limits=Limits(timeout_s=5, cpu_s=5),
    )
    return store, int(row.id or 0), store.add_reviewer("rev")


def _sql(store: Store, statement: str, *params: object) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(statement, params if params else ())


def _mismatch_alerts(store: Store) -> list[str]:
    return [a.rule_id for a in store.list_alerts() if a.rule_id == "approval-mismatch"]


def _skip_without_sandbox() -> None:
    missing = [str(layer) for layer in probe_layers() if layer.status != "active"]
    if missing:
        pytest.skip(f"not every executor layer is available here: {missing}")


def test_edited_code_is_refused_with_an_alert(held) -> None:
    store, sid, token = held
    ph = "%s" if store.url.get_backend_name() == "postgresql" else "?"
    _sql(store, f"UPDATE screenings SET code = {ph} WHERE id = {sid}", "print('edited')\n")
    with pytest.raises(CodeMismatch, match="edited"):
        decide(store, sid, "approved", token=token)
    d = store.get(sid)
    assert d.executions == [] and d.reviews == []  # nothing ran, nothing approved
    assert _mismatch_alerts(store) == ["approval-mismatch"]
    assert store.list_alerts()[0].severity == "critical"


def test_code_and_sha_edited_together_are_still_refused(held) -> None:
    store, sid, token = held
    evil = "print('edited')\n"
    sha = hashlib.sha256(evil.encode()).hexdigest()
    ph = "%s" if store.url.get_backend_name() == "postgresql" else "?"
    _sql(
        store, f"UPDATE screenings SET code = {ph}, code_sha256 = {ph} WHERE id = {sid}", evil, sha
    )
    with pytest.raises(CodeMismatch, match="no longer matches its hash"):
        decide(store, sid, "approved", token=token)
    assert store.get(sid).executions == []


def test_unedited_code_runs_negative_control(held) -> None:
    _skip_without_sandbox()
    store, sid, token = held
    out = decide(
        store,
        sid,
        "approved",
        token=token,
        expected_sha256=store.get(sid).screening.code_sha256[:12],
    )
    assert out.execution is not None and out.execution.stdout == "screened\n"
    assert out.review.by == "rev" and out.execution.approved_by == "rev"
    assert _mismatch_alerts(store) == [] and store.verify().ok


def test_the_reviewer_must_have_seen_this_code(held) -> None:
    store, sid, token = held
    with pytest.raises(CodeMismatch, match="not the code the reviewer saw"):
        decide(store, sid, "approved", token=token, expected_sha256="00" * 32)
    assert store.get(sid).executions == []


def test_nul_bytes_are_kept_byte_exact(store: Store) -> None:
    code = "x = 1  # \x00 hidden\nexec('print(2)')\n"
    row = store.record(code=code, report=report("review", 30), gate_decision="held_for_review")
    s = store.get(row.id).screening
    assert "\x00" not in s.code  # the text column (and PostgreSQL) cannot hold it
    assert exact_code(s) == code  # but the exact code survives
    assert s.code_sha256 == hashlib.sha256(code.encode()).hexdigest()
    assert store.verify().ok


def test_edited_exact_bytes_are_refused(store: Store) -> None:
    import base64

    code = "x = 1  # \x00\nprint('kept')\n"
    row = store.record(code=code, report=report("review", 30), gate_decision="held_for_review")
    token = store.add_reviewer("rev")
    forged = base64.b64encode(b"import os  # \x00\nos.system('id')\n").decode()
    ph = "%s" if store.url.get_backend_name() == "postgresql" else "?"
    _sql(store, f"UPDATE screenings SET code_b64 = {ph} WHERE id = {row.id}", forged)
    with pytest.raises(CodeMismatch, match="does not hash to the sha256"):
        decide(store, int(row.id or 0), "approved", token=token)


def test_deciding_needs_a_live_reviewer_token(held) -> None:
    store, sid, token = held
    for bad, why in [(None, "required"), ("", "required"), ("airlock_guess", "not valid")]:
        with pytest.raises(AuthError, match=why):
            decide(store, sid, "denied", token=bad)
    store.revoke_reviewer("rev")
    with pytest.raises(AuthError, match="revoked"):
        decide(store, sid, "denied", token=token)
    assert store.get(sid).reviews == []
    fresh = store.add_reviewer("rev")  # the name can be given to a new account
    assert decide(store, sid, "denied", token=fresh).review.by == "rev"  # negative control


def test_an_agent_cannot_approve_its_own_code(held) -> None:
    store, sid, _ = held
    own = store.add_reviewer("agent-1")
    with pytest.raises(AuthError, match="another must approve"):
        decide(store, sid, "approved", token=own)
    assert store.get(sid).reviews == []


def test_guard_approve_needs_a_credential(sqlite_url: str) -> None:
    with Store(sqlite_url) as store:
        for bad in (None, "airlock_guess"):
            with pytest.raises(AuthError):
                guard(
                    "import subprocess\nsubprocess.run(['ls'])",
                    approve=True,
                    token=bad,
                    store=store,
                )
        assert store.count() == 0  # nothing screened, recorded or run on a forged approval
        with pytest.raises(AuthError, match="cannot approve code submitted as"):
            guard(
                "print(1)", approve=True, token=store.add_reviewer("me"), agent_id="me", store=store
            )


def test_tokens_are_stored_hashed(sqlite_url: str) -> None:
    with Store(sqlite_url) as store:
        token = store.add_reviewer("kim")
        assert store.authenticate(token).name == "kim"
        [row] = store.list_reviewers()
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    raw = b"".join(p.read_bytes() for p in Path(sqlite_url).parent.glob("audit.db*"))
    assert token.encode() not in raw and row.token_sha256.encode() in raw  # only its hash


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "[red]x", "\x1b[8m", "évé", None])
def test_reviewer_names_are_plain(sqlite_url: str, name: object) -> None:
    with Store(sqlite_url) as store, pytest.raises(ValueError, match="bad reviewer name"):
        store.add_reviewer(name)  # type: ignore[arg-type]


def test_a_screening_s_own_link_is_what_binding_checks(held) -> None:
    """The binding recomputes the record's hash the way verify does (same encoding)."""
    store, sid, _ = held
    with store.reading() as session:
        from sqlalchemy import select

        from airlock.audit.tables import FindingRow, Screening

        tbl = Screening.__table__
        values = dict(session.execute(select(tbl).where(tbl.c.id == sid)).first()._mapping)
        ft = FindingRow.__table__
        found = [
            dict(r._mapping) for r in session.execute(select(ft).where(ft.c.screening_id == sid))
        ]
    assert link_hash(values["prev_hash"], content_of("screenings", values, found)) == values["hash"]
