"""Decode and parse a source once: `ast.parse` as a cheap safety gate, then libcst.

`ast.parse` rejects absurd nesting, NUL bytes and syntax errors cleanly and cheaply;
only input it accepts reaches libcst's native parser. The `ast` tree is kept: its
statement positions are how findings get line and column numbers without libcst's
costly PositionProvider.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

import libcst as cst

from airlock.analyzer.py2 import rewrite_all as rewrite_py2


class ParseFailure(Exception):
    """The source is not analysable Python 3; the message says why, for a reviewer."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class Parsed:
    """One source, parsed once by each parser."""

    text: str
    tree: ast.Module
    module: cst.Module


def decode(source: str | bytes) -> str:
    """Text of `source`: UTF-8 by default, a BOM is fine, a PEP 263 cookie is honoured."""
    if isinstance(source, str):
        return source[1:] if source.startswith("\ufeff") else source
    encoding = "utf-8"
    if source.startswith(codecs.BOM_UTF8):
        source = source[len(codecs.BOM_UTF8) :]
    else:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        except SyntaxError as exc:
            if "invalid or missing" not in (exc.msg or ""):
                raise ParseFailure(f"bad encoding declaration: {exc.msg}") from None
            encoding = "utf-8"  # no usable cookie and not UTF-8: the decode below says where
        if encoding == "utf-8-sig":
            encoding = "utf-8"
    try:
        return source.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = source[: getattr(exc, "start", 0)].count(b"\n") + 1
        name = "UTF-8" if encoding == "utf-8" else encoding
        raise ParseFailure(f"not valid {name} text: {exc}", line=line) from None


def parse(text: str) -> Parsed:
    """Parse `text` with both parsers; any failure becomes a `ParseFailure`."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ParseFailure("source contains NUL bytes (binary data?)", line=line)
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        hint = _py2_hint(exc)
        raise ParseFailure(
            f"syntax error: {exc.msg}{hint}", line=exc.lineno or 0, column=exc.offset or 0
        ) from None
    except RecursionError:
        raise ParseFailure("nesting too deep to analyse") from None
    except MemoryError:
        raise ParseFailure("source too large or too deeply nested to parse") from None
    except (ValueError, OverflowError) as exc:
        raise ParseFailure(f"not parsable: {exc}") from None
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        if "\t" in text:  # tabs and spaces mixed as CPython allows and libcst does not
            expanded = _expand_indent_tabs(text)
            try:
                return Parsed(
                    text=expanded, tree=ast.parse(expanded), module=cst.parse_module(expanded)
                )
            except Exception:
                pass
        raise ParseFailure(
            f"syntax error (libcst): {exc.message}", line=exc.raw_line, column=exc.raw_column
        ) from None
    except RecursionError:
        raise ParseFailure("nesting too deep to analyse") from None
    except Exception as exc:  # libcst's native parser may raise anything on odd input
        raise ParseFailure(f"not parsable by libcst: {type(exc).__name__}: {exc}") from None
    return Parsed(text=text, tree=tree, module=module)


def _expand_indent_tabs(text: str) -> str:
    """Leading tabs as the spaces CPython's tokenizer counts them as (to the next multiple
    of 8), so libcst reads the blocks the interpreter runs: mixing tabs and spaces must not
    make code unanalysable."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)]
        out.append(indent.expandtabs(8) + body if "\t" in indent else line)
    return "".join(out)


SALVAGE_WORK = 4_000_000  # characters parsed in all while salvaging (~0.5 s of ast.parse)
MAX_SALVAGE = 200  # lines replaced at most


def salvage(text: str) -> Parsed | None:
    """What can be parsed of a source `parse` rejected, for analysis beside the parse error.

    NUL bytes become spaces, Python 2 statements are rewritten as Python 3 (analyzer/py2.py),
    indentation every line shares is taken off (a method cut from its class), and each line a syntax error still points at is replaced, in place
    (line numbers stay true), by `pass` at its indentation, or by `if 1:` when the next
    line is indented deeper (the block it opened still parses). Bounded by `MAX_SALVAGE`
    replacements and `SALVAGE_WORK` characters parsed; None when nothing parsable is left
    within those bounds. A bad line therefore never hides the code around it.
    """
    text = text.replace("\x00", " ")
    text = rewrite_py2(text) or text  # Python 2 statements read as the Python 3 they mean
    text = textwrap.dedent(text)  # an excerpt of a block (a method cut from its class)
    lines = io.StringIO(text, newline="").readlines()
    budget = min(MAX_SALVAGE, SALVAGE_WORK // max(len(text), 1))
    replaced: set[int] = set()
    for _ in range(budget + 1):
        candidate = "".join(lines)
        try:
            ast.parse(candidate)
        except SyntaxError as exc:
            i = _bad_line(lines, (exc.lineno or 0) - 1, replaced)
            if i is None:
                return None
            lines[i] = _stand_in(lines, i)
            replaced.add(i)
            continue
        except Exception:  # nesting, memory: nothing line-sized to take out
            return None
        try:
            return parse(candidate)
        except ParseFailure as exc:  # libcst is stricter than `ast` (dedents, tabs): its line too
            i = _bad_line(lines, exc.line - 1, replaced) if exc.line else None
            if i is None:
                return None
            lines[i] = _stand_in(lines, i)
            replaced.add(i)
    return None


def _bad_line(lines: list[str], i: int, replaced: set[int]) -> int | None:
    """The line to replace: `i`, or the nearest line above it with code not yet replaced."""
    i = min(i, len(lines) - 1)
    while i >= 0 and (i in replaced or not lines[i].strip()):
        i -= 1
    return i if i >= 0 else None


def _stand_in(lines: list[str], i: int) -> str:
    line = lines[i]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    deeper = next((nxt for nxt in lines[i + 1 :] if nxt.strip()), "")
    opens = len(deeper) - len(deeper.lstrip(" \t")) > len(indent)
    end = "\n" if line.endswith(("\n", "\r")) else ""
    return f"{indent}{'if 1:' if opens else 'pass'}{end}"


def _py2_hint(exc: SyntaxError) -> str:
    text = exc.text or ""
    if re.match(r"\s*(print|exec)\s+[^\s(=]", text) or "Missing parentheses" in (exc.msg or ""):
        return " (Python 2 code?)"
    return ""
