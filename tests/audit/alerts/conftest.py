"""Fixtures for the alert tests: an in-memory History and an event factory."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from alert_fakes import T0, MemoryHistory

from airlock.audit.events import RecordedEvent

EventFactory = Callable[..., RecordedEvent]


@pytest.fixture
def history() -> MemoryHistory:
    return MemoryHistory()


@pytest.fixture
def make_event(history: MemoryHistory) -> EventFactory:
    """Record an event (defaults: an allowed, clean run of agent-1) and return it."""
    ids = itertools.count(1)

    def make(*, minutes: float = 0.0, record: bool = True, **fields: Any) -> RecordedEvent:
        code = fields.pop("code", "print('hello')\n")
        values: dict[str, Any] = {
            "id": next(ids),
            "created_at": T0 + timedelta(minutes=minutes),
            "agent_id": "agent-1",
            "code": code,
            "code_sha256": hashlib.sha256(code.encode()).hexdigest(),
            "ruleset": "default",
            "verdict": "allow",
            "score": 0,
            "gate_decision": "ran",
            "ran": True,
            "exit_code": 0,
            "stdout": "hello\n",
        }
        values.update(fields)
        event = RecordedEvent(**values)
        return history.add(event) if record else event

    return make


@pytest.fixture(autouse=True)
def _no_alert_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own alert settings must not leak into these tests."""
    for var in ("AIRLOCK_ALERT_RULES", "AIRLOCK_ALERT_WEBHOOK", "AIRLOCK_ALERT_LOG"):
        monkeypatch.delenv(var, raising=False)
