"""The analyzer's data contracts: findings, reports and verdicts."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from airlock.vocabulary import Verdict


class Severity(StrEnum):
    """How bad a finding is if it is what it looks like."""

    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Confidence(StrEnum):
    """How sure the rule is that the match is what it looks like."""

    low = "low"
    medium = "medium"
    high = "high"


class FlowStep(BaseModel):
    """One place a flagged value passes through: where it came from, where it went."""

    role: Literal["source", "step", "sink"]
    line: int = 0
    column: int = 0  # 0-based, like Finding.column
    text: str = ""


class Finding(BaseModel):
    """One thing a rule (ours or bandit's) found in the scanned source."""

    rule_id: str
    title: str
    severity: Severity
    confidence: Confidence
    category: str = "other"
    cwe: str | None = None
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    source_line: str = ""
    message: str
    origin: Literal["airlock", "bandit"] = "airlock"
    suppressed: bool = False
    suppression: str | None = None  # how it was suppressed: inline, overlay, baseline
    fingerprint: str = ""  # stable across line shifts: rule id + normalised source line
    flow: list[FlowStep] = Field(default_factory=list)  # source → sink, for value-flow rules


class Reason(BaseModel):
    """Why the verdict is what it is, in a reviewer's words."""

    text: str
    rule_ids: list[str] = Field(default_factory=list)
    points: float = 0.0


class Report(BaseModel):
    """Everything `analyzer.scan` has to say about one source."""

    verdict: Verdict
    score: int = Field(ge=0, le=100)
    findings: list[Finding] = Field(default_factory=list)
    reasons: list[Reason] = Field(default_factory=list)
    ruleset: str = "default"
    ruleset_version: str = ""
    sha256: str = ""
    lines: int = 0
    duration_ms: float = 0.0
    error: str | None = None  # set when parsing, bandit or a rule failed (verdict is never allow)

    @property
    def active_findings(self) -> list[Finding]:
        """Findings that count towards the score (not suppressed)."""
        return [f for f in self.findings if not f.suppressed]
