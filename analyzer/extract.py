"""The Python code blocks of an LLM reply, and screening a whole reply.

A reply's Python is what sits in fenced blocks (``` or ~~~, at any indentation,
as inside list items) tagged python/py/python3 (or an interactive `pycon`
session, whose prompts are removed), plus untagged blocks that parse as Python
and do something (a statement or a call: a bare `ls` or a JSON object does not
count). Blocks tagged as another language (bash, json, …) are not Python. An
unterminated last fence runs to the end of the reply.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from airlock.analyzer.models import Report, Verdict
from airlock.vocabulary import VERDICT_ORDER

if TYPE_CHECKING:
    from collections.abc import Iterator

PYTHON_TAGS = frozenset({"python", "py", "python3", "py3", "python2", "ipython", "ipython3"})
SESSION_TAGS = frozenset({"pycon", "python-repl", "pyrepl"})
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: its code, its language tag ('' if none) and where it starts."""

    code: str
    language: str
    start_line: int  # 1-based line of the reply on which the code starts
    closed: bool


def fenced_blocks(text: str) -> Iterator[CodeBlock]:
    """Every fenced block of a Markdown text, whatever its language, in order."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _OPEN.match(lines[i])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            body.append(_dedent(lines[j], indent))
            j += 1
        yield CodeBlock("\n".join(body) + ("\n" if body else ""), _tag(opening["info"]), i + 2,
                        closed=j < len(lines))  # fmt: skip
        i = j + 1


def python_blocks(text: str | bytes) -> list[CodeBlock]:
    """The fenced blocks of `text` that are Python (see the module docstring)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    found: list[CodeBlock] = []
    for block in fenced_blocks(text):
        if block.language in PYTHON_TAGS:
            found.append(block)
        elif block.language in SESSION_TAGS:
            found.append(_from_session(block))
        elif block.language == "" and _looks_like_python(block.code):
            found.append(block)
    return found


def extract_code(text: str | bytes) -> list[str]:
    """Return the Python code blocks of an LLM reply, in order. Never raises."""
    return [block.code for block in python_blocks(text)]


class ReplyReport(BaseModel):
    """The screening of a whole reply: each Python block alone and all of them together."""

    verdict: Verdict
    blocks: list[str]
    start_lines: list[int]
    reports: list[Report]
    combined: Report

    @property
    def worst(self) -> Report:
        """The report that decided the verdict."""
        return max([self.combined, *self.reports], key=lambda r: VERDICT_ORDER[r.verdict])


def scan_reply(text: str | bytes, *, ruleset: Any = "default", **scan_options: Any) -> ReplyReport:
    """Scan every Python block of a reply on its own and all blocks joined.

    Joined, an import in one block meets its use in the next; the verdict is the
    worst of the joined report and every block's. A reply without Python is
    screened as empty code.
    """
    from airlock.analyzer.ruleset import load_ruleset
    from airlock.analyzer.scan import scan

    if isinstance(ruleset, str):
        ruleset = load_ruleset(ruleset)
    blocks = python_blocks(text)
    reports = [
        scan(b.code, ruleset=ruleset, filename=f"<reply block {n}>", **scan_options)
        for n, b in enumerate(blocks, start=1)
    ]
    if len(blocks) == 1:
        combined = reports[0]
    else:
        joined = "\n".join(b.code for b in blocks)
        combined = scan(joined, ruleset=ruleset, filename="<reply>", **scan_options)
    verdict = max([combined, *reports], key=lambda r: VERDICT_ORDER[r.verdict]).verdict
    return ReplyReport(
        verdict=verdict,
        blocks=[b.code for b in blocks],
        start_lines=[b.start_line for b in blocks],
        reports=reports,
        combined=combined,
    )


def _tag(info: str) -> str:
    """The language of a fence's info string: '{.python title="x"}' → 'python'."""
    words = info.strip().split()
    return words[0].strip("{}.").lower() if words else ""


def _dedent(line: str, indent: str) -> str:
    if line.startswith(indent):
        return line[len(indent) :]
    return line.lstrip(" \t") if not line[: len(indent)].strip() else line


def _from_session(block: CodeBlock) -> CodeBlock:
    """Keep the input lines of a `>>>` session, without prompts; output lines are dropped."""
    code = [
        _PROMPT.sub("", line, count=1) for line in block.code.splitlines() if _PROMPT.match(line)
    ]
    return CodeBlock("\n".join(code) + "\n" if code else "", "python", block.start_line,
                     block.closed)  # fmt: skip


def _looks_like_python(code: str) -> bool:
    """An untagged block counts if it parses and does something (a statement or a call)."""
    if not code.strip():
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    for stmt in tree.body:
        if not isinstance(stmt, ast.Expr):
            return True
        if any(isinstance(node, (ast.Call, ast.Await, ast.NamedExpr)) for node in ast.walk(stmt)):
            return True
    return False
