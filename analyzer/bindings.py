"""Walk handlers that bind names into the alias table: imports, definitions, parameters,
annotated and walrus assignments, `with … as`, `except … as`, `match … as`, returns.

`Walker` (engine.py) mixes these in; they record nothing for the rules except imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.identifiers import norm

if TYPE_CHECKING:
    from airlock.analyzer.records import Collected
    from airlock.analyzer.resolve import NameTable


class BindingHandlers:
    """Handlers that only (or mostly) bind names; `Walker` supplies the state."""

    names: NameTable
    out: Collected
    scopes: list[tuple[str, str]]

    def record(self, n: cst.CSTNode) -> None:  # pragma: no cover - provided by Walker
        raise NotImplementedError

    def children(self, n: cst.CSTNode) -> None:  # pragma: no cover - provided by Walker
        raise NotImplementedError

    def on_import(self, n: cst.Import) -> bool:
        self.record(n)
        for alias in n.names:
            full = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names.bind(alias.asname.name.value, "import", full)
            else:
                self.names.bind(full.split(".")[0], "import", full.split(".")[0])
            self.out.imports.append((n, full, None))
        return False

    def on_import_from(self, n: cst.ImportFrom) -> bool:
        self.record(n)
        if n.relative or n.module is None:
            if not isinstance(n.names, cst.ImportStar):
                for alias in n.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    if isinstance(bound, cst.Name):
                        self.names.bind(bound.value, "opaque")
            return False
        module = _dotted(n.module)
        if isinstance(n.names, cst.ImportStar):
            self.out.imports.append((n, module, "*"))
            self.names.star_modules.append(module)
            return False
        for alias in n.names:
            name = _dotted(alias.name)
            bound = alias.asname.name if alias.asname else alias.name
            if isinstance(bound, cst.Name):
                self.names.bind(bound.value, "import", f"{module}.{name}")
            self.out.imports.append((n, module, name))
        return False

    def on_return(self, n: cst.Return) -> None:
        for kind, name in reversed(self.scopes):
            if kind == "def":
                if n.value is not None:
                    self.record(n.value)  # `__reduce__` returning `(os.system, …)`
                    self.names.returns.setdefault(name, []).append(n.value)
                break

    def on_yield(self, n: cst.Yield) -> None:
        """What a generator yields is what iterating its call gives: a return value too."""
        value = n.value.item if isinstance(n.value, cst.From) else n.value
        if value is not None:
            for kind, name in reversed(self.scopes):
                if kind == "def":
                    self.names.returns.setdefault(name, []).append(value)
                    break

    def on_ann_assign(self, n: cst.AnnAssign) -> None:
        if n.value is not None:
            self.names.bind_target(n.target, "value", n.value)
        else:
            self.names.bind_target(n.target, "opaque", None)

    def on_named_expr(self, n: cst.NamedExpr) -> None:
        self.names.bind_target(n.target, "value", n.value)

    def on_def(self, n: cst.FunctionDef | cst.ClassDef) -> bool:
        self.names.bind(n.name.value, "opaque")
        for dec in n.decorators:  # a decorator that runs code is reported here
            self.record(dec.decorator)
        if type(n) is cst.ClassDef:
            self.names.class_methods.setdefault(norm(n.name.value), [])
            if n.decorators:
                self.names.decorated_classes.append(n)
        if type(n) is cst.FunctionDef:  # its parameters take the arguments of its calls
            self.names.functions.setdefault(n.name.value, []).append(n)
            if self.scopes and self.scopes[-1][0] == "class":
                self.names.class_methods.setdefault(norm(self.scopes[-1][1]), []).append(
                    n.name.value
                )
        self.scopes.append(("class" if type(n) is cst.ClassDef else "def", n.name.value))
        outer = self.names.scope
        if type(n) is cst.FunctionDef:
            self.names.scope = n.name.value
        try:
            self.children(n)
        finally:
            self.scopes.pop()
            self.names.scope = outer
        return False

    def on_param(self, n: cst.Param) -> None:
        owner = next((name for kind, name in reversed(self.scopes) if kind == "def"), None)
        self.names.bind(n.name.value, "param", owner)

    def on_with_item(self, n: cst.WithItem) -> None:
        if n.asname is not None:
            self.names.bind_target(n.asname.name, "flow", n.item)

    def on_except(self, n: cst.ExceptHandler) -> None:
        if n.name is not None and isinstance(n.name.name, cst.Name):
            self.names.bind(n.name.name.value, "opaque")

    def on_match_as(self, n: cst.MatchAs) -> None:
        if n.name is not None:
            self.names.bind(n.name.value, "opaque")


def _dotted(n: cst.BaseExpression) -> str:
    if isinstance(n, cst.Name):
        return n.value
    if isinstance(n, cst.Attribute):
        return f"{_dotted(n.value)}.{n.attr.value}"
    return ""
