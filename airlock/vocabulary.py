"""The words every floor shares: verdicts, gate decisions, review states, run outcomes.

The ground floor: it imports nothing of Airlock's, and each word is declared here once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args


class Verdict(StrEnum):
    """allow: ordinary code; review: a person should look first; block: never runs."""

    allow = "allow"
    review = "review"
    block = "block"


VERDICT_ORDER: dict[Verdict, int] = {Verdict.allow: 0, Verdict.review: 1, Verdict.block: 2}
VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)


def verdict_rank(verdict: str) -> int:
    """The order of a verdict (allow < review < block); an unknown word ranks as allow."""
    try:
        return VERDICT_ORDER[Verdict(verdict)]
    except ValueError:
        return 0


# What the gate did with a screening.
GateDecision = Literal["ran", "blocked", "held_for_review", "refused", "error"]
GATE_DECISIONS: tuple[str, ...] = get_args(GateDecision)

# A screening's review state: open until a person decides.
REVIEW_OPEN = "open"
REVIEW_DECISIONS: tuple[str, ...] = ("approved", "denied", "false-positive", "accepted-risk")
REVIEW_STATES: tuple[str, ...] = (REVIEW_OPEN, *REVIEW_DECISIONS)

# Run outcomes that mean a limit (or a signal) ended the program.
LIMIT_OUTCOMES: tuple[str, ...] = ("timeout", "memory", "killed", "signal")
