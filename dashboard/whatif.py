"""What-if replay: re-score stored screenings under an edited rule set.

Each distinct code (by SHA-256) is scanned once with the analyzer, so replaying
a history where agents repeat themselves costs one scan per distinct snippet.
Nothing is written: the result only says which verdicts would change.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from airlock.dashboard.overlay import Overlay, OverlayError
from airlock.vocabulary import verdict_rank


@dataclass(frozen=True)
class StoredScreening:
    """The part of a stored screening the replay needs."""

    id: int
    code: str
    code_sha256: str
    verdict: str
    score: int
    agent_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class ReplayResult:
    """One row per replayed screening plus counts."""

    rows: pd.DataFrame  # id, agent_id, created_at, old/new verdict and score, change
    distinct_codes: int
    errors: int
    seconds: float
    stopped_early: bool

    @property
    def changed(self) -> pd.DataFrame:
        """Only the screenings whose verdict would change."""
        return self.rows[self.rows["change"] != "same"]

    def summary(self) -> dict[str, int]:
        """How many verdicts would get stricter, looser or stay the same."""
        counts = self.rows["change"].value_counts()
        return {k: int(counts.get(k, 0)) for k in ("stricter", "looser", "same")}


def load_overlay(overlay: Overlay) -> Any:
    """Load an unsaved overlay through the analyzer (written to a private temp file first)."""
    from airlock import analyzer

    overlay.validate()
    with tempfile.TemporaryDirectory(prefix="airlock-whatif-") as tmp:
        path = Path(tmp) / f"{overlay.name}.yaml"
        path.write_text(overlay.to_yaml(), encoding="utf-8")
        try:
            return analyzer.load_ruleset(str(path))
        except Exception as exc:  # the analyzer's own error type; shown to the user as text
            raise OverlayError(f"the analyzer rejected this rule set: {exc}") from None


def replay(
    screenings: Iterable[StoredScreening],
    ruleset: Any,
    *,
    budget_s: float | None = None,
) -> ReplayResult:
    """Re-score each screening under `ruleset`; stop after `budget_s` seconds if given."""
    from airlock import analyzer

    start = time.monotonic()
    verdict_of: dict[str, tuple[str, int] | None] = {}
    records: list[dict[str, Any]] = []
    errors = 0
    stopped = False
    for s in screenings:
        if s.code_sha256 not in verdict_of:
            if budget_s is not None and time.monotonic() - start > budget_s:
                stopped = True
                break
            try:
                report = analyzer.scan(s.code, ruleset=ruleset)
                verdict_of[s.code_sha256] = (str(report.verdict), int(report.score))
            except Exception:  # a crash in one rescan must not end the replay
                verdict_of[s.code_sha256] = None
        outcome = verdict_of[s.code_sha256]
        if outcome is None:
            errors += 1
            continue
        new_verdict, new_score = outcome
        old_rank, new_rank = verdict_rank(s.verdict), verdict_rank(new_verdict)
        change = (
            "same" if new_rank == old_rank else ("stricter" if new_rank > old_rank else "looser")
        )
        records.append(
            {
                "id": s.id,
                "agent_id": s.agent_id,
                "created_at": s.created_at,
                "old_verdict": s.verdict,
                "new_verdict": new_verdict,
                "old_score": s.score,
                "new_score": new_score,
                "change": change,
            }
        )
    columns = [
        "id",
        "agent_id",
        "created_at",
        "old_verdict",
        "new_verdict",
        "old_score",
        "new_score",
        "change",
    ]
    return ReplayResult(
        rows=pd.DataFrame.from_records(records, columns=columns),
        distinct_codes=len(verdict_of),
        errors=errors,
        seconds=time.monotonic() - start,
        stopped_early=stopped,
    )
