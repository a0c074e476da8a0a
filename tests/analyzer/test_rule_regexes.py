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

from airlock.analyzer.redos import catastrophic
from airlock.analyzer.ruleset import RuleSetError, load_ruleset
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


# Exponential shapes from ReDoS write-ups (OWASP's examples and their common variants).
CATASTROPHIC = [
    r"^(a+)+$",
    r"(a*)*b",
    r"([a-zA-Z]+)*",
    r"(a|aa)+",
    r"(a|a?)+",
    r"(.*a){12}",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"^(\w+\s?)*$",
    r"(\d+|\w+)*x",
    r"^([a-z0-9]+[-_.]?)+@",
]
# Near misses that must still load: bounded, separated or unambiguous repetition.
SAFE = [
    r"(\d{1,3}\.){3}\d{1,3}",
    r"(?:[a-z]+\.)+[a-z]{2,}",
    r"(?:ab)+",
    r"(?:\\x[0-9a-f]{2})+",
    r"(ab|cd)*",
    r"\s*#.*$",
    r"(a+)?b",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_shapes_are_recognised(pattern: str) -> None:
    assert catastrophic(pattern) is not None


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_repetition_is_not_refused(pattern: str) -> None:
    assert catastrophic(pattern) is None


def test_no_shipped_pattern_is_refused() -> None:
    assert [(r, p) for r, p in PATTERNS if catastrophic(p)] == []


def test_a_user_rule_that_would_hang_the_scan_is_refused_at_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rule = {
        "id": "AIR-USR-001",
        "title": "Too many a's",
        "category": "obfuscation",
        "severity": "low",
        "confidence": "low",
        "cwe": "CWE-1333",
        "message": "m",
        "description": "d",
        "why": "w",
        "example": "x = 1",
        "instead": "x = 2",
        "references": [],
    }
    for where, match in (
        ("match.literal.pattern", {"literal": {"pattern": "^(a+)+$"}}),
        (
            "match.call.args[0].matches",
            {
                "call": {
                    "names": ["builtins.print"],
                    "args": [{"position": 0, "matches": "(a|aa)+$"}],
                }
            },
        ),
    ):
        path = tmp_path / "mine.yaml"
        body = {"name": "mine", "extends": "default", "rules": [{**rule, "match": match}]}
        path.write_text(yaml.safe_dump(body))
        with pytest.raises(RuleSetError, match="backtrack catastrophically") as exc:
            load_ruleset(path)
        assert where in str(exc.value)
    # the control: the same rule with a linear pattern loads and matches
    path.write_text(
        yaml.safe_dump(
            {
                "name": "mine",
                "extends": "default",
                "rules": [{**rule, "match": {"literal": {"pattern": "^a+$"}}}],
            }
        )
    )
    assert "AIR-USR-001" in {r.id for r in load_ruleset(path).rules}
