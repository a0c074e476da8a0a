"""No shipped rule regex backtracks catastrophically (a ReDoS would hang the gate).

The author of the scanned code controls every string the regexes see, so each
pattern of each shipped rule set is run against long adversarial strings built
from the characters regexes most often repeat. A linear pattern needs a few
milliseconds here; a quadratic one needs minutes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from airlock.rules import RULES_DIR

KEYS = ("pattern", "matches", "not_matches")
SIZE = 20_000
UNITS = [
    *("\x00", "a", "A", "0", " ", "\t", "\n", "\r\n", "/", "\\", ".", "-", "%", "*", "=", "("),
    *("a(", "{}", "x=", "a ", "a/", "a.b", " \n", "\n ", "\n\t", "0 ", "* ", "a\n", "$(", "${"),
]
BUDGET_S = 2.0  # per pattern for every input together: ~100x what a linear pattern needs


def _patterns(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEYS and isinstance(value, str):
                yield where, value
            else:
                yield from _patterns(value, str(node.get("id", where)))
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item, where)


def shipped_patterns() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(RULES_DIR.glob("*.yaml")):
        found |= set(_patterns(yaml.safe_load(path.read_text()), path.stem))
    return sorted(found)


PATTERNS = shipped_patterns()


def test_the_rule_sets_have_regexes_to_check() -> None:
    assert len(PATTERNS) > 50


@pytest.mark.parametrize(("rule", "pattern"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_regex_is_linear_on_adversarial_input(rule: str, pattern: str) -> None:
    rx = re.compile(pattern)
    started = time.process_time()
    for unit in UNITS:
        text = unit * (SIZE // len(unit))
        rx.search(text)
        rx.search(text + "\n" + text)
    spent = time.process_time() - started
    assert spent < BUDGET_S, f"{rule}: {pattern!r} took {spent:.1f}s on {SIZE}-char inputs"


def test_the_check_catches_a_quadratic_pattern() -> None:
    """The control: the old fork-bomb pattern with an unbounded backreference group."""
    rx = re.compile(r"(\S+)\(\)\s*\{\s*\1")
    started = time.process_time()
    rx.search("\x00" * 10_000)
    assert time.process_time() - started > 20 * _linear_cost(10_000)


def _linear_cost(n: int) -> float:
    rx = re.compile(r"([^\s(){}|&;]{1,40})\(\)\s*\{\s*\1")
    started = time.process_time()
    for _ in range(10):
        rx.search("\x00" * n)
    return (time.process_time() - started) / 10 + 1e-6
