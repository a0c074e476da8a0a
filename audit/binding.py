"""Approvals are bound to the exact code that was screened.

Before held code runs, `bound_code` checks that the screening's record still
hashes to its link in the chain (so no column of it was edited, the code and its
recorded sha256 included), that the code about to run is byte-exact the code
whose sha256 was recorded, and that it is what the reviewer looked at (the sha256
and rule-set version they saw, when given). A mismatch refuses the run and
raises a critical alert.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from airlock.audit.chain import content_of, link_hash
from airlock.audit.encoding import UnknownEncoding
from airlock.audit.errors import StoreError
from airlock.audit.events import AlertDraft
from airlock.audit.intents import exact_code
from airlock.audit.store import Store
from airlock.audit.tables import FindingRow, Screening

RULE_ID = "approval-mismatch"


class CodeMismatch(StoreError):
    """The code an approval would run is not the code that was screened and reviewed."""


def sha256_of(code: str) -> str:
    """The sha256 recorded for a piece of code."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def _record_holds(store: Store, screening_id: int) -> bool:
    with store.reading() as session:
        tbl = Screening.__table__  # type: ignore[attr-defined]
        row = session.execute(select(tbl).where(tbl.c.id == screening_id)).first()
        if row is None:
            return False
        values: dict[str, Any] = dict(row._mapping)
        ft = FindingRow.__table__  # type: ignore[attr-defined]
        q = select(ft).where(ft.c.screening_id == screening_id).order_by(ft.c.id)
        findings = [dict(f._mapping) for f in session.execute(q)]
    try:
        content = content_of("screenings", values, findings)
    except UnknownEncoding:
        return False
    return link_hash(values["prev_hash"], content) == values["hash"]


def problem_with(
    store: Store,
    screening: Screening,
    *,
    expected_sha256: str | None = None,
    expected_ruleset_version: str | None = None,
) -> str | None:
    """Why this screening's stored code may not run as approved (None: it may)."""
    assert screening.id is not None
    if not _record_holds(store, screening.id):
        return "its record no longer matches its hash in the chain (edited)"
    try:
        code = exact_code(screening)
    except (ValueError, UnicodeDecodeError):
        return "its stored exact code cannot be decoded"
    if sha256_of(code) != screening.code_sha256:
        return "the stored code does not hash to the sha256 that was screened"
    if expected_sha256 is not None and not screening.code_sha256.startswith(
        expected_sha256.strip().lower() or "\x00"
    ):
        return f"it is not the code the reviewer saw (sha256 {expected_sha256[:64]!r})"
    if (
        expected_ruleset_version is not None
        and expected_ruleset_version != screening.ruleset_version
    ):
        return "it was screened under another rule-set version than the reviewer saw"
    return None


def bound_code(
    store: Store,
    screening: Screening,
    *,
    expected_sha256: str | None = None,
    expected_ruleset_version: str | None = None,
) -> str:
    """The exact code to run for an approval, or `CodeMismatch` (after raising an alert)."""
    problem = problem_with(
        store,
        screening,
        expected_sha256=expected_sha256,
        expected_ruleset_version=expected_ruleset_version,
    )
    if problem is None:
        return exact_code(screening)
    sid = screening.id or 0
    message = f"screening {sid} not run: {problem}"
    draft = AlertDraft(
        rule_id=RULE_ID,
        severity="critical",
        title="Approved code does not match what was screened",
        detail=message,
        agent_id=screening.agent_id,
        event_ids=[sid],
        dedup_key=f"{RULE_ID}:{sid}",
    )
    try:
        changes = store.record_alert_changes([draft])
        from airlock.audit.alerts import deliver

        deliver([a for a, action in changes if action == "opened"])
    except Exception:  # the refusal stands whether or not the alert could be stored
        pass
    raise CodeMismatch(message)
