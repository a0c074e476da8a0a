"""Line and column of recorded nodes without libcst's PositionProvider.

The walk pairs every libcst statement with the `ast` statement of the safety gate,
which knows its span; a node inside a statement is found by searching the
statement's text for the node's own code (generated only for nodes that hit).
PositionProvider would compute positions for every node of every file: measured at
about twice the cost of the parse itself.
"""

from __future__ import annotations

import ast
import bisect

import libcst as cst

from airlock.analyzer.engine import COMPOUND_TYPES, SMALL_TYPES


class Positions:
    """Line/column of recorded nodes: the paired `ast` statement, refined by text search."""

    def __init__(self, text: str, module: cst.Module, stmt_of: dict[int, ast.AST | None]) -> None:
        self.text = text
        self.module = module
        self.stmt_of = stmt_of
        self.lines = text.splitlines(keepends=True)
        self._starts: list[int] | None = None
        self._cursor: dict[tuple[int, str], int] = {}

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            starts, pos = [], 0
            for line in self.lines:
                starts.append(pos)
                pos += len(line)
            self._starts = starts or [0]
        return self._starts

    def _offset(self, line: int, byte_col: int) -> int:
        if line < 1 or line > len(self.lines):
            return 0
        text = self.lines[line - 1]
        col = byte_col if text.isascii() else len(text.encode()[:byte_col].decode(errors="ignore"))
        return self.starts[line - 1] + col

    def at(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset, both as the editor shows them (1-based line)."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[max(i, 0)]

    def of(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column) of `node`; zeros when unknown."""
        stmt = self.stmt_of.get(id(node))
        if stmt is None:
            return 0, 0, 0, 0
        first = stmt.decorator_list[0] if getattr(stmt, "decorator_list", None) else stmt
        start = self._offset(first.lineno, max(first.col_offset - (first is not stmt), 0))
        end = self._offset(stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        if type(node) in SMALL_TYPES or type(node) in COMPOUND_TYPES:
            return (*self.at(start), *self.at(end))
        try:
            code = self.module.code_for_node(node)
        except Exception:
            return (*self.at(start), *self.at(end))
        key = (id(stmt), code)
        found = self.text.find(code, self._cursor.get(key, start), max(end, start + len(code)))
        if found < 0:
            return (*self.at(start), *self.at(end))
        self._cursor[key] = found + 1
        return (*self.at(found), *self.at(found + len(code)))
