"""bandit's node visitor and tester, lean: the same checks on the same nodes, less overhead.

bandit builds a check context for every node and runs an empty test list for most
of them (Name, Attribute, Load, operators); it copies the context and builds a
`Context` per test; it logs at debug level per node. Here a context is built only
for node types some check or `visit_*` method reads, once per node, and nothing is
logged. Results are identical to bandit's own manager (tests/analyzer compare them
on the standard library).
"""

from __future__ import annotations

import ast
from typing import Any

# Node types the C parser hands out as shared singletons (`Load`, `Add`, `Eq`, ...):
# they have no children, bandit has no check for them, and a parent link on a shared
# instance means nothing. They are not visited.
_SHARED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_SKIP, _WALK, _VISIT = 0, 1, 2


class CheckFailed(Exception):
    """A bandit check raised; `args[0]` says which, on which line."""


def lean_tester_class() -> type:
    """bandit's tester without nosec handling or score keeping; a check that raises
    becomes `CheckFailed` (the bridge fails closed on it)."""
    from bandit.core import context as b_context
    from bandit.core import tester

    class LeanTester(tester.BanditTester):
        def run_tests(self, raw_context: dict[str, Any], checktype: str) -> None:  # type: ignore[override]
            tests = self.testset.get_tests(checktype)
            if not tests:
                return
            # No shipped check writes to its context; one copy per node, not per test.
            temp_context = raw_context.copy()
            context = b_context.Context(temp_context)
            for test in tests:
                try:
                    config = getattr(test, "_config", None)
                    result = test(context) if config is None else test(context, config)
                except Exception as exc:
                    line = temp_context.get("lineno", 0)
                    raise CheckFailed(
                        f"bandit check {test.__name__} raised on line {line}: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                if result is not None:
                    self.results.append(_complete(result, test, temp_context))

    return LeanTester


def _complete(result: Any, test: Any, temp_context: dict[str, Any]) -> Any:
    """Fill in an issue's location and test id from the context, as bandit's tester does."""
    result.fname = temp_context["filename"]
    result.fdata = temp_context["file_data"]
    if result.lineno is None:
        result.lineno = temp_context["lineno"]
    if result.linerange == []:
        result.linerange = temp_context["linerange"]
    if result.col_offset == -1:
        result.col_offset = temp_context["col_offset"]
    result.end_col_offset = temp_context.get("end_col_offset", 0)
    result.test = test.__name__
    if result.test_id == "":
        result.test_id = test._test_id
    return result


def lean_visitor_class(checked: set[str]) -> type:
    """bandit's node visitor, visiting only node types some check or `visit_*` reads.

    The traversal still links every node to its parent and next sibling (checks walk
    those links); `unlink` breaks the parent links afterwards so the tree is freed by
    reference counting rather than left to the cyclic collector.
    """
    from bandit.core import node_visitor
    from bandit.core import utils as b_utils

    kinds: dict[type, int] = {}
    scoped = (ast.FunctionDef, ast.ClassDef)  # their visit_* methods push a namespace
    split = b_utils.namespace_path_split

    class LeanVisitor(node_visitor.BanditNodeVisitor):
        annotated: list[ast.AST]

        def kind(self, cls: type) -> int:
            found = kinds.get(cls)
            if found is None:
                name = cls.__name__
                if name in checked or hasattr(self, "visit_" + name):
                    found = _VISIT
                else:
                    found = _SKIP if issubclass(cls, _SHARED) else _WALK
                kinds[cls] = found
            return found

        def generic_visit(self, node: ast.AST) -> None:
            annotated = self.annotated
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    last = len(value) - 1
                    for idx, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            kind = kinds.get(type(item))
                            if kind is None:
                                kind = self.kind(type(item))
                            if kind == _SKIP:
                                continue
                            item._bandit_sibling = value[idx + 1] if idx < last else None
                            item._bandit_parent = node
                            annotated.append(item)
                            if kind == _VISIT:
                                self.visit(item)
                            self.generic_visit(item)
                            if isinstance(item, scoped):  # visit_* pushed a namespace
                                self.namespace = split(self.namespace)[0]
                elif isinstance(value, ast.AST):
                    kind = kinds.get(type(value))
                    if kind is None:
                        kind = self.kind(type(value))
                    if kind == _SKIP:
                        continue
                    value._bandit_sibling = None
                    value._bandit_parent = node
                    annotated.append(value)
                    if kind == _VISIT:
                        self.visit(value)
                    self.generic_visit(value)
                    if isinstance(value, scoped):
                        self.namespace = split(self.namespace)[0]

        def unlink(self) -> None:
            """Drop the child-to-parent links (each one closes a reference cycle)."""
            for node in self.annotated:
                node._bandit_parent = None
            self.annotated = []

        def visit(self, node: ast.AST) -> None:
            name = node.__class__.__name__
            context: dict[str, Any] = {
                "imports": self.imports,
                "import_aliases": self.import_aliases,
                "node": node,
                "linerange": b_utils.linerange(node),
                "filename": self.fname,
                "file_data": self.fdata,
            }
            if hasattr(node, "lineno"):
                context["lineno"] = node.lineno
            if hasattr(node, "col_offset"):
                context["col_offset"] = node.col_offset
            if hasattr(node, "end_col_offset"):
                context["end_col_offset"] = node.end_col_offset
            self.context = context
            method = getattr(self, "visit_" + name, None)
            if method is not None:
                method(node)
            else:
                self.tester.run_tests(context, name)

        def update_scores(self, scores: object) -> None:
            """Airlock scores findings itself."""

    return LeanVisitor
