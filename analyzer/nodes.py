"""libcst node-type tables for the walk's exact-type dispatch.

libcst nodes are ABCs: `isinstance` on them costs an ABC check per node, so the walk
dispatches on exact types, precomputed here once, and pairs libcst statements with the
`ast` statements of the safety gate through `ast_suites`.
"""

from __future__ import annotations

import ast
import dataclasses

import libcst as cst

SKIP_FIELDS = frozenset(
    [
        "leading_lines",
        "lines_after_decorators",
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "header",
        "footer",
        "newline",
        "colon",
        "equal",
        "dot",
        "star",
        "operator",
        "asynchronous",
        "indent",
        "default_indent",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "trailing_whitespace",
        "encoding",
        "default_newline",
        "has_trailing_newline",
        "first_line",
        "comment",
    ]
)
SUITES = (cst.IndentedBlock, cst.SimpleStatementSuite)
SUITE_TYPES = frozenset(SUITES)


def _concrete(base: type) -> frozenset[type]:
    out, todo = set(), [base]
    while todo:
        t = todo.pop()
        todo.extend(t.__subclasses__())
        if not getattr(t, "__abstractmethods__", None):
            out.add(t)
    return frozenset(out)


COMPOUND_TYPES = _concrete(cst.BaseCompoundStatement)
SMALL_TYPES = _concrete(cst.BaseSmallStatement)
SEQUENCES = (tuple, list)
STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
STRING_TYPES = frozenset(STRINGS)
NODE_TYPES = _concrete(cst.CSTNode)
_fields_cache: dict[type, tuple[str, ...]] = {}


def child_fields(tp: type) -> tuple[str, ...]:
    names = _fields_cache.get(tp)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(tp)
            if "whitespace" not in f.name and f.name not in SKIP_FIELDS
        )
        _fields_cache[tp] = names
    return names


def ast_suites(node: ast.AST) -> list[list[ast.stmt]]:
    if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        suites = [node.body, node.orelse]
    elif isinstance(node, (ast.Try, ast.TryStar)):
        suites = [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
    elif isinstance(node, ast.Match):
        suites = [c.body for c in node.cases]
    else:
        suites = [getattr(node, "body", [])]
    return [s for s in suites if s]
