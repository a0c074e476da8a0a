"""Value flow from sources to sinks: verdicts from where data goes, not what sits nearby.

`Origins` follows an expression back to the nodes its value may come from: through
assignments, unpacking, `with`/`for` targets, containers filled in place (`d[k] = v`,
`xs.append(v)`), attributes stored anywhere (`self.token = v`), f-strings, `%`/`format`/
`join`/concatenation, comprehensions, lambdas, the return values of the snippet's own
functions and, for their parameters, the arguments of every call to them. Each origin
is classified (analyzer/sources.py) and each sink call (analyzer/sinks.py) asks where
its arguments come from. The finding sits on the sink and names the source:
`os.environ (line 3) → requests.post`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.identifiers import norm
from airlock.analyzer.resolve import arg_value, canonical
from airlock.analyzer.sources import FILE, SECRET_NAME, WHOLE_ENV, source_of

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

MAX_DEPTH = 40
MAX_ORIGINS = 512  # origins kept per expression: enough for any real flow, bounded for hostile code

# Kinds of source; STRONG ones reaching the network are exfiltration (block), the rest


class Origins:
    """Where values come from, for one analysed source."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.names = ctx.names
        self.memo: dict[int, tuple[cst.CSTNode, ...]] = {}
        self._calls_to: dict[str, list[cst.Call]] | None = None
        self._sources: dict[int, tuple[str, str] | None] = {}
        self._args_memo: dict[tuple[str, str], list[cst.BaseExpression]] = {}
        self.walk_roots: dict[int, str | None] = {}

    def source(self, node: cst.CSTNode) -> tuple[str, str] | None:
        """`source_of(node)`, once per node."""
        key = id(node)
        if key not in self._sources:
            self._sources[key] = source_of(self.ctx, node)
        return self._sources[key]

    def calls_to(self, name: str) -> list[cst.Call]:
        if self._calls_to is None:
            index: dict[str, list[cst.Call]] = {}
            for site in self.ctx.collected.calls:
                f = site.node.func
                key = (
                    f.value
                    if type(f) is cst.Name
                    else f.attr.value
                    if type(f) is cst.Attribute
                    else None
                )
                if key is not None and key in self.names.functions:
                    index.setdefault(key, []).append(site.node)
            self._calls_to = index
        return self._calls_to.get(name, [])

    def of(self, expr: cst.BaseExpression | None, depth: int = 0) -> tuple[cst.CSTNode, ...]:
        """The origins of `expr`, each once, in the order the source reaches them (never
        by memory address: the same source names the same origin on every run)."""
        if expr is None or depth > MAX_DEPTH:
            return ()
        key = id(expr)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        self.memo[key] = ()  # cycle guard
        out: dict[cst.CSTNode, None] = {}
        self._collect(expr, depth + 1, out)
        result = tuple(out)[:MAX_ORIGINS]
        self.memo[key] = result
        return result

    def _collect(self, e: cst.BaseExpression, d: int, out: dict[cst.CSTNode, None]) -> None:
        tp = type(e)
        names = self.names
        if tp is cst.Call:
            out[e] = None
            src = self.source(e)
            if src is not None and src[0] != FILE:
                return  # a source: what it was computed from does not matter (a file's
                # contents still lead on to where its path came from)
            func = e.func  # type: ignore[attr-defined]
            if type(func) is cst.Attribute:
                out.update(dict.fromkeys(self.of(func.value, d)))
            elif type(func) is cst.Name and func.value in names.returns:
                for value in names.returns[func.value]:
                    out.update(dict.fromkeys(self.of(value, d)))
            elif type(func) is cst.Lambda:
                out.update(dict.fromkeys(self.of(func.body, d)))
            for a in e.args:  # type: ignore[attr-defined]
                out.update(dict.fromkeys(self.of(a.value, d)))
        elif tp is cst.Name:
            name = norm(e.value)  # type: ignore[attr-defined]
            if names.qualnames(e) or SECRET_NAME.search(name):
                out[e] = None  # a module-level name, or a value named like a secret
            own_loop = names.loop_use.get(id(e))
            for b in names.bindings.get(name, ()):
                if (
                    own_loop is not None
                    and b.kind == "flow"
                    and b.payload is not own_loop
                    and id(b.payload) in names.loop_iters
                ):
                    continue  # the variable of another loop that reuses the name
                if b.kind in ("value", "flow"):
                    out.update(dict.fromkeys(self.of(b.payload, d)))  # type: ignore[arg-type]
                elif b.kind == "param" and isinstance(b.payload, str):
                    for value in self._arguments(b.payload, name):
                        out.update(dict.fromkeys(self.of(value, d)))
            for value in names.stored_into.get(name, ()):
                out.update(dict.fromkeys(self.of(value, d)))
        elif tp is cst.Attribute:
            if names.qualnames(e):
                out[e] = None
                if {canonical(q) for q in names.qualnames(e)} & WHOLE_ENV:
                    return
            out.update(dict.fromkeys(self.of(e.value, d)))  # type: ignore[attr-defined]
            for value in names.attr_values.get(e.attr.value, ()):  # type: ignore[attr-defined]
                out.update(dict.fromkeys(self.of(value, d)))
            owner = e.value  # type: ignore[attr-defined]
            if type(owner) is cst.Name:
                for value in names.class_attrs.get((norm(owner.value), e.attr.value), ()):  # type: ignore[attr-defined]
                    out.update(dict.fromkeys(self.of(value, d)))
        elif tp is cst.Subscript:
            base = {canonical(q) for q in names.qualnames(e.value)}  # type: ignore[attr-defined]
            if base & WHOLE_ENV:
                out[e] = None  # one named variable, not the whole environment
                return
            out.update(dict.fromkeys(self.of(e.value, d)))  # type: ignore[attr-defined]
        else:
            for child in _value_children(e):
                out.update(dict.fromkeys(self.of(child, d)))

    def _arguments(self, func: str, param: str) -> list[cst.BaseExpression]:
        """The arguments every call of the snippet's function `func` passes as `param`
        (none for `self` / `cls`: the instance, whose attributes flow on their own)."""
        if param in ("self", "cls"):
            return []
        key = (func, param)
        cached = self._args_memo.get(key)
        if cached is None:
            cached = self._args_memo[key] = self._find_arguments(func, param)
        return cached

    def _find_arguments(self, func: str, param: str) -> list[cst.BaseExpression]:
        out: list[cst.BaseExpression] = []
        for fd in self.names.functions.get(func, ()):
            params = [*fd.params.posonly_params, *fd.params.params]
            names = [p.name.value for p in params]
            if param not in names and param not in [p.name.value for p in fd.params.kwonly_params]:
                continue
            index = names.index(param) if param in names else None
            for call in self.calls_to(func):
                i = index
                if (
                    i is not None
                    and type(call.func) is cst.Attribute
                    and names[:1] in (["self"], ["cls"])
                ):
                    i -= 1
                value = arg_value(call, i if i is not None and i >= 0 else None, param)
                if value is not None:
                    out.append(value)
                elif any(a.star for a in call.args):
                    out.extend(a.value for a in call.args if a.star)
        return out


