"""Does a string look like a random secret, or like a placeholder, a name or a digest?

The precision checks behind the secret detectors: character variety, Shannon
entropy, placeholder words, runs of one character, and hex digests / UUIDs
(which look random but are identifiers, not secrets).
"""

from __future__ import annotations

import math
import re
from collections import Counter

PLACEHOLDER_WORDS = (
    "example",
    "xxxx",
    "your",
    "placeholder",
    "dummy",
    "sample",
    "redacted",
    "fake",
    "insert",
    "replace",
    "changeme",
    "change_me",
    "secret",
    "password",
    "token",
    "here",
    "****",
    "...",
    "<",
    ">",
    "${",
    "{{",
    "%s",
)


def shannon_entropy(value: str) -> float:
    """Bits per character of `value` (0.0 for the empty string)."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def char_classes(value: str) -> int:
    """How many of lower case, upper case, digits and other characters `value` uses."""
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def is_placeholder(value: str) -> bool:
    """Whether `value` holds a word that marks a placeholder (example, your, xxxx, ...)."""
    lowered = value.lower()
    return any(word in lowered for word in PLACEHOLDER_WORDS)


def looks_random(value: str, *, min_entropy: float) -> bool:
    """High entropy, no placeholder words, no long run of one character."""
    if is_placeholder(value) or re.search(r"(.)\1{5}", value):
        return False
    return shannon_entropy(value) >= min_entropy


HEX_OR_UUID = re.compile(r"[0-9a-fA-F]++|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
