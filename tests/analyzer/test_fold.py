"""Constant folding: computed strings become the value they evaluate to, within bounds."""

from __future__ import annotations

import time

import pytest
from engine_helpers import fold_expr
from hypothesis import given, settings
from hypothesis import strategies as st

CASES = [
    ("x = 'ev' + 'al'", "eval"),
    ("x = 'ev' 'al'", "eval"),
    ("x = ''.join(['o', 's'])", "os"),
    ("x = ''.join(('o', 's'))", "os"),
    ("x = ''.join(c for c in 'os')", "os"),
    ("x = ''.join(chr(c) for c in (101, 118, 97, 108))", "eval"),
    ("x = ''.join(map(chr, [101, 118, 97, 108]))", "eval"),
    ("x = chr(101) + chr(118)", "ev"),
    ("x = 'lave'[::-1]", "eval"),
    ("x = 'xxevalxx'[2:6]", "eval"),
    ("x = b'eval'.decode()", "eval"),
    ("x = bytes.fromhex('6576616c')", b"eval"),
    ("x = bytes.fromhex('6576616c').decode()", "eval"),
    ("import base64\nx = base64.b64decode('ZXZhbA==')", b"eval"),
    ("from base64 import b64decode as d\nx = d('ZXZhbA==').decode()", "eval"),
    ("import base64\nx = base64.b32decode('MV3GC3A=')", b"eval"),
    ("import base64\nx = base64.b16decode('6576616C')", b"eval"),
    ("import base64\nx = base64.urlsafe_b64decode('ZXZhbA==')", b"eval"),
    ("import codecs\nx = codecs.decode('riny', 'rot13')", "eval"),
    ("a = 'ev'\nx = f'{a}al'", "eval"),
    ("x = '%sal' % 'ev'", "eval"),
    ("x = '%s%s' % ('ev', 'al')", "eval"),
    ("x = '{}al'.format('ev')", "eval"),
    ("x = 'EVAL'.lower()", "eval"),
    ("x = 'exac'.replace('xa', 've')[:0] + 'EV'.lower() + 'al'", "eval"),
    ("a = 'ev'\nb = 'al'\nx = a + b", "eval"),
    ("x = 'ab' * 3", "ababab"),
    ("x = 2 ** 10", 1024),
    ("x = '\\x65val'", "eval"),
    ("x = r'\\d'", "\\d"),
]


@pytest.mark.parametrize(("source", "value"), CASES)
def test_folds(source: str, value: object) -> None:
    assert fold_expr(source) == value


NOT_CONSTANT = [
    "x = 'ev' + y",
    "x = input()",
    "a = 'p'\na = 'q'\nx = a + 'b'",  # bound twice: not a constant
    "x = ''.join(sys.argv)",
    "x = f'{y}'",
    "x = open('f').read()",
]


@pytest.mark.parametrize("source", NOT_CONSTANT)
def test_does_not_fold(source: str) -> None:
    assert fold_expr(source) is None


@pytest.mark.parametrize(
    "source",
    [
        "x = 'a' * 10**9",
        "x = 'a' * 10**10**10",
        "x = b'a' * (1 << 40)",
        "x = 9 ** 9 ** 9",
        "x = ('a' * 100000) * 100000",
        "x = '{:>1000000000}'.format('a')",
        "x = 'a'.center(10**9)",
        "x = '%1000000000s' % 'a'",
        "x = '%*s' % (10**9, 'a')",
        "x = '{0:{1}}'.format('a', 10**9)",
        "x = ('a' * 90000).join(['b'] * 90000)",
        "x = ('a' * 90000).replace('a', 'a' * 90000)",
    ],
)
def test_bounded(source: str) -> None:
    started = time.perf_counter()
    assert fold_expr(source) is None
    assert time.perf_counter() - started < 2.0


def test_self_reference_terminates() -> None:
    assert fold_expr("x = x + 'a'") is None


def _split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    parts, last = [], 0
    for p in points:
        parts.append(text[last:p])
        last = p
    parts.append(text[last:])
    return parts


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="\\"),
        max_size=30,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=5),
    form=st.sampled_from(["concat", "join", "reverse", "implicit", "chr"]),
)
def test_splitting_never_changes_the_value(text: str, cuts: list[int], form: str) -> None:
    parts = _split(text, cuts)
    if form == "concat":
        expr = " + ".join(repr(p) for p in parts)
    elif form == "join":
        expr = "''.join([" + ", ".join(repr(p) for p in parts) + "])"
    elif form == "reverse":
        expr = " + ".join(repr(p) for p in parts) if not text else repr(text[::-1]) + "[::-1]"
    elif form == "implicit":
        expr = " ".join(repr(p) for p in parts)
    else:
        expr = "''.join(chr(c) for c in " + repr(tuple(ord(ch) for ch in text)) + ")"
    assert fold_expr(f"x = {expr}") == text


@settings(max_examples=25, deadline=None)
@given(text=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ();.'", min_size=61, max_size=400))
def test_a_long_run_of_adjacent_literals_folds_whole(text: str) -> None:
    """libcst nests `'a' 'b' …` one level per piece: hundreds of pieces still fold to one
    value, past the nesting bound that stops computed expressions."""
    expr = " ".join(repr(ch) for ch in text)
    assert fold_expr(f"x = ({expr})") == text


def test_a_payload_cut_into_adjacent_literals_is_still_read_as_code() -> None:
    """The same payload whole and in 120 one-character pieces reports the same
    code-in-a-string finding (before flat folding, the pieces lost it)."""
    from airlock.analyzer import scan

    payload = "import os; os.system('id')" + " " * 94
    whole = scan(f"code = {payload!r}\nexec(code)\n")
    pieces = scan("code = (" + " ".join(repr(c) for c in payload) + ")\nexec(code)\n")
    assert "AIR-OBF-008" in {f.rule_id for f in whole.findings}
    assert {f.rule_id for f in pieces.findings} >= {"AIR-OBF-008", "AIR-PROC-001"}


def test_a_run_too_long_to_fold_is_not_refolded_tail_by_tail(monkeypatch) -> None:
    """2,400 adjacent 100-character literals exceed the fold bound; each tail of the run is
    a candidate, and reading them all stays linear in the pieces, not quadratic."""
    from airlock.analyzer.fold import Folder
    from airlock.analyzer.scan import scan

    calls = {"n": 0}
    original = Folder._fold

    def counting(self, expr):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return original(self, expr)

    monkeypatch.setattr(Folder, "_fold", counting)
    pieces = 2400
    source = "x = (" + " ".join(repr("a" * 99 + str(i % 10)) for i in range(pieces)) + ")\n"
    scan(source)
    assert calls["n"] <= 20 * pieces, calls["n"]
