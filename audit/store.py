"""The audit store: append records to the ledger, read them back.

`Store(db)` opens (and, unless `upgrade=False`, migrates) the database named by
`db` / $AIRLOCK_DB / the default SQLite file. Every write is one transaction
that takes the ledger's write lock first; every failure of the database
surfaces as a `StoreError` with a one-line message. Mixed in: lists and
filters (`audit.queries`), dashboard aggregates (`audit.stats`), alerts
(`audit.alert_store`) and the alert engine's `History` (`audit.history`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from airlock.audit import db as dbmod
from airlock.audit.accounts import ReviewerStoreMixin
from airlock.audit.alert_store import AlertStoreMixin
from airlock.audit.chain import Ledger, now
from airlock.audit.convert import event_of, execution_row, finding_rows
from airlock.audit.errors import NotFoundError, StoreError, explain
from airlock.audit.events import RecordedEvent
from airlock.audit.history import HistoryMixin
from airlock.audit.intents import (
    INTERRUPTED,
    add_pending,
    clear_pending,
    code_b64,
    pending_row,
    running_ids,
)
from airlock.audit.queries import QueryMixin, ScreeningDetail, as_utc
from airlock.audit.stats import StatsMixin
from airlock.audit.tables import Execution, FindingRow, Review, Screening
from airlock.audit.verify import Break, VerifyReport, verify
from airlock.vocabulary import GATE_DECISIONS, REVIEW_STATES

if TYPE_CHECKING:  # the analyzer and executor packages are heavy to import
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from airlock.analyzer.models import Report
    from airlock.audit.checkpoint import Checkpoint
    from airlock.executor.models import ExecutionResult, Limits


def _cut(value: Any, width: int) -> Any:
    return value[:width] if isinstance(value, str) else value


# the outcome cache of a screening whose run is being recorded (it is not hashed)
_SET_OUTCOME = (
    update(Screening.__table__)  # type: ignore[attr-defined]
    .where(Screening.__table__.c.id == bindparam("screening"))  # type: ignore[attr-defined]
    .values(outcome=bindparam("new_outcome"))
)


class Store(QueryMixin, StatsMixin, AlertStoreMixin, HistoryMixin, ReviewerStoreMixin):
    """One audit database (SQLite file or PostgreSQL URL)."""

    def __init__(self, db: str | os.PathLike[str] | None = None, *, upgrade: bool = True) -> None:
        self.url = dbmod.resolve_url(db)
        self._path = self.url.database if self.url.get_backend_name() == "sqlite" else None
        if self._path and self._path != ":memory:":  # never in a run's view, wherever it lies
            from airlock.executor import private_paths

            private_paths.hide(self._path)
        try:
            self.engine = dbmod.make_engine(self.url)
            if upgrade:
                from airlock.audit.migrate import ensure_current

                ensure_current(self.engine)
        except StoreError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(explain(exc, self._path)) from None

    @property
    def display_url(self) -> str:
        """The URL with any password hidden."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """Database failures become `StoreError` (one already raised passes as it is)."""
        try:
            yield
        except StoreError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(explain(exc, self._path)) from None

    @contextmanager
    def writing(self, *, durable: bool = False) -> Iterator[tuple[Session, Ledger]]:
        """A write transaction holding the lock, with the ledger ready to append
        (``durable``: the record of a run about to start, fsynced on commit)."""
        with self._failures(), dbmod.write_session(self.engine, durable=durable) as session:
            ledger = Ledger(session)
            yield session, ledger
            ledger.close()

    @contextmanager
    def appending(
        self, ids: tuple[type[Any], ...] = (), *, durable: bool = False
    ) -> Iterator[tuple[Connection, Ledger]]:
        """As `writing`, on a Core connection (no ORM session): for appends whose other
        statements are Core too. ``ids``: the tables appended to (read with the head)."""
        with self._failures(), dbmod.write_connection(self.engine, durable=durable) as conn:
            ledger = Ledger(conn, ids)
            yield conn, ledger
            ledger.close()

    @contextmanager
    def reading_rows(self) -> Iterator[Connection]:
        """A read transaction on a Core connection; database failures become `StoreError`."""
        with self._failures(), dbmod.read_connection(self.engine) as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read transaction; database failures become `StoreError`."""
        with self._failures(), dbmod.read_session(self.engine) as session:
            yield session

    # -- appending ----------------------------------------------------------

    def record(
        self,
        *,
        code: str,
        report: Report | None,
        gate_decision: str,
        result: ExecutionResult | None = None,
        run_error: str | None = None,
        error: str | None = None,
        agent_id: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        call_index: int | None = None,
        ruleset: str = "default",
        limits: Limits | None = None,
        created_at: datetime | None = None,
        intent: bool = False,
        approved_by: str | None = None,
    ) -> Screening:
        """Append one screening (with its findings and, when it ran, its execution).

        `intent=True` records a run about to start (gate decision "ran", no result yet):
        the screening is marked "interrupted" until `add_execution` records the result.
        `approved_by` (with `intent`) also appends that reviewer's approval.
        Ids longer than 200 characters are cut to 200 (the column width).
        """
        import hashlib

        if gate_decision not in GATE_DECISIONS:
            raise StoreError(f"unknown gate decision {gate_decision!r}")
        if intent and (gate_decision != "ran" or result is not None or run_error is not None):
            raise StoreError("an intent is a run about to start: gate decision ran, no result")
        sha = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
        ran = result is not None or run_error is not None
        screening = Screening(
            created_at=as_utc(created_at) if created_at else now(),
            agent_id=_cut(agent_id, 200),
            user_id=_cut(user_id, 200),
            session_id=_cut(session_id, 200),
            call_index=call_index,
            code=code,
            code_b64=code_b64(code),
            code_sha256=sha,
            ruleset=_cut(report.ruleset if report else ruleset, 200),
            ruleset_version=_cut(report.ruleset_version if report else "", 100),
            score=report.score if report else 100,
            verdict=str(report.verdict) if report else "block",
            reasons=[r.model_dump(mode="json") for r in report.reasons] if report else [],
            gate_decision=gate_decision,
            error=error or (report.error if report else None),
            limits=limits.model_dump(mode="json") if limits else None,
            scan_ms=report.duration_ms if report else 0.0,
            lines=report.lines if report else code.count("\n") + 1,
            review_state="open" if gate_decision == "held_for_review" else None,
        )
        findings = finding_rows(report)
        execution = execution_row(result, error=run_error) if ran else None
        if execution is not None:
            screening.outcome = execution.outcome
        if gate_decision == "ran" and execution is None:  # no result (yet): interrupted
            screening.outcome = INTERRUPTED
        if intent and approved_by is not None:
            screening.review_state = "approved"
        ids: tuple[type[Any], ...] = (Screening,)
        if execution is not None:
            ids += (Execution,)
        if intent and approved_by is not None:
            ids += (Review,)
        # the intent is the record of a run about to start: durable before it starts
        with self.appending(ids, durable=intent) as (conn, ledger):
            ledger.append(screening, findings)
            if execution is not None:
                execution.screening_id = screening.id  # type: ignore[assignment]
                execution.created_at = screening.created_at
                ledger.append(execution)
            if intent:
                assert screening.id is not None
                if approved_by is not None:
                    review = Review(
                        screening_id=screening.id,
                        created_at=screening.created_at,
                        state="approved",
                        by=approved_by,
                        note="approved when submitted",
                    )
                    ledger.append(review)
                add_pending(conn, screening.id, "gate", limits.timeout_s if limits else None)
        return screening

    def append_rows(self, rows: list[tuple[Screening, list[FindingRow], Execution | None]]) -> None:
        """Append pre-built screenings (with findings and a run) in one transaction.

        For imports and seeding large stores: the chain is computed as usual,
        the inserts are batched. Each execution follows its screening.
        """
        items: list[tuple[Any, Any]] = []
        with self.writing() as (_session, ledger):
            screenings = [(s, f) for s, f, _ in rows]
            # ids first, so that executions can point at their screening
            for s, _f in screenings:
                if s.id is None:
                    s.id = ledger.next_id(Screening)
            for s, f, ex in rows:
                items.append((s, f))
                if ex is not None:
                    ex.screening_id = s.id  # type: ignore[assignment]
                    s.outcome = ex.outcome
                    items.append((ex, ()))
                elif s.gate_decision == "ran":  # decided to run, no result: interrupted
                    s.outcome = INTERRUPTED
            ledger.append_many(items)

    def add_execution(
        self,
        screening_id: int,
        result: ExecutionResult | None,
        *,
        run_error: str | None = None,
        trigger: str = "review",
        approved_by: str | None = None,
    ) -> Execution:
        """Append a later run of a stored screening (e.g. after approval)."""
        row = execution_row(
            result,
            error=run_error,
            screening_id=screening_id,
            created_at=now(),
            trigger=trigger,
            approved_by=approved_by,
        )
        with self.appending((Execution,)) as (conn, ledger):
            # the outcome cache, set without loading the screening (it is not hashed)
            found = conn.execute(
                _SET_OUTCOME, {"screening": screening_id, "new_outcome": row.outcome}
            )
            if found.rowcount != 1:
                raise NotFoundError(f"no screening with id {screening_id}")
            ledger.append(row)
            clear_pending(conn, screening_id)
        return row

    def add_review(
        self,
        screening_id: int,
        state: str,
        *,
        by: str,
        note: str = "",
        expires_at: datetime | None = None,
        run_timeout_s: float | None = None,
    ) -> Review:
        """Append a review state change (who, when, why) and update the queue state.

        `run_timeout_s` (approvals) records, in the same transaction, that the held code
        is about to run: the screening shows "interrupted" until its run is recorded.
        """
        if state not in REVIEW_STATES:
            raise StoreError(f"unknown review state {state!r} (one of {', '.join(REVIEW_STATES)})")
        if expires_at is not None and state != "accepted-risk":
            raise StoreError("only accepted-risk takes an expiry")
        row = Review(
            screening_id=screening_id,
            created_at=now(),
            state=state,
            by=by,
            note=note,
            expires_at=expires_at,
        )
        with self.writing(durable=run_timeout_s is not None) as (session, ledger):
            screening = self._screening(session, screening_id)
            ledger.append(row)
            screening.review_state = state
            if run_timeout_s is not None:
                screening.outcome = INTERRUPTED
                session.add(pending_row(screening_id, "review", run_timeout_s))
        return row

    @staticmethod
    def _screening(session: Session, screening_id: int) -> Screening:
        screening = session.get(Screening, screening_id)
        if screening is None:
            raise NotFoundError(f"no screening with id {screening_id}")
        return screening

    # -- reading ------------------------------------------------------------

    def get(self, screening_id: int) -> ScreeningDetail:
        """A screening with its findings, runs and reviews (NotFoundError if absent)."""
        with self.reading() as session:
            screening = self._screening(session, screening_id)
            return ScreeningDetail(
                screening=screening,
                findings=list(
                    session.scalars(
                        select(FindingRow)
                        .where(FindingRow.screening_id == screening_id)
                        .order_by(FindingRow.id)
                    )
                ),
                executions=list(
                    session.scalars(
                        select(Execution)
                        .where(Execution.screening_id == screening_id)
                        .order_by(Execution.id)
                    )
                ),
                reviews=list(
                    session.scalars(
                        select(Review)
                        .where(Review.screening_id == screening_id)
                        .order_by(Review.id)
                    )
                ),
            )

    def event(self, screening_id: int) -> RecordedEvent:
        """The alert engine's view of a stored screening."""
        d = self.get(screening_id)
        return event_of(d.screening, d.findings, d.executions[-1] if d.executions else None)

    def verify(
        self, checkpoint: Checkpoint | None = None, trusted: Ed25519PublicKey | None = None
    ) -> VerifyReport:
        """The database's integrity check, then the whole hash chain (`audit.verify`), then,
        given a signed `checkpoint` and the `trusted` public key, the anchor
        (`audit.checkpoint`): the first failure breaks the report."""
        from airlock.audit.integrity import check

        with self.reading() as session:
            integrity = check(session)
            if integrity.ok is False:
                brk = Break(seq=0, table="database", record_id=None, problem=integrity.detail)
                return VerifyReport(
                    ok=False, count=0, head_seq=0, first_break=brk, database=integrity.detail
                )
            report = verify(session).model_copy(update={"database": integrity.detail})
            if checkpoint is None or not report.ok:
                return report
            if trusted is None:
                raise ValueError("a checkpoint is verified against a trusted public key")
            from airlock.audit.checkpoint import problem

            why = problem(session, checkpoint, trusted)
        if why is not None:
            brk = Break(seq=checkpoint.seq, table="checkpoint", record_id=None, problem=why)
            return report.model_copy(update={"ok": False, "first_break": brk})
        held = f"checkpoint seq {checkpoint.seq} of {checkpoint.time} holds"
        return report.model_copy(update={"checkpoint": held})

    def running(self, ids: list[int]) -> set[int]:
        """Which of these screenings have a run still under way (see `audit.intents`)."""
        with self.reading() as session:
            return running_ids(session, ids)

    def count(self) -> int:
        """Number of screenings."""
        with self.reading() as session:
            return int(session.execute(select(func.count()).select_from(Screening)).scalar() or 0)
