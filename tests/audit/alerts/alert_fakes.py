"""An in-memory History for the alert tests.

`MemoryHistory` implements the `History` protocol of `audit.events` with the
documented semantics, over a plain list of recorded events, so the engine can
be tested without the store.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airlock.audit.events import History, RecordedEvent

# A moment aligned to a 10-minute boundary, so burst windows are predictable.
T0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


class MemoryHistory:
    """The recorded events, queried the way the store answers the alert engine."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []

    def add(self, event: RecordedEvent) -> RecordedEvent:
        self.events.append(event)
        return event

    def _matching(
        self, agent_id: str | None, since: datetime, verdicts: tuple[str, ...]
    ) -> list[RecordedEvent]:
        return [
            e
            for e in self.events
            if e.agent_id == agent_id and e.created_at >= since and e.verdict in verdicts
        ]

    def count_events(
        self,
        *,
        agent_id: str | None,
        since: datetime,
        verdicts: tuple[str, ...] = ("review", "block"),
    ) -> int:
        return len(self._matching(agent_id, since, verdicts))

    def recent_event_ids(
        self,
        *,
        agent_id: str | None,
        since: datetime,
        verdicts: tuple[str, ...] = ("review", "block"),
        limit: int = 50,
    ) -> list[int]:
        found = self._matching(agent_id, since, verdicts)
        found.sort(key=lambda e: e.id, reverse=True)  # ids grow with time
        return [e.id for e in found[:limit]]

    def hash_blocked_before(self, code_sha256: str, *, before_id: int) -> list[int]:
        return [
            e.id
            for e in self.events
            if e.code_sha256 == code_sha256 and e.id < before_id and e.verdict == "block"
        ]


def _conforms(history: History) -> History:
    return history  # a type checker verifies MemoryHistory against the protocol here


_conforms(MemoryHistory())
