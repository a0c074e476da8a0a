"""One rule: what it matches and everything a reviewer reads about it, and overlay changes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from airlock.analyzer.models import Confidence, Severity, Verdict


class Rule(BaseModel):
    """One rule: what it matches and everything a reviewer reads about it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    category: str
    severity: Severity
    confidence: Confidence
    cwe: str | None = None
    verdict: Verdict | None = None
    message: str = ""
    description: str = ""
    why: str = ""
    example: str = ""
    instead: str = ""
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # what combinations select the rule by
    match: dict[str, Any] = Field(default_factory=dict)
    builtin: bool = False  # defined by the engine, not by a YAML file

    @property
    def kind(self) -> str:
        """The matcher kind: call, import, attribute, literal or check."""
        return next(iter(self.match))


class Override(BaseModel):
    """Per-rule changes from an overlay (ours or bandit's ids)."""

    model_config = ConfigDict(frozen=True)

    severity: Severity | None = None
    confidence: Confidence | None = None
    verdict: Verdict | None = None
