"""The contract between the pipeline, the store and the alert engine.

The pipeline turns each screening (and its run, if any) into a `RecordedEvent`
after it is stored; the alert engine looks at that event and at the history
(through the `History` protocol the store implements) and proposes
`AlertDraft`s, which the store records and delivery sends on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from airlock.vocabulary import GateDecision

AlertSeverity = Literal["low", "medium", "high", "critical"]


class RecordedEvent(BaseModel):
    """One stored screening, with the outcome of its run when it ran."""

    id: int
    created_at: datetime
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    code: str
    code_sha256: str
    ruleset: str
    verdict: Literal["allow", "review", "block"]
    score: int
    rule_ids: list[str] = Field(default_factory=list)  # live (not suppressed) findings
    gate_decision: GateDecision
    ran: bool = False
    exit_code: int | None = None
    timed_out: bool = False
    memory_exceeded: bool = False
    killed_reason: str | None = None
    unavailable_layers: list[str] = Field(default_factory=list)
    degraded: bool = False
    stdout: str = ""
    stderr: str = ""
    # an allow-list run: "host:port: reason" of each attempt the egress proxy refused
    egress_denied: list[str] = Field(default_factory=list)


class AlertDraft(BaseModel):
    """An alert the engine proposes; the store gives it an id and a state (open)."""

    rule_id: str  # the alert rule that fired, e.g. "blocked-attempt"
    severity: AlertSeverity
    title: str
    detail: str
    agent_id: str | None = None
    event_ids: list[int]  # the recorded events behind it
    dedup_key: str  # the store keeps one open alert per key


class History(Protocol):
    """What the alert engine may ask the store about the past."""

    def count_events(
        self,
        *,
        agent_id: str | None,
        since: datetime,
        verdicts: tuple[str, ...] = ("review", "block"),
    ) -> int:
        """Events of this agent at or after `since` with one of `verdicts`."""
        ...

    def recent_event_ids(
        self,
        *,
        agent_id: str | None,
        since: datetime,
        verdicts: tuple[str, ...] = ("review", "block"),
        limit: int = 50,
    ) -> list[int]:
        """Ids of those events, newest first."""
        ...

    def hash_blocked_before(self, code_sha256: str, *, before_id: int) -> list[int]:
        """Ids of earlier events with the same code hash that were blocked."""
        ...
