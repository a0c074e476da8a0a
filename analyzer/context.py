"""Everything known about one parsed source after the walk, shared by matchers and checks."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

import libcst as cst

from airlock.analyzer.engine import Collected, Walker
from airlock.analyzer.fold import DECODERS, STR_METHODS, Folder, is_plain_literal
from airlock.analyzer.parse import Parsed
from airlock.analyzer.positions import Positions
from airlock.analyzer.resolve import (
    GLOBALS,
    IMPORT_MODULE,
    IMPORTERS,
    NAME_RESOLVERS,
    NameTable,
    arg_value,
)
from airlock.analyzer.taint import Origins
from airlock.analyzer.template import (
    ENV_READS,
    HOLE,
    HOME_CALLS,
    PATH_JOINS,
    SAME_PATH_METHODS,
    Templater,
)

TEMPLATE_OPS = frozenset({cst.Add, cst.Divide, cst.Modulo})
TEMPLATE_METHODS = frozenset({"format", "joinpath", *SAME_PATH_METHODS})
TEMPLATE_CALLS = frozenset({*PATH_JOINS, *HOME_CALLS, *ENV_READS})
FOLDING_CALLS = frozenset({*DECODERS, "builtins.map"})
ARGV_CALLS = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "asyncio.create_subprocess")
VARARG_CALLS = ("os.execl", "os.spawnl", "asyncio.create_subprocess_exec")
MAX_ELEMENTS = 32  # elements of a literal loop sequence tried one by one
MAX_BINDINGS = 8  # bindings of one name whose texts are each read
UNKNOWN = object()  # where a use sits is not recorded
# calls that return their receiver's or argument's path or text, normalised
NORMALISING = frozenset(
    {"expanduser", "expandvars", "resolve", "absolute", "strip", "abspath", "normpath", "Path"}
)
DYNAMIC_IMPORTERS = IMPORTERS | IMPORT_MODULE | NAME_RESOLVERS
OWN_MODULE_NAMES = frozenset({"__name__", "__package__", "__spec__"})
NAMESPACE_METHODS = frozenset({"get", "__getitem__", "pop", "setdefault", "__setitem__"})


def is_namespace(qualname: str) -> bool:
    """A mapping whose keys are names: a module's `__dict__`, `globals()`, `sys.modules`."""
    return qualname.endswith(".__dict__") or qualname in (GLOBALS, "builtins", "sys.modules")