def _value_children(e: cst.BaseExpression) -> list[cst.BaseExpression]:
    tp = type(e)
    if tp is cst.BinaryOperation or tp is cst.BooleanOperation:
        return [e.left, e.right]  # type: ignore[attr-defined]
    if tp is cst.ConcatenatedString:
        return [e.left, e.right]  # type: ignore[attr-defined]
    if tp in (cst.List, cst.Tuple, cst.Set):
        return [el.value for el in e.elements]  # type: ignore[attr-defined]
    if tp is cst.Dict:
        out = []
        for el in e.elements:  # type: ignore[attr-defined]
            if type(el) is cst.DictElement:
                out.append(el.key)
            out.append(el.value)
        return out
    if tp is cst.FormattedString:
        return [p.expression for p in e.parts if type(p) is cst.FormattedStringExpression]  # type: ignore[attr-defined]
    if tp in (cst.ListComp, cst.SetComp, cst.GeneratorExp):
        return [e.elt, e.for_in.iter]  # type: ignore[attr-defined]
    if tp is cst.DictComp:
        return [e.key, e.value, e.for_in.iter]  # type: ignore[attr-defined]
    if tp is cst.IfExp:
        return [e.body, e.orelse]  # type: ignore[attr-defined]
    if tp is cst.Await:
        return [e.expression]  # type: ignore[attr-defined]
    if tp is cst.NamedExpr:
        return [e.value]  # type: ignore[attr-defined]
    if tp is cst.Lambda:
        return [e.body]  # type: ignore[attr-defined]
    if tp is cst.UnaryOperation:
        return [e.expression]  # type: ignore[attr-defined]
    if tp is cst.StarredElement:
        return [e.value]  # type: ignore[attr-defined]
    return []
