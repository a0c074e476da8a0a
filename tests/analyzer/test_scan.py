"""The front door: `scan()` returns a complete Report, positions are right, it fails closed."""

from __future__ import annotations

import ast
import gc
import hashlib
import importlib
import types
from pathlib import Path

import pytest
from engine_helpers import RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.analyzer.models import Report, Verdict
from airlock.analyzer.scan import scan
from airlock.vocabulary import VERDICT_ORDER

scan_module = importlib.import_module("airlock.analyzer.scan")  # the module, not the function


def test_public_api_exports() -> None:
    pkg = importlib.import_module("airlock.analyzer.__init__")
    for name in ("scan", "load_ruleset", "extract_code", "Report", "Finding", "Verdict"):
        assert hasattr(pkg, name), name


def test_report_fields() -> None:
    src = "import os\nos.system('ls')\n"
    report = scan(src.encode(), ruleset=RULES, filename="job.py")
    assert isinstance(report, Report)
    assert report.ruleset == "engine-test" and report.ruleset_version == "test-1"
    assert report.sha256 == hashlib.sha256(src.encode()).hexdigest()
    assert report.lines == 2 and report.duration_ms > 0
    assert report.verdict == Verdict.review
    assert any(
        r.text.startswith("review: shell command through os.system (T-PROC-001) at line 2")
        for r in report.reasons
    )
    f = next(f for f in report.findings if f.rule_id == "T-PROC-001")
    assert f.origin == "airlock" and f.cwe == "CWE-78" and f.category == "process"
    assert f.source_line == "os.system('ls')" and f.fingerprint


def test_positions_of_calls_attributes_and_literals() -> None:
    src = (
        "import os\n"
        "def f():\n"
        "    x = 1; y = os.system('a')\n"
        "    z = [\n"
        "        'pad',\n"
        "        os.system('b'),\n"
        "    ]\n"
        "    é = 'ü'; os.system('c')\n"
        "p = '/root/.ssh/id_rsa'\n"
        "q = obj.__subclasses__\n"
    )
    report = scan(src, ruleset=RULES)
    pos = sorted(
        (f.line, f.column, f.end_line, f.end_column)
        for f in report.findings
        if f.rule_id == "T-PROC-001"
    )
    assert pos == [(3, 15, 3, 29), (6, 8, 6, 22), (8, 13, 8, 27)]  # character columns, not bytes
    lit = next(f for f in report.findings if f.rule_id == "T-SECRET-001")
    assert (lit.line, lit.column) == (9, 4)
    attr = next(f for f in report.findings if f.rule_id == "T-ESC-001")
    assert (attr.line, attr.column) == (10, 4) and attr.source_line == "q = obj.__subclasses__"


def test_positions_in_compound_headers_and_branches() -> None:
    src = (
        "import os\n"
        "if os.system('a'):\n"
        "    pass\n"
        "elif x:\n"
        "    os.system('b')\n"
        "else:\n"
        "    os.system('c')\n"
        "try:\n"
        "    pass\n"
        "except E:\n"
        "    os.system('d')\n"
        "finally:\n"
        "    os.system('e')\n"
        "@deco(os.system('f'))\n"
        "def g(): return os.system('g')\n"
    )
    report = scan(src, ruleset=RULES)
    lines = sorted(f.line for f in report.findings if f.rule_id == "T-PROC-001")
    assert lines == [2, 5, 7, 11, 13, 14, 15]


def test_same_text_twice_on_a_line_gets_two_columns() -> None:
    report = scan("import os\nos.system(a); os.system(a)\n", ruleset=RULES)
    cols = sorted(f.column for f in report.findings if f.rule_id == "T-PROC-001")
    assert cols == [0, 14]


def test_bandit_failure_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(source: str, *, filename: str = "<agent>", tree: object = None) -> list:  # type: ignore[type-arg]
        raise RuntimeError("bandit exploded")

    monkeypatch.setattr(scan_module, "bandit_findings", boom)
    report = scan("x = 1\n", ruleset=RULES)
    assert report.verdict != Verdict.allow
    assert report.error and "bandit exploded" in report.error
    assert any(f.category == "parse" and "bandit exploded" in f.message for f in report.findings)