class Context:
    """One source: text, trees, walk records, name table and folder."""

    def __init__(self, parsed: Parsed, walker: Walker, folder: Folder) -> None:
        self.parsed = parsed
        self.text = parsed.text
        self.collected: Collected = walker.out
        self.names: NameTable = walker.names
        self.folder = folder
        self.positions = Positions(parsed.text, parsed.module, walker.out.stmt_of)
        self._param_active: set[str] = set()  # parameters whose call sites are being read
        self._names_active: set[str] = set()  # names whose bindings are being read
        self._binding_memo: dict[tuple[str, object], list[str]] = {}

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def imported(self) -> Iterator[tuple[cst.CSTNode, str, str | None]]:
        """Static imports, then dynamic ones whose module name folds to a constant."""
        yield from self.collected.imports
        for call, module, _computed in self.dynamic_imports():
            if module:
                yield call, module, None

    @cached_property
    def _dynamic_imports(self) -> list[tuple[cst.Call, str | None, bool]]:
        out = []
        for site in self.collected.calls:
            quals = self.names.qualnames(site.node.func)
            if not quals or quals.isdisjoint(DYNAMIC_IMPORTERS):
                continue
            arg = arg_value(site.node, 0, "name")
            module = self.names.const_str(arg)
            if module and not quals.isdisjoint(NAME_RESOLVERS):
                module = module.replace(":", ".")  # `pkgutil.resolve_name("os:system")`
            if type(arg) is cst.Name and arg.value in OWN_MODULE_NAMES:
                continue  # `__import__(__name__)`: the script's own module, already loaded
            computed = arg is None or not (is_plain_literal(arg) or self._plain_parameter(arg))
            out.append((site.node, module, computed))
        return out

    def _plain_parameter(self, arg: cst.BaseExpression) -> bool:
        """A parameter of the snippet's own function that every call of it passes as a plain
        literal (or that no call here passes at all): `def load(name): import_module(name)`
        is a plugin loader, not a hidden import."""
        if type(arg) is not cst.Name:
            return False
        binds = self.names.bindings.get(arg.value, ())
        if not binds or any(b.kind != "param" or not isinstance(b.payload, str) for b in binds):
            return False
        passed = Origins(self)._arguments(binds[0].payload, arg.value)  # type: ignore[arg-type]
        return all(is_plain_literal(v) for v in passed)

    def dynamic_imports(self) -> list[tuple[cst.Call, str | None, bool]]:
        """`__import__(x)` / `import_module(x)` / `pydoc.locate(x)` calls: (call, folded
        module or None, computed)."""
        return self._dynamic_imports

    def namespace_lookups(self) -> list[tuple[cst.CSTNode, cst.BaseExpression | None]]:
        """`ns[key]` / `ns.get(key)` on a namespace mapping: (node, key expression)."""
        return self._namespace_lookups

    @cached_property
    def _namespace_lookups(self) -> list[tuple[cst.CSTNode, cst.BaseExpression | None]]:
        # Computed once per source: the rules and the checks both read it.
        out: list[tuple[cst.CSTNode, cst.BaseExpression | None]] = []
        for node in self.collected.candidates:
            tp = type(node)
            if tp is cst.Subscript and len(node.slice) == 1:  # type: ignore[attr-defined]
                s = node.slice[0].slice  # type: ignore[attr-defined]
                if isinstance(s, cst.Index) and any(
                    is_namespace(q)
                    for q in self.names.qualnames(node.value)  # type: ignore[attr-defined]
                ):
                    out.append((node, s.value))
            elif tp is cst.Call:
                func = node.func  # type: ignore[attr-defined]
                if (
                    type(func) is cst.Attribute
                    and func.attr.value in NAMESPACE_METHODS
                    and any(is_namespace(q) for q in self.names.qualnames(func.value))
                ):
                    out.append((node, arg_value(node, 0, None)))  # type: ignore[arg-type]
        return out

    def namespace_keys(self) -> Iterator[tuple[cst.CSTNode, str]]:
        """Namespace lookups whose key folds to a string."""
        for node, key in self.namespace_lookups():
            value = self.names.const_str(key)
            if value is not None:
                yield node, value

    @cached_property
    def _string_roots(self) -> list[tuple[cst.BaseExpression, str | bytes, bool]]:
        out: list[tuple[cst.BaseExpression, Any, bool]] = []
        consumed: set[int] = set()
        for node in self.collected.candidates:
            if id(node) in consumed:
                continue
            if type(node) is cst.Call and not self._may_fold(node):
                continue
            value, touched = self.folder.fold_tracking(node)
            if isinstance(value, (str, bytes)):
                consumed |= touched
                out.append((node, value, not is_plain_literal(node)))
        return out

    def _may_fold(self, call: cst.Call) -> bool:
        func = call.func
        if type(func) is cst.Attribute and func.attr.value in STR_METHODS:
            return True
        quals = self.names.qualnames(func)
        return bool(quals) and not quals.isdisjoint(FOLDING_CALLS)

    @cached_property
    def _literals(self) -> list[tuple[cst.BaseExpression, str | bytes]]:
        roots = self.string_roots()
        root_ids = {id(node) for node, _, _ in roots}
        covered: set[int] = set()
        out: list[tuple[cst.BaseExpression, str | bytes]] = []
        templater = Templater(self.folder)
        for node in self.collected.candidates:
            if id(node) in covered or id(node) in root_ids or not self._may_template(node):
                continue
            text = templater.template(node)
            if text is not None and (HOLE in text or type(node) is not cst.FormattedString):
                covered |= templater.touched
                out.append((node, text))
        out.extend((node, value) for node, value, _ in roots if id(node) not in covered)
        out.extend(self._command_lines(templater))
        return out

    def _command_lines(self, templater: Templater) -> list[tuple[cst.BaseExpression, str]]:
        """Argument vectors of process calls, joined as the command line they run, so
        command-string rules see `["chmod", "u+s", p]` as `chmod u+s {}`."""
        out: list[tuple[cst.BaseExpression, str]] = []
        for site in self.collected.calls:
            call = site.node
            quals = self.names.qualnames(call.func)
            if not quals or not any(q.startswith(ARGV_CALLS) for q in quals):
                continue
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            argv = next((a for a in positional if type(a) in (cst.List, cst.Tuple)), None)
            if argv is not None:
                items = [el.value for el in argv.elements]  # type: ignore[attr-defined]
            elif any(q.startswith(VARARG_CALLS) for q in quals):
                items = positional
            else:
                continue
            if len(items) < 2:
                continue
            parts = [templater.template(x) for x in items]
            line = " ".join(HOLE if t is None else t for t in parts)
            if line.replace(HOLE, "").strip():
                out.append((call, line))
        return out

    def _may_template(self, node: cst.CSTNode) -> bool:
        tp = type(node)
        if tp is cst.FormattedString:
            return True
        if tp is cst.BinaryOperation:
            return type(node.operator) in TEMPLATE_OPS  # type: ignore[attr-defined]
        if tp is cst.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is cst.Attribute and func.attr.value in TEMPLATE_METHODS:
                return True
            quals = self.names.qualnames(func)
            return bool(quals) and not quals.isdisjoint(TEMPLATE_CALLS)
        return False

    def literals(self) -> list[tuple[cst.BaseExpression, str | bytes]]:
        """What literal rules see: every outermost constant string, and every partially
        constant one as a template (`f'/proc/{pid}/environ'` → `/proc/{}/environ`)."""
        return self._literals

    def possible_texts(self, expr: cst.BaseExpression) -> list[str]:
        """Texts `expr` may have: its folded value; for a loop variable over a literal
        sequence, each element; for a list or tuple (an argv), its elements joined by
        spaces; else its template (constant parts, `{}` for holes)."""
        value = self.folder.fold(expr)
        if isinstance(value, (str, bytes, int, float)) and not isinstance(value, bool):
            return [value.decode("latin-1") if isinstance(value, bytes) else str(value)]
        templater = Templater(self.folder)
        if type(expr) is cst.Name:
            binds = self.names.bindings.get(expr.value, ())
            if binds and all(b.kind == "flow" for b in binds):
                out: list[str] = []
                for b in binds:
                    seq = b.payload
                    if type(seq) in (cst.Tuple, cst.List, cst.Set):
                        for el in seq.elements:  # type: ignore[attr-defined]
                            text = templater.template(el.value)
                            if text is not None:
                                out.append(text)
                return out
            if binds and all(b.kind == "param" for b in binds):
                return self._argument_texts(expr.value, binds, expr)
            if 1 < len(binds) <= MAX_BINDINGS and all(b.kind in ("value", "param") for b in binds):
                return self._binding_texts(expr, binds)
        if type(expr) in (cst.List, cst.Tuple):  # an argv list reads as its command line
            parts = [templater.template(el.value) for el in expr.elements]  # type: ignore[attr-defined]
            line = " ".join(HOLE if t is None else t for t in parts)
            return [line] if line.replace(HOLE, "").strip() else []
        text = templater.template(expr)
        if text is not None and HOLE in text:
            expanded = self._per_element(expr)
            if expanded:
                return expanded
        return [text] if text is not None else []

    @cached_property
    def _def_of_operand(self) -> dict[int, str]:
        """The innermost `def` holding each call's receiver and arguments (by node id)."""
        out: dict[int, str] = {}
        for fn, calls in self.collected.calls_in.items():
            for call in calls:
                if type(call.func) is cst.Attribute:
                    out[id(call.func.value)] = fn
                for a in call.args:
                    out[id(a.value)] = fn
        return out

    def _argument_texts(self, name: str, binds: list[Any], use: cst.BaseExpression) -> list[str]:
        """Texts a parameter of the snippet's own function may have: those of the arguments
        its calls pass (`render("{u.__init__.__globals__}", u)` for `template.format`).
        Where the use sits in a known `def`, only that function's parameter counts."""
        if name in self._param_active:
            return []  # recursion through the snippet's own calls
        owner = self._def_of_operand.get(id(use))
        if owner is not None:
            binds = [b for b in binds if b.payload == owner] or binds
        origins = getattr(self, "_origins", None)
        if origins is None:
            origins = self._origins = Origins(self)
        self._param_active.add(name)
        try:
            out: list[str] = []
            for b in binds:
                if isinstance(b.payload, str):
                    for value in origins._arguments(b.payload, name)[:MAX_ELEMENTS]:
                        out.extend(self.possible_texts(value))
            return out
        finally:
            self._param_active.discard(name)

    def _binding_texts(self, use: cst.Name, binds: list[Any]) -> list[str]:
        """Texts of a name bound several times (branches, a parameter normalised in place:
        `rc = rc.expanduser()`): those of every binding; a rebinding that only normalises
        the name's own path or text adds nothing new."""
        name = use.value
        owner = self._def_of_operand.get(id(use), self.collected.def_of.get(id(use), UNKNOWN))
        if owner is not UNKNOWN:  # only the bindings of the function the use is in
            binds = [b for b in binds if b.scope == owner] or [b for b in binds if b.scope is None]
        key = (name, owner)
        cached = self._binding_memo.get(key)
        if cached is not None:
            return cached
        if name in self._names_active:
            return []
        self._names_active.add(name)
        try:
            out: list[str] = []
            params = [b for b in binds if b.kind == "param"]
            if params:
                out.extend(self._argument_texts(name, params, use))
            for b in binds:
                if len(out) >= MAX_ELEMENTS:
                    break
                if b.kind == "value" and not _normalises(b.payload, name):
                    out.extend(self.possible_texts(b.payload))
            result = self._binding_memo[key] = out[:MAX_ELEMENTS]
            return result
        finally:
            self._names_active.discard(name)

    def _per_element(self, expr: cst.BaseExpression) -> list[str]:
        """Templates of `expr` with a loop variable inside it (over a literal sequence of
        constants) bound to each element: `Path.home() / rc` for rc in (".zshrc", …)."""
        found = self._loop_var(expr, 0)
        if found is None:
            return []
        name, elements = found
        out = []
        for el in elements[:MAX_ELEMENTS]:
            value = self.folder.fold(el)
            if value is None:
                continue
            with self.folder.bound(name, value):
                text = Templater(self.folder).template(expr)
            if text is not None:
                out.append(text)
        return out

    def _loop_var(self, e: cst.BaseExpression, depth: int) -> tuple[str, list[Any]] | None:
        if depth > 8:
            return None
        tp = type(e)
        if tp is cst.Name:
            binds = self.names.bindings.get(e.value, ())  # type: ignore[attr-defined]
            if len(binds) == 1 and binds[0].kind == "flow":
                seq = binds[0].payload
                if type(seq) in (cst.Tuple, cst.List, cst.Set):
                    return e.value, [el.value for el in seq.elements]  # type: ignore[attr-defined]
            if len(binds) == 1 and binds[0].kind == "value":
                return self._loop_var(binds[0].payload, depth + 1)  # type: ignore[arg-type]
            return None
        if tp is cst.BinaryOperation:
            parts = [e.left, e.right]  # type: ignore[attr-defined]
        elif tp is cst.Call:
            parts = [e.func, *(a.value for a in e.args)]  # type: ignore[attr-defined]
        elif tp is cst.Attribute:
            parts = [e.value]  # type: ignore[attr-defined]
        elif tp is cst.FormattedString:
            parts = [
                p.expression
                for p in e.parts  # type: ignore[attr-defined]
                if type(p) is cst.FormattedStringExpression
            ]
        else:
            return None
        for part in parts:
            found = self._loop_var(part, depth + 1)
            if found is not None:
                return found
        return None

    def string_roots(self) -> list[tuple[cst.BaseExpression, str | bytes, bool]]:
        """Outermost string expressions that fold: (node, value, computed?)."""
        return self._string_roots


def _normalises(value: object, name: str) -> bool:
    """`value` is `name` normalised (`name.expanduser()`, `os.path.expanduser(name)`,
    `Path(name)`): a rebinding that keeps what `name` already names."""
    if type(value) is not cst.Call:
        return False
    func = value.func
    attr = func.attr.value if type(func) is cst.Attribute else getattr(func, "value", None)
    if attr not in NORMALISING:
        return False
    if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value == name:
        return True
    return any(type(a.value) is cst.Name and a.value.value == name for a in value.args)
