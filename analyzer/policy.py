"""How findings turn into a verdict: thresholds and combinations worse than their sum."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from airlock.analyzer.models import Verdict

NETWORK_FORMS = "none, loopback or allow:HOST[:PORT],…"


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
    # The most network a run screened by this rule set may get (none < loopback < an
    # allow-list); None leaves it to the caller, as before rule sets had a say.
    network: str | None = None

    @field_validator("network", mode="before")
    @classmethod
    def _network(cls, value: object) -> object:
        """The form only (the executor parses an allow-list's entries when it is used)."""
        if value is None or not isinstance(value, str):
            return value
        text = value.strip()
        if text.lower() in ("none", "loopback"):
            return text.lower()
        if text.lower().startswith("allow:"):
            entries = [e.strip() for e in text[len("allow:") :].split(",")]
            if all(e and e.isprintable() and " " not in e for e in entries):
                return "allow:" + ",".join(entries)
        raise ValueError(f"network must be {NETWORK_FORMS}, not {value[:80]!r}")
