"""The single traversal: one walk over the libcst tree records everything the rules need.

The walk records bindings (into the alias table), calls, imports, interesting
attributes, string candidates and loop context; matching happens afterwards, so a
use that precedes its definition still resolves. Statements are paired with the
`ast` statements of the safety gate as the walk goes, which gives every finding a
line and column without libcst's PositionProvider (measured at ~2× the parse itself).
"""

from __future__ import annotations

import ast
from collections import deque
from typing import Any

import libcst as cst

from airlock.analyzer.bindings import BindingHandlers
from airlock.analyzer.fold import Folder
from airlock.analyzer.nodes import (
    COMPOUND_TYPES,
    NODE_TYPES,
    SEQUENCES,
    SMALL_TYPES,
    STRING_TYPES,
    SUITE_TYPES,
    ast_suites,
    child_fields,
)
from airlock.analyzer.records import PACING, CallSite, Collected, Loop
from airlock.analyzer.resolve import NameTable

# builtins that, given a mapping, only see its keys
LISTING_CALLS = frozenset({"sorted", "len", "list", "set", "tuple", "dir", "print"})
# `x.append(v)` and the like: `v` is now part of `x`
STORING_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "appendleft", "setdefault", "write"}
)


class Walker(BindingHandlers):
    """Walks one module once, recording into a `Collected` and a `NameTable`."""

    def __init__(self, attr_names: frozenset[str]) -> None:
        self.attr_names = attr_names
        self.names = NameTable()
        self.out = Collected()
        self.stmt: ast.AST | None = None
        self.pending: list[deque[list[ast.stmt]] | None] = []
        self.loops: list[Loop] = []
        self.loop_iters: list[cst.BaseExpression] = []
        self.scopes: list[tuple[str, str]] = []  # ("def" | "class", name), innermost last
        self.loop_targets: list[dict[str, cst.BaseExpression]] = []  # names each loop binds

    def run(self, module: cst.Module, tree: ast.Module) -> None:
        self.suite(module.body, tree.body)

    def suite(self, stmts: Any, ast_stmts: list[ast.stmt] | None) -> None:
        flat: list[cst.CSTNode] = []
        for s in stmts:
            if type(s) is cst.SimpleStatementLine:
                flat.extend(s.body)
            else:
                flat.append(s)
        paired = ast_stmts if ast_stmts is not None and len(ast_stmts) == len(flat) else None
        outer = self.stmt
        for i, s in enumerate(flat):
            a = paired[i] if paired is not None else None
            self.stmt = a if a is not None else outer
            if type(s) in COMPOUND_TYPES:
                self.pending.append(deque(ast_suites(a)) if a is not None else None)
                self.node(s)
                self.pending.pop()
            else:
                if type(s) is cst.Expr and type(s.value) in STRING_TYPES:
                    self.out.bare_strings.add(id(s.value))
                self.node(s)
        self.stmt = outer

    def _next_suite(self) -> list[ast.stmt] | None:
        top = self.pending[-1] if self.pending else None
        return top.popleft() if top else None

    def node(self, n: cst.CSTNode) -> None:
        handler = HANDLERS.get(type(n))
        if handler is not None and handler(self, n) is False:
            return
        self.children(n)

    def children(self, n: cst.CSTNode) -> None:
        for name in child_fields(type(n)):
            value = getattr(n, name)
            if value is None:
                continue
            tp = type(value)
            if tp in SEQUENCES:
                for item in value:
                    self.child(item)
            elif tp in NODE_TYPES:
                self.child(value)

    def child(self, n: cst.CSTNode) -> None:
        tp = type(n)
        if tp in SUITE_TYPES:
            self.suite(n.body, self._next_suite())  # type: ignore[attr-defined]
        elif tp in COMPOUND_TYPES:  # `elif` is an If in If.orelse
            self.suite([n], self._next_suite())
        elif tp in NODE_TYPES:
            self.node(n)

    def record(self, n: cst.CSTNode) -> None:
        self.out.stmt_of[id(n)] = self.stmt
        self.out.def_of[id(n)] = next((nm for k, nm in reversed(self.scopes) if k == "def"), None)

    # -- handlers: return False to skip the children ---------------------------------------
    def on_call(self, n: cst.Call) -> None:
        self.record(n)
        for kind, name in reversed(self.scopes):
            if kind == "def":
                self.out.calls_in.setdefault(name, []).append(n)
                break
        loops = self.loops
        site = CallSite(n, False, False)
        if loops:
            endless = tuple(lp for lp in loops if lp.endless)
            site = CallSite(n, True, bool(endless), tuple(self.loop_iters), endless, tuple(loops))
            func = n.func
            tp = type(func)
            if (tp is cst.Attribute and func.attr.value == "sleep") or (  # type: ignore[attr-defined]
                tp is cst.Name and func.value == "sleep"  # type: ignore[attr-defined]
            ):
                for lp in loops:
                    lp.sleeps = True
            if (tp is cst.Attribute and func.attr.value in PACING) or (  # type: ignore[attr-defined]
                tp is cst.Name and func.value == "input"  # type: ignore[attr-defined]
            ):
                for lp in endless:
                    lp.paced = True
        self.out.calls.append(site)
        self.out.candidates.append(n)
        func = n.func
        if type(func) is cst.Attribute and func.attr.value == "keys" and not n.args:
            self._listed(func.value)
        elif (
            type(func) is cst.Name
            and func.value in LISTING_CALLS
            and len(n.args) == 1
            and type(n.args[0].value) in (cst.Name, cst.Attribute)
        ):
            self._listed(n.args[0].value)
        if (
            type(func) is cst.Attribute
            and func.attr.value in STORING_METHODS
            and type(func.value) is cst.Name
        ):
            into = self.names.stored_into.setdefault(func.value.value, [])
            into.extend(a.value for a in n.args)

    def _listed(self, e: cst.BaseExpression) -> None:
        """Mark the chain `a.b.c` as enumerated only (its keys are listed)."""
        while True:
            self.out.listed.add(id(e))
            if type(e) is cst.Attribute:
                e = e.value  # type: ignore[attr-defined]
            elif type(e) is cst.Name:
                return
            else:
                self.out.listed.discard(id(e))
                return

    def on_candidate(self, n: cst.BaseExpression) -> None:
        self.record(n)
        self.out.candidates.append(n)

    def on_attribute(self, n: cst.Attribute) -> bool:
        if n.attr.value in self.attr_names:
            self.record(n)
            self.out.attributes.append(n)
        elif n.attr.value == "environ":  # a value-flow source: findings name its line
            self.record(n)
        self.node(n.value)  # not `attr`: it is a name only as an attribute
        return False

    def on_name(self, n: cst.Name) -> None:
        v = n.value
        if self.loop_targets:  # a use inside loops: which loop's variable it is
            for bound in reversed(self.loop_targets):
                it = bound.get(v)
                if it is not None:
                    self.names.loop_use[id(n)] = it
                    break
        if not v.isascii():
            self.record(n)
            self.out.foreign_names.append(n)
        elif v in self.attr_names and v.startswith("__"):
            self.record(n)
            self.out.dunder_names.append(n)

    def _stores(self, target: cst.BaseExpression, method: str) -> None:
        tp = type(target)
        self._flows_into(target, method)
        if tp is cst.Subscript:
            self.record(target)
            self.out.item_stores.append((target, method))
            if self._value is not None and method == "__setitem__":
                self.out.stored_values[id(target)] = self._value
                self.record(self._value)
        elif tp is cst.Attribute:  # `builtins.open = f`: matched as builtins.__setattr__
            self.record(target)
            self.out.item_stores.append((target, method.replace("item", "attr")))

    def _flows_into(self, target: cst.BaseExpression, method: str) -> None:
        """Remember values stored into attributes and containers, for value flow."""
        value = self._value
        if value is None or method != "__setitem__":
            return
        tp = type(target)
        if tp is cst.Attribute:
            self.names.attr_values.setdefault(target.attr.value, []).append(value)  # type: ignore[attr-defined]
            self.out.attr_assigns.append((target, value))  # type: ignore[arg-type]
        elif tp is cst.Subscript and type(target.value) is cst.Name:  # type: ignore[attr-defined]
            self.names.stored_into.setdefault(target.value.value, []).append(value)  # type: ignore[attr-defined]

    _value: cst.BaseExpression | None = None

    def on_ann_assign(self, n: cst.AnnAssign) -> None:
        self._value = n.value
        if n.value is not None:
            self._stores(n.target, "__setitem__")
        self._value = None
        super().on_ann_assign(n)

    def _store_pairs(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`m[k], x = v, 1`: each element of a target tuple stores its own value."""
        if type(target) in (cst.Tuple, cst.List) and type(value) in (cst.Tuple, cst.List):
            targets, values = target.elements, value.elements  # type: ignore[attr-defined]
            if len(targets) == len(values) and not any(
                type(e) is cst.StarredElement for e in (*targets, *values)
            ):
                for t, v in zip(targets, values, strict=True):
                    self._store_pairs(t.value, v.value)
                return
        if type(target) in (cst.Tuple, cst.List):
            for el in target.elements:  # type: ignore[attr-defined]
                inner = el.value
                if type(inner) in (cst.Subscript, cst.Attribute):
                    outer, self._value = self._value, None
                    self._stores(inner, "__setitem__")
                    self._value = outer
            return
        self._value = value
        self._stores(target, "__setitem__")

    def on_assign(self, n: cst.Assign) -> None:
        self._value = n.value
        for t in n.targets:
            if type(t.target) in (cst.Tuple, cst.List):
                self._store_pairs(t.target, n.value)
                self._value = n.value
            else:
                self._stores(t.target, "__setitem__")
            self.names.bind_target(t.target, "value", n.value)
            if self.scopes and self.scopes[-1][0] == "class" and type(t.target) is cst.Name:
                self.record(n.value)  # a data-model hook (`__iadd__ = exec`) is reported here
                self.names.bind_class_attr(self.scopes[-1][1], t.target.value, n.value)
        self._value = None

    def on_aug_assign(self, n: cst.AugAssign) -> None:
        if any(lp.endless for lp in self.loops):
            self.record(n.value)
            self.out.endless_growth.append(n.value)
            target, value = n.target, n.value
            if type(target) is cst.Name and type(value) is cst.Name and target.value == value.value:
                self.out.endless_doubling.append(value)  # `data += data`: doubles every pass
        self.names.bind_target(n.target, "flow", n.value)

    def on_for(self, n: cst.For) -> bool:
        if type(n.iter) is cst.Attribute:
            self._listed(n.iter)
        self.names.bind_target(n.target, "flow", n.iter)
        self._iterates(n.iter)
        self.loops.append(Loop(False))
        self.loop_iters.append(n.iter)
        self.names.loop_iters.add(id(n.iter))
        self.loop_targets.append(dict.fromkeys(_target_names(n.target), n.iter))
        try:
            self._loop_children(n)
        finally:
            self.loop_iters.pop()
            self.loop_targets.pop()
        return False

    def on_while(self, n: cst.While) -> bool:
        test = n.test
        endless = isinstance(test, (cst.Integer, cst.SimpleString)) or (
            isinstance(test, cst.Name) and test.value == "True"
        )
        if isinstance(test, cst.Integer):
            endless = test.evaluated_value != 0
        self.loops.append(Loop(endless))
        self._loop_children(n)
        return False

    def _loop_children(self, n: cst.For | cst.While) -> None:
        try:
            for name in child_fields(type(n)):
                value = getattr(n, name)
                if type(value) in NODE_TYPES:
                    self.child(value)
        finally:
            self.loops.pop()

    def on_comprehension(self, n: cst.BaseComp) -> bool:
        """A comprehension is a loop: `[Thread(...).start() for _ in range(10**6)]`."""
        iters = []
        f: cst.CompFor | None = n.for_in  # type: ignore[attr-defined]
        while f is not None:
            iters.append(f.iter)
            f = f.inner_for_in
        self.loops.append(Loop(False))
        self.loop_iters.extend(iters)
        bound: dict[str, cst.BaseExpression] = {}
        f = n.for_in  # type: ignore[attr-defined]
        while f is not None:
            self.names.loop_iters.add(id(f.iter))
            bound.update(dict.fromkeys(_target_names(f.target), f.iter))
            f = f.inner_for_in
        self.loop_targets.append(bound)
        try:
            self.children(n)
        finally:
            del self.loop_iters[len(self.loop_iters) - len(iters) :]
            self.loops.pop()
            self.loop_targets.pop()
        return False

    def on_comp_for(self, n: cst.CompFor) -> None:
        if type(n.iter) is cst.Attribute:
            self._listed(n.iter)
        self.names.bind_target(n.target, "flow", n.iter)
        self._iterates(n.iter)

    def _iterates(self, expr: cst.BaseExpression) -> None:
        """A loop over a value: matched as a call of its `__iter__` (`for k in os.environ`)."""
        if isinstance(expr, cst.Name | cst.Attribute):
            self.record(expr)
            self.out.iterations.append(expr)

    def on_break(self, n: cst.Break) -> None:
        if self.loops:
            self.loops[-1].breaks = True

    def on_del(self, n: cst.Del) -> None:
        targets = n.target.elements if type(n.target) is cst.Tuple else [n.target]
        for t in targets:
            self._stores(t.value if type(t) is cst.Element else t, "__delitem__")
        self.names.bind_target(n.target, "opaque", None)


def _target_names(target: cst.BaseExpression) -> list[str]:
    if type(target) is cst.Name:
        return [target.value]
    if type(target) in (cst.Tuple, cst.List):
        return [n for el in target.elements for n in _target_names(el.value)]  # type: ignore[attr-defined]
    if type(target) is cst.StarredElement:
        return _target_names(target.value)
    return []


HANDLERS: dict[type, Any] = {
    cst.Call: Walker.on_call,
    cst.SimpleString: Walker.on_candidate,
    cst.ConcatenatedString: Walker.on_candidate,
    cst.FormattedString: Walker.on_candidate,
    cst.BinaryOperation: Walker.on_candidate,
    cst.Subscript: Walker.on_candidate,
    cst.Attribute: Walker.on_attribute,
    cst.Name: Walker.on_name,
    cst.Import: Walker.on_import,
    cst.ImportFrom: Walker.on_import_from,
    cst.Assign: Walker.on_assign,
    cst.AnnAssign: Walker.on_ann_assign,
    cst.AugAssign: Walker.on_aug_assign,
    cst.NamedExpr: Walker.on_named_expr,
    cst.FunctionDef: Walker.on_def,
    cst.ClassDef: Walker.on_def,
    cst.Param: Walker.on_param,
    cst.Return: Walker.on_return,
    cst.Yield: Walker.on_yield,
    cst.For: Walker.on_for,
    cst.While: Walker.on_while,
    cst.CompFor: Walker.on_comp_for,
    cst.ListComp: Walker.on_comprehension,
    cst.SetComp: Walker.on_comprehension,
    cst.DictComp: Walker.on_comprehension,
    cst.GeneratorExp: Walker.on_comprehension,
    cst.WithItem: Walker.on_with_item,
    cst.ExceptHandler: Walker.on_except,
    cst.Del: Walker.on_del,
    cst.Break: Walker.on_break,
    cst.MatchAs: Walker.on_match_as,
}


def walk(module: cst.Module, tree: ast.Module, attr_names: frozenset[str]) -> tuple[Walker, Folder]:
    """Walk `module` once; return the walker (records + name table) and a folder on it."""
    w = Walker(attr_names)
    w.run(module, tree)
    return w, w.names.folder


__all__ = ["COMPOUND_TYPES", "SMALL_TYPES", "CallSite", "Collected", "Walker", "walk"]
