"""How findings turn into a verdict: thresholds and combinations worse than their sum."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from airlock.analyzer.models import Verdict


class Combination(BaseModel):
    """Findings that together are worse than their sum."""

    model_config = ConfigDict(frozen=True)

    id: str
    all_categories: tuple[str, ...] = ()
    any_tags: tuple[str, ...] = ()  # at least one finding of a rule with one of these tags
    any_rules: tuple[str, ...] = ()  # or of one of these rules (bandit's ids, say)
    bonus: float = 0.0
    verdict: Verdict | None = None
    reason: str = ""


class Policy(BaseModel):
    """How findings turn into a verdict."""

    model_config = ConfigDict(frozen=True)

    review_at: float = 15.0
    block_at: float = 70.0
    honour_inline_suppressions: bool = False
    combinations: tuple[Combination, ...] = ()
    max_source_bytes: int = 500_000  # ~600 MB of libcst tree and seconds of parsing at most
