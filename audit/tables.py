"""The audit store's tables (SQLModel), the same on SQLite and PostgreSQL.

Every appended record (screening, execution, review, alert, alert change) sits
in ONE hash chain: `seq` is its place in the ledger, `prev_hash` the hash of the
record before it, `hash` = SHA-256(prev_hash + canonical JSON of its content),
where the content is the fields declared for its `hash_version` (see
`audit.encoding`; a column added later is not hashed). Columns marked *cache*
are derived from later records (the latest review, the latest run, an alert's
changes) so that the dashboard can filter on them with an index; they are not
hashed, and `verify` checks them against the records they come from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

HASH_LEN = 64
OIDC_ISSUER_LEN = 500  # an issuer URL
OIDC_SUBJECT_LEN = 255  # OpenID Connect Core: `sub` is at most 255 ASCII characters


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


def _text(nullable: bool = False) -> Any:
    return Field(default="" if not nullable else None, sa_column=Column(Text, nullable=nullable))


def _seq() -> Any:
    return Field(sa_column=Column(BigInteger, nullable=False, unique=True))


def _hash_version() -> Any:
    """Which `audit.encoding` version the hash was computed with (rows older than it: 1)."""
    return Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class Screening(SQLModel, table=True):
    """One piece of code that was screened, with the gate's decision."""

    __tablename__ = "screenings"
    __table_args__ = (
        Index("ix_screenings_verdict_created", "verdict", "created_at"),
        Index("ix_screenings_agent_created", "agent_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int = _seq()
    prev_hash: str = Field(max_length=HASH_LEN)
    hash: str = Field(max_length=HASH_LEN)
    hash_version: int = _hash_version()
    created_at: datetime = Field(index=True)
    agent_id: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, max_length=200)
    session_id: str | None = Field(default=None, max_length=200, index=True)
    call_index: int | None = None  # the call's number within its session (1, 2, …)
    code: str = _text()
    code_b64: str | None = _text(nullable=True)  # exact UTF-8 bytes when `code` cannot hold them
    code_sha256: str = Field(max_length=HASH_LEN, index=True)
    ruleset: str = Field(default="default", max_length=200)
    ruleset_version: str = Field(default="", max_length=100)
    score: int = Field(default=0, index=True)
    verdict: str = Field(max_length=10)
    reasons: list[dict[str, Any]] | None = _json()
    gate_decision: str = Field(max_length=20, index=True)
    error: str | None = _text(nullable=True)
    limits: dict[str, Any] | None = _json(nullable=True)
    scan_ms: float = 0.0
    lines: int = 0
    review_state: str | None = Field(default=None, max_length=20, index=True)  # cache
    outcome: str | None = Field(default=None, max_length=20, index=True)  # cache


class FindingRow(SQLModel, table=True):
    """One finding of one screening (part of the screening's hash)."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_rule_live", "rule_id", "suppressed", "screening_id"),)

    id: int | None = Field(default=None, primary_key=True)
    screening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("screenings.id"), nullable=False, index=True)
    )
    rule_id: str = Field(max_length=200, index=True)
    title: str = Field(default="", max_length=500)
    severity: str = Field(max_length=10)
    confidence: str = Field(max_length=10)
    category: str = Field(default="other", max_length=100)
    cwe: str | None = Field(default=None, max_length=50)
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    source_line: str = _text()
    message: str = _text()
    origin: str = Field(default="airlock", max_length=20)
    suppressed: bool = False
    suppression: str | None = Field(default=None, max_length=50)


class Execution(SQLModel, table=True):
    """One run of a screening's code (by the gate, or after a reviewer approved it)."""

    __tablename__ = "executions"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = _seq()
    prev_hash: str = Field(max_length=HASH_LEN)
    hash: str = Field(max_length=HASH_LEN)
    hash_version: int = _hash_version()
    screening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("screenings.id"), nullable=False, index=True)
    )
    created_at: datetime
    trigger: str = Field(default="gate", max_length=20)  # gate | review
    approved_by: str | None = Field(default=None, max_length=200)
    outcome: str = Field(max_length=20)
    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    memory_exceeded: bool = False
    killed_reason: str | None = _text(nullable=True)
    stdout: str = _text()
    stderr: str = _text()
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_memory_mb: float | None = None
    layers: list[dict[str, Any]] | None = _json()
    limits: dict[str, Any] | None = _json(nullable=True)
    files: list[dict[str, Any]] | None = _json()
    value: str | None = _text(nullable=True)  # a session call: repr of its final expression
    display: list[dict[str, Any]] | None = _json(nullable=True)  # rich outputs: mime, size, sha256
    degraded: bool = False
    refused: str | None = _text(nullable=True)
    error: str | None = _text(nullable=True)
    # an allow-list run: each attempt the host-side proxy saw (ExecutionResult.egress)
    egress: list[dict[str, Any]] | None = _json(nullable=True)
    egress_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))


