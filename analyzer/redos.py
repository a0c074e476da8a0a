"""Regexes that can backtrack catastrophically, found from their structure at load time.

Rule regexes run on strings the scanned code's author chose, and Python's `re` cannot
be interrupted, so a user rule with `^(a+)+$` would hang the gate. Two shapes make a
backtracking engine exponential, and both are refused when a rule set loads:

- **nested repetition**: an unbounded repeat whose body holds another repeat and
  nothing else that must match (`(a+)+`, `(\\w+\\s*)*`, `(?:x*y?)+`): a run of
  characters can be split between the iterations in exponentially many ways;
- **overlapping alternation under a repeat**: `(a|a)*`, `(\\w|\\d)+`, `(.|x)*`, whose
  branches can start with the same character.

Bounded repeats (`(\\d{1,3}\\.){3}`), possessive repeats and atomic groups are fine, and
so is a repeated group with a mandatory separator (`(?:[a-z]+\\.)+`). Uses the `re`
module's own parser (loaded with `re`), so the check costs no import.
"""

from __future__ import annotations

import re
from typing import Any

_parser: Any = getattr(re, "_parser", None) or __import__("sre_parse")
_c: Any = getattr(re, "_constants", None) or __import__("sre_constants")

UNBOUNDED = 10  # a repeat allowed at least this many times counts as unbounded
REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)


def catastrophic(pattern: str) -> str | None:
    """Why `pattern` can backtrack exponentially, or None. Invalid patterns are not judged."""
    try:
        tree = _parser.parse(pattern)
    except Exception:
        return None
    return _walk(tree)


def _walk(sub: Any) -> str | None:
    for op, av in sub:
        if op in REPEATS:
            _, hi, body = av
            if hi >= UNBOUNDED or hi == _c.MAXREPEAT:
                why = _nested(body) or _overlapping(body)
                if why:
                    return why
            found = _walk(body)
        elif op is _c.SUBPATTERN:
            found = _walk(av[3])
        elif op is _c.BRANCH:
            found = next((w for b in av[1] if (w := _walk(b))), None)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            found = _walk(av[1])
        else:
            found = None
        if found:
            return found
    return None


def _items(sub: Any) -> list[tuple[Any, Any]]:
    """The body's items, with plain groups opened up."""
    items = list(sub)
    while len(items) == 1 and items[0][0] is _c.SUBPATTERN:
        items = list(items[0][1][3])
    return items


def _nested(body: Any) -> str | None:
    """A part of the body whose length varies and that nothing else in the body pins down.

    An inner repeat (`a+` in `(a+)+`) is ambiguous unless another part must match a
    character the repeat cannot (the `.` of `(?:[a-z]+\\.)+`); an optional part (`(?:a)?`
    in `(a|aa)+`, which `re` reads as `a(?:|a)`) is ambiguous when the parts that must
    match could match everything it can.
    """
    items = _items(body)
    for i, (op, av) in enumerate(items):
        lo, hi = _one(op, av).getwidth()
        if lo == hi or hi == 0:
            continue
        mine = _all_chars(_one(op, av))
        required = [
            _all_chars(_one(o, a)) for j, (o, a) in enumerate(items) if j != i and _min_width(o, a)
        ]
        if op in REPEATS and av[1] >= 2:
            if not any(not (mine & theirs) for theirs in required):
                return "nested repetition: a repeated group whose body is itself repeated"
        elif required and mine <= frozenset().union(*required):
            return "nested repetition: an optional part its neighbours can also match"
    return None


def _one(op: Any, av: Any) -> Any:
    return _parser.SubPattern(_parser.State(), [(op, av)])


PROBE = [chr(i) for i in range(256)] + ["\u00e9", "\u4e00", "\u2028"]


def _all_chars(sub: Any) -> frozenset[str]:
    """Characters (of a probe set) that can occur anywhere in a match of `sub`."""
    out: set[str] = set()
    for op, av in sub:
        if op is _c.SUBPATTERN:
            out |= _all_chars(av[3])
        elif op is _c.BRANCH:
            for b in av[1]:
                out |= _all_chars(b)
        elif op in REPEATS:
            out |= _all_chars(av[2])
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        else:
            out |= _chars(_one(op, av))
    return frozenset(out)


def _chars(sub: Any) -> frozenset[str]:
    """Characters (of a probe set) that can start a match of `sub`."""
    out: set[str] = set()
    for op, av in sub:
        if op is _c.LITERAL:
            out.add(chr(av))
        elif op is _c.NOT_LITERAL:
            out.update(c for c in PROBE if c != chr(av))
        elif op is _c.ANY:
            out.update(PROBE)
        elif op is _c.IN:
            out.update(c for c in PROBE if _in(av, c))
        elif op is _c.SUBPATTERN:
            out |= _chars(av[3])
        elif op is _c.BRANCH:
            for b in av[1]:
                out |= _chars(b)
        elif op in REPEATS:
            out |= _chars(av[2])
            if av[0] > 0:
                return frozenset(out)
            continue
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        else:
            out.update(PROBE)  # unknown: assume it can match anything
        if _min_width(op, av) > 0:
            break
    return frozenset(out)


CATEGORIES = {
    "CATEGORY_DIGIT": str.isdigit,
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
}


def _in(items: Any, c: str) -> bool:
    negate, hit = False, False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit = hit or c == chr(av)
        elif op is _c.RANGE:
            hit = hit or av[0] <= ord(c) <= av[1]
        elif op is _c.CATEGORY:
            test = CATEGORIES.get(str(av))
            hit = hit or (test(c) if test else True)
        else:
            hit = True
    return hit != negate


def _min_width(op: Any, av: Any) -> int:
    return int(_one(op, av).getwidth()[0])


def _overlapping(body: Any) -> str | None:
    items = _items(body)
    if len(items) != 1 or items[0][0] is not _c.BRANCH:
        return None
    branches = items[0][1][1]
    firsts = [_chars(b) for b in branches]
    for i, a in enumerate(firsts):
        if not any(True for _ in branches[i]):
            return "alternatives under a repeat can match the same text"
        for b in firsts[i + 1 :]:
            if a & b:
                return "alternatives under a repeat can match the same text"
    return None
