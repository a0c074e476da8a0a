"""The hand-off of queued work: which process starts a recorded run, once, and its reply.

The queue (procrastinate, `service.queue`) carries only a record id. This table is what
makes a job's delivery safe to repeat or to forge: a row per record the accepting server
queued, with a deadline on the database's clock, and a state that moves only forward:

    queued ──claim──▶ running ──finish──▶ done ──take──▶ answered
       │                  └──(worker died)──  stays running: the record stays interrupted
       └──claim after the deadline, or expire──▶ expired (not started, recorded so)

A job naming a record with no `queued` row (one run locally, one already claimed, one
that never was queued) starts nothing. The reply is held here for the accepting server
(`pg_notify` tells it), which clears it once answered; the store keeps the record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

TABLE = "airlock_handoffs"
CHANNEL = "airlock_handoff"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    record_id BIGINT PRIMARY KEY,
    state VARCHAR(20) NOT NULL,
    start_by TIMESTAMPTZ NOT NULL,
    worker VARCHAR(300),
    beat TIMESTAMPTZ,
    reply TEXT
)
"""


@dataclass(frozen=True)
class Handoff:
    """One row as read: its state, who claimed it, how long since it last beat."""

    state: str
    worker: str | None
    beat_age_s: float | None
    reply: dict[str, Any] | None


class Handoffs:
    """The hand-off table on one PostgreSQL engine (the store's database)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self) -> None:
        """Create the table when it is missing."""
        with self.engine.begin() as conn:
            conn.execute(text(SCHEMA))

    def queue(self, record_id: int, wait_s: float) -> None:
        """A recorded run waits for a slot until `wait_s` from now (database clock)."""
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {TABLE} (record_id, state, start_by) VALUES "
                    "(:r, 'queued', clock_timestamp() + make_interval(secs => :w))"
                ),
                {"r": record_id, "w": float(wait_s)},
            )

    def claim(self, record_id: int, worker: str, only_expired: bool = False) -> str | None:
        """Claim a queued record: "running" (start it), "expired" (its deadline passed:
        record it as not started), or None (not queued: start nothing). `only_expired`
        claims it only when its deadline has passed."""
        late = " AND clock_timestamp() > start_by" if only_expired else ""
        with self.engine.begin() as conn:
            row = conn.execute(
                text(
                    f"UPDATE {TABLE} SET worker = :w, beat = clock_timestamp(), state = "
                    "CASE WHEN clock_timestamp() <= start_by THEN 'running' ELSE 'expired' END "
                    f"WHERE record_id = :r AND state = 'queued'{late} RETURNING state"
                ),
                {"r": record_id, "w": worker[:300]},
            ).first()
        return None if row is None else str(row[0])

    def expire(self, record_id: int) -> bool:
        """Take a record nobody claimed off the queue (the accepting server's deadline)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                text(
                    f"UPDATE {TABLE} SET state = 'expired' "
                    "WHERE record_id = :r AND state = 'queued' RETURNING 1"
                ),
                {"r": record_id},
            ).first()
        return row is not None

    def finish(self, record_id: int, reply: dict[str, Any], state: str = "done") -> None:
        """Leave a claimed record's reply for its accepting server, and tell it."""
        data = json.dumps(reply, ensure_ascii=True)
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"UPDATE {TABLE} SET state = :s, reply = :j, beat = clock_timestamp() "
                    "WHERE record_id = :r AND state IN ('running', 'expired')"
                ),
                {"r": record_id, "s": state, "j": data},
            )
            conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": str(record_id)})

    def beat(self, worker: str) -> None:
        """Show the records `worker` is running are still being run."""
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"UPDATE {TABLE} SET beat = clock_timestamp() "
                    "WHERE worker = :w AND state = 'running'"
                ),
                {"w": worker[:300]},
            )

    def look(self, record_id: int) -> Handoff | None:
        """The record's row as it stands."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    f"SELECT state, worker, extract(epoch FROM clock_timestamp() - beat), reply "
                    f"FROM {TABLE} WHERE record_id = :r"
                ),
                {"r": record_id},
            ).first()
        if row is None:
            return None
        reply = json.loads(row[3]) if row[3] else None
        age = None if row[2] is None else float(row[2])
        return Handoff(str(row[0]), row[1], age, reply if isinstance(reply, dict) else None)

    def answered(self, record_id: int) -> None:
        """The accepting server has answered: drop the reply (the store keeps the record)."""
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"UPDATE {TABLE} SET state = CASE WHEN state = 'done' THEN 'answered' "
                    "ELSE state END, reply = NULL WHERE record_id = :r"
                ),
                {"r": record_id},
            )

    def counts(self) -> dict[str, int]:
        """How many rows are in each state."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT state, count(*) FROM {TABLE} GROUP BY state"))
            return {str(s): int(n) for s, n in rows}
