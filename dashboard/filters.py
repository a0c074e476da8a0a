"""The executions filter and its round trip through the URL's query parameters.

A view is shared by copying its URL, so every filter the Executions and Review
pages offer lives in `st.query_params` and is parsed back from it here. Parsing
is forgiving: an unknown verdict, a malformed date or a negative page is
dropped, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from airlock.vocabulary import REVIEW_STATES, VERDICTS

__all__ = ["OUTCOMES", "REVIEW_STATES", "SORTS", "VERDICTS", "ExecFilter"]
OUTCOMES: dict[str, str] = {
    "ok": "ran, exit 0",
    "failed": "ran, non-zero exit",
    "limit": "hit a limit (time, memory, processes)",
    "timeout": "timed out",
    "memory": "memory exceeded",
    "killed": "killed by a limit",
    "signal": "killed by a signal",
    "refused": "refused: a required sandbox layer was missing",
    "error": "the sandbox failed",
    "blocked": "blocked, never ran",
    "held": "held for review",
}
SORTS: dict[str, str] = {
    "time": "created_at",
    "score": "score",
    "agent": "agent_id",
    "verdict": "verdict",
}


@dataclass(frozen=True)
class ExecFilter:
    """What the Executions and Review pages select; every field maps to one URL parameter."""

    verdicts: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    rule: str = ""
    score_min: int = 0
    score_max: int = 100
    since: date | None = None
    until: date | None = None
    outcome: str = ""
    text: str = ""
    review: tuple[str, ...] = field(default=())
    sha: str = ""
    sort: str = "time"
    desc: bool = True

    @property
    def since_dt(self) -> datetime | None:
        """Start of the `since` day (inclusive), naive UTC as the store keeps it."""
        return datetime.combine(self.since, time.min) if self.since else None

    @property
    def until_dt(self) -> datetime | None:
        """Start of the day after `until` (exclusive), so `until` itself is included."""
        return datetime.combine(self.until + timedelta(days=1), time.min) if self.until else None

    def is_default(self) -> bool:
        """True when nothing is filtered."""
        return self == ExecFilter(sort=self.sort, desc=self.desc)

    def to_params(self) -> dict[str, str | list[str]]:
        """The URL parameters for this filter (only the fields that differ from the default)."""
        out: dict[str, str | list[str]] = {}
        default = ExecFilter()
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, tuple):
                out[f.name] = list(value)
            elif isinstance(value, bool):
                out[f.name] = "1" if value else "0"
            elif isinstance(value, date):
                out[f.name] = value.isoformat()
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ExecFilter:
        """Parse URL parameters; invalid values fall back to the default for that field."""

        def many(key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
            raw = params.get(key)
            items = [raw] if isinstance(raw, str) else list(raw or [])
            values: list[str] = []
            for item in items:
                for part in str(item).split(","):
                    part = part.strip()
                    if part and (allowed is None or part in allowed) and part not in values:
                        values.append(part)
            return tuple(values)

        def one(key: str) -> str:
            raw = params.get(key)
            if isinstance(raw, list):
                raw = raw[-1] if raw else ""
            return str(raw or "").strip()

        def integer(key: str, default: int) -> int:
            try:
                return min(100, max(0, int(one(key))))
            except ValueError:
                return default

        def day(key: str) -> date | None:
            try:
                return date.fromisoformat(one(key)) if one(key) else None
            except ValueError:
                return None

        score_min, score_max = integer("score_min", 0), integer("score_max", 100)
        if score_min > score_max:
            score_min, score_max = 0, 100
        sort = one("sort")
        return cls(
            verdicts=many("verdicts", VERDICTS),
            agents=many("agents"),
            rule=one("rule")[:200],
            score_min=score_min,
            score_max=score_max,
            since=day("since"),
            until=day("until"),
            outcome=one("outcome") if one("outcome") in OUTCOMES else "",
            text=one("text")[:500],
            review=many("review", REVIEW_STATES),
            sha=one("sha").lower() if re.fullmatch(r"[0-9a-fA-F]{64}", one("sha")) else "",
            sort=sort if sort in SORTS else "time",
            desc=one("desc") != "0",
        )

    def with_(self, **changes: Any) -> ExecFilter:
        """A copy with some fields changed."""
        return replace(self, **changes)
