"""Record before run: a run is written down as intended before the program starts.

The screening (gate runs) or the approving review (approval runs) is appended
together with a `PendingRun` row and the screening's outcome cache set to
"interrupted"; the transaction that appends the run's result deletes the row
and sets the real outcome. A crash in between leaves "interrupted" behind, and
`running()` tells a run still under way (its process alive, its deadline not
passed) from one that will never report.
"""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from airlock.audit.tables import PendingRun, Screening

INTERRUPTED = "interrupted"  # the outcome cache of a run with no recorded result
RUNNING = "running"  # shown instead while the run's process is still alive
GRACE_S = 60.0  # start-up and kill time a run may take beyond its own timeout
_PENDING = PendingRun.__table__  # type: ignore[attr-defined]
_ADD = insert(_PENDING)
_CLEAR = delete(_PENDING).where(_PENDING.c.screening_id == bindparam("screening"))


def pending_values(screening_id: int, trigger: str, timeout_s: float | None) -> dict[str, Any]:
    """The columns of the marker of a run about to start in this process."""
    start = datetime.now(UTC)
    return {
        "screening_id": screening_id,
        "trigger": trigger,
        "host": socket.gethostname()[:255],
        "pid": os.getpid(),
        "started_at": start,
        "deadline_at": start + timedelta(seconds=float(timeout_s or 0) + GRACE_S),
    }


def pending_row(screening_id: int, trigger: str, timeout_s: float | None) -> PendingRun:
    """The marker of a run about to start in this process (an ORM row)."""
    return PendingRun(**pending_values(screening_id, trigger, timeout_s))


def add_pending(conn: Connection, screening_id: int, trigger: str, timeout_s: float | None) -> None:
    """Insert the marker of a run about to start, in the transaction of ``conn``."""
    conn.execute(_ADD, pending_values(screening_id, trigger, timeout_s))


def clear_pending(db: Session | Connection, screening_id: int) -> None:
    """Delete the markers of a screening's run (its result is being recorded)."""
    db.execute(_CLEAR, {"screening": screening_id})


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def alive(p: PendingRun, *, at: datetime | None = None) -> bool:
    """Could this run still be going? Its deadline not passed and, on this host, its pid alive."""
    if (at or datetime.now(UTC)) > _aware(p.deadline_at):
        return False
    if p.host != socket.gethostname()[:255]:
        return True  # another machine: its deadline is all we can know
    try:
        os.kill(p.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these screenings have a run still under way."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return set()
    rows = session.scalars(select(PendingRun).where(PendingRun.screening_id.in_(wanted)))  # type: ignore[attr-defined]
    return {p.screening_id for p in rows if alive(p)}


def shown_outcome(screening: Screening, running: set[int]) -> str | None:
    """The outcome to show: "running" for an interrupted-looking run that is still alive."""
    if screening.outcome == INTERRUPTED and screening.id in running:
        return RUNNING
    return screening.outcome


def exact_code(screening: Screening) -> str:
    """The code exactly as screened (the text column cannot hold NUL; `code_b64` can)."""
    if screening.code_b64:
        return base64.b64decode(screening.code_b64).decode("utf-8", "surrogatepass")
    return screening.code


def code_b64(code: str) -> str | None:
    """The exact bytes to keep beside the text column, when it would change them."""
    if "\x00" not in code:
        return None
    return base64.b64encode(code.encode("utf-8", "surrogatepass")).decode("ascii")
