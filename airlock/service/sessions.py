"""The sessions one server process holds for its clients, each owned by one API key.

A session lives in the process that made it (its interpreter is that process's child):
behind a load balancer a client's session calls must reach the same server (sticky
routing), and a session on another server is simply not found. Each key may hold
``per_key`` live sessions and the process ``total``; closed and dead sessions are dropped
as they are met, idle ones end by their own idle timeout. Lookups answer None for a
session of another key, so a caller can never learn that someone else's exists.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.executor import Limits, Session

HANDLE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class SessionLimitReached(Exception):
    """A key (or the server) holds as many live sessions as it may."""


class Sessions:
    """Live sessions by (owner key, handle); the handle is the session's id unless the
    client named it (the MCP tools let a client choose one)."""

    def __init__(self, per_key: int = 4, total: int = 32) -> None:
        self.per_key, self.total = per_key, total
        self._lock = threading.Lock()
        self._by: dict[tuple[str, str], Session] = {}

    def _prune(self) -> None:
        for k in [k for k, s in self._by.items() if not s.alive]:
            self._by.pop(k).close()

    def open(
        self, owner: str, limits: Limits, *, idle_timeout_s: float, handle: str | None = None
    ) -> Session:
        """Start a session for ``owner`` (SessionLimitReached when it may not)."""
        from airlock.executor import Session

        with self._lock:
            self._prune()
            mine = sum(1 for o, _ in self._by if o == owner)
            if mine >= self.per_key:
                raise SessionLimitReached(f"key {owner!r} already holds {mine} live sessions")
            if len(self._by) >= self.total:
                raise SessionLimitReached("the server holds as many sessions as it may")
            session = Session(limits=limits, idle_timeout_s=idle_timeout_s)
            self._by[(owner, handle or session.id)] = session
            return session

    def get(self, owner: str, handle: str) -> Session | None:
        """``owner``'s session ``handle`` (alive or just ended), else None."""
        with self._lock:
            return self._by.get((owner, handle))

    def close(self, owner: str, handle: str) -> bool:
        """End and forget ``owner``'s session ``handle``; False when there is none."""
        with self._lock:
            session = self._by.pop((owner, handle), None)
        if session is None:
            return False
        session.close()
        return True

    def close_all(self) -> None:
        """End every session (the server is stopping)."""
        with self._lock:
            sessions, self._by = list(self._by.values()), {}
        for s in sessions:
            s.close()