def test_bandit_verdict_floor_from_bandit_yaml(tmp_path: Path) -> None:
    """rules/bandit.yaml's `verdict: block` for B613 holds even when no rule of ours fires."""
    overlay = tmp_path / "no-bidi-rule.yaml"
    overlay.write_text(f"name: no-bidi\nextends: {RULES}\ndisable: [T-OBF-001]\n")
    report = scan('access = "user\u202e \u2066# admin\u2069 \u2066"\n', ruleset=overlay)
    live = {f.rule_id for f in report.findings if not f.suppressed}
    assert live == {"B613"} and report.score < 70  # the score alone would say review
    assert report.verdict == Verdict.block
    assert any("B613" in r.rule_ids for r in report.reasons)


def test_bandit_is_handed_the_parsed_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real = scan_module.bandit_findings

    def spy(source: str, *, filename: str = "<agent>", tree: object = None) -> list:  # type: ignore[type-arg]
        seen.append(tree)
        return real(source, filename=filename, tree=tree)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_module, "bandit_findings", spy)
    report = scan("import pickle\npickle.loads(b)\n", ruleset=RULES)
    assert len(seen) == 1 and isinstance(seen[0], ast.Module)
    assert {"B403", "B301"} <= {f.rule_id for f in report.findings}


def test_repeated_scans_keep_no_frames_alive() -> None:
    """Nothing of one scan (frames, trees) outlives it, however often the folder gives up."""

    def live_frames() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, types.FrameType))

    src = "import os\n" + "".join(f"os.system(a{i} + 'x')\n" for i in range(50))
    scan(src, ruleset=RULES)
    before = live_frames()
    for _ in range(3):
        scan(src, ruleset=RULES)
    assert live_frames() <= before


def test_rule_failure_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from airlock.analyzer import checks

    def broken(ctx: object, compiled: object) -> list:  # type: ignore[type-arg]
        raise ValueError("check exploded")

    monkeypatch.setitem(checks.CHECKS, "bidi_control", broken)
    report = scan("x = 1\n", ruleset=RULES)
    assert report.verdict != Verdict.allow
    assert report.error and "check exploded" in report.error


DANGEROUS = [
    "import os\nos.system(cmd)\n",
    "import base64\nexec(base64.b64decode(payload))\n",
    "import subprocess\nsubprocess.run(cmd, shell=True)\n",
    "p = open('/home/u/.ssh/id_rsa').read()\nimport requests\nrequests.post(url, data=p)\n",
    "x = ().__class__.__bases__[0].__subclasses__()\n",
]


@settings(max_examples=40, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(DANGEROUS) - 1),
    alias=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8),
    cut=st.integers(min_value=1, max_value=3),
)
def test_aliasing_renaming_splitting_never_lowers_the_verdict(
    index: int, alias: str, cut: int
) -> None:
    src = DANGEROUS[index]
    base = scan(src, ruleset=RULES).verdict
    assert base != Verdict.allow
    variants = []
    for mod in ("os", "base64", "subprocess", "requests"):
        if f"import {mod}\n" in src:
            variants.append(
                src.replace(f"import {mod}\n", f"import {mod} as {alias}_m\n").replace(
                    f"{mod}.", f"{alias}_m."
                )
            )
    for var in ("cmd", "payload", "p", "url", "x"):
        variants.append(
            src.replace(f"({var}", f"({alias}_v")
            .replace(f"{var} =", f"{alias}_v =")
            .replace(f"={var})", f"={alias}_v)")
        )
    for literal in ("'/home/u/.ssh/id_rsa'",):
        if literal in src:
            body = literal[1:-1]
            variants.append(src.replace(literal, f"'{body[:cut]}' + '{body[cut:]}'"))
    for v in variants:
        got = scan(v, ruleset=RULES).verdict
        assert VERDICT_ORDER[got] >= VERDICT_ORDER[base], (v, got, base)


def test_unknown_ruleset_raises_clear_error() -> None:
    from airlock.analyzer.ruleset import RuleSetError

    with pytest.raises(RuleSetError):
        scan("x = 1", ruleset="definitely-not-a-rule-set")


def test_long_concatenation_is_analysed_not_an_error() -> None:
    src = "q = " + " + ".join(["'select'"] * 800) + "\n"
    report = scan(src, ruleset=RULES)
    assert report.error is None and report.verdict == Verdict.allow


def test_garbage_collector_and_recursion_limit_are_restored() -> None:
    import gc
    import sys
    import threading

    assert gc.isenabled()
    limit = sys.getrecursionlimit()
    threads = [
        threading.Thread(
            target=scan, args=("import os\nos.system(x)\n",), kwargs={"ruleset": RULES}
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    scan(b"\xff\xfe", ruleset=RULES)
    assert gc.isenabled()
    assert sys.getrecursionlimit() == limit