class Review(SQLModel, table=True):
    """One change of a screening's review state: who, when, why."""

    __tablename__ = "reviews"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = _seq()
    prev_hash: str = Field(max_length=HASH_LEN)
    hash: str = Field(max_length=HASH_LEN)
    hash_version: int = _hash_version()
    screening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("screenings.id"), nullable=False, index=True)
    )
    created_at: datetime = Field(index=True)
    state: str = Field(max_length=20, index=True)
    by: str = Field(max_length=200)
    note: str = _text()
    expires_at: datetime | None = None


class ApiKey(SQLModel, table=True):
    """A service credential: an agent or client identity with scopes; only its hash is kept."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    scopes: str = Field(max_length=200)  # space-separated, from audit.api_keys.SCOPES
    token_sha256: str = Field(max_length=HASH_LEN, unique=True, index=True)
    rate_per_minute: int | None = None  # requests; None: the service's default
    max_concurrent: int | None = None  # requests in flight; None: the service's default
    created_at: datetime
    revoked_at: datetime | None = None


class Alert(SQLModel, table=True):
    """An alert raised by the alert engine; state and events are caches of its changes."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = _seq()
    prev_hash: str = Field(max_length=HASH_LEN)
    hash: str = Field(max_length=HASH_LEN)
    hash_version: int = _hash_version()
    created_at: datetime = Field(index=True)
    rule_id: str = Field(max_length=200, index=True)
    severity: str = Field(max_length=10)
    title: str = _text()
    detail: str = _text()
    agent_id: str | None = Field(default=None, max_length=200, index=True)
    dedup_key: str = Field(max_length=500, index=True)
    state: str = Field(default="open", max_length=20, index=True)  # cache
    event_ids: list[int] | None = _json()  # cache
    updated_at: datetime | None = None  # cache


class AlertChange(SQLModel, table=True):
    """One change to an alert: opened, more events, acknowledged, resolved."""

    __tablename__ = "alert_changes"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = _seq()
    prev_hash: str = Field(max_length=HASH_LEN)
    hash: str = Field(max_length=HASH_LEN)
    hash_version: int = _hash_version()
    alert_id: int = Field(
        sa_column=Column(Integer, ForeignKey("alerts.id"), nullable=False, index=True)
    )
    created_at: datetime
    action: str = Field(max_length=20)  # opened | events | acknowledged | resolved
    state: str = Field(max_length=20)  # the alert's state after this change
    event_ids: list[int] | None = _json()
    by: str | None = Field(default=None, max_length=200)
    note: str = _text()


class ChainHead(SQLModel, table=True):
    """The newest link of the ledger (one row), so that deleting the last record shows."""

    __tablename__ = "chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=HASH_LEN)


class PendingRun(SQLModel, table=True):
    """A run recorded as intended, with no result yet (a crash leaves it: "interrupted")."""

    __tablename__ = "pending_runs"

    id: int | None = Field(default=None, primary_key=True)
    screening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("screenings.id"), nullable=False, index=True)
    )
    trigger: str = Field(max_length=20)  # gate | review
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime
    deadline_at: datetime  # after this it cannot still be running (its timeout has passed)


class Reviewer(SQLModel, table=True):
    """A person who may decide reviews; only the SHA-256 of their token is kept.

    `oidc_issuer` + `oidc_subject` bind the account to one OpenID Connect identity (the ID
    token's `iss` and `sub`): a dashboard sign-in with that identity acts as this reviewer.
    At most one live account holds an identity (the partial unique index)."""

    __tablename__ = "reviewers"
    __table_args__ = (
        Index(
            "ix_reviewers_oidc_live",
            "oidc_issuer",
            "oidc_subject",
            unique=True,
            sqlite_where=text("revoked_at IS NULL AND oidc_subject IS NOT NULL"),
            postgresql_where=text("revoked_at IS NULL AND oidc_subject IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    token_sha256: str = Field(max_length=HASH_LEN, unique=True, index=True)
    created_at: datetime
    revoked_at: datetime | None = None
    oidc_issuer: str | None = Field(default=None, max_length=OIDC_ISSUER_LEN)
    oidc_subject: str | None = Field(default=None, max_length=OIDC_SUBJECT_LEN)


class AlertOutbox(SQLModel, table=True):
    """An opened alert waiting for delivery (`done`: the targets that have it, comma-separated)."""

    __tablename__ = "alert_outbox"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(
        sa_column=Column(Integer, ForeignKey("alerts.id"), nullable=False, index=True)
    )
    created_at: datetime
    next_at: datetime = Field(index=True)  # not before (backoff, or a flusher's claim)
    attempts: int = 0
    done: str = Field(default="", max_length=100)
    delivered_at: datetime | None = None
    last_error: str | None = _text(nullable=True)


CACHE_COLUMNS: dict[str, frozenset[str]] = {
    "screenings": frozenset({"review_state", "outcome"}),
    "alerts": frozenset({"state", "event_ids", "updated_at"}),
}

CHAINED: dict[str, type[SQLModel]] = {
    "screenings": Screening,
    "executions": Execution,
    "reviews": Review,
    "alerts": Alert,
    "alert_changes": AlertChange,
}
