"""Rules compiled into indexes once per rule set, and matched against one walk's records."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import libcst as cst

from airlock.analyzer.conditions import (
    ArgCond,
    compile_cond,
    cond_holds,
    name_matches,
    validate_match,
)
from airlock.analyzer.fold import is_plain_literal
from airlock.analyzer.invokers import passed_calls
from airlock.analyzer.resolve import arg_value, canonical, is_instance
from airlock.analyzer.rule import Rule
from airlock.analyzer.tables import table_regex

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

DROP_TABLES = ("drop_hosts", "oob_hosts", "free_hosting")
ATTR_FUNCS = frozenset(
    {"builtins.getattr", "builtins.setattr", "builtins.hasattr", "builtins.delattr"}
)


@dataclass(slots=True)
class Hit:
    """A rule matched at a node (or at a text position when `node` is None)."""

    rule: Rule
    node: cst.CSTNode | None
    name: str
    line: int = 0
    column: int = 0


def _resolves(qualname: str, on: tuple[str, ...]) -> bool:
    """`qualname` is one of `on` (`mod.*`: exactly one name inside mod)."""
    for pattern in on:
        if pattern.endswith(".*"):
            head, _, tail = qualname.rpartition(".")
            if head == pattern[:-2] and tail:
                return True
        elif qualname == pattern:
            return True
    return False


ATTRIBUTE_READERS = frozenset({"__getattribute__", "__getattr__"})


def _reads_attribute(names: Any, func: cst.BaseExpression) -> bool:
    """`func` is an object's attribute reader (`__getattribute__`), directly or through a
    name bound to one (`g = (None).__getattribute__("__class__").__getattribute__`)."""
    for _ in range(4):
        if type(func) is cst.Attribute and func.attr.value == "__call__":
            func = func.value  # `f.__getattribute__.__call__("__globals__")`
            continue
        if type(func) is cst.Attribute:
            return func.attr.value in ATTRIBUTE_READERS
        if type(func) is cst.Call:  # `getattr(f, "__getattribute__")("__globals__")`
            quals = names.qualnames(func.func)
            return bool(quals & ATTR_FUNCS) and (
                names.const_str(arg_value(func, 1, None)) in ATTRIBUTE_READERS
            )
        if type(func) is not cst.Name:
            return False
        binds = [b for b in names.bindings.get(func.value, ()) if b.kind == "value"]
        if len(binds) != 1:
            return False
        func = binds[0].payload
    return False


def _store_call(ctx: Context, node: cst.CSTNode, method: str) -> cst.Call | None:
    """`m[k] = v` as the call it amounts to, `m.__setitem__(k, v)`, for argument conditions."""
    value = ctx.collected.stored_values.get(id(node))
    if value is None or type(node) is not cst.Subscript or len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if type(index) is not cst.Index or index.star is not None:
        return None
    func = cst.Attribute(value=node.value, attr=cst.Name(method))
    return cst.Call(func=func, args=[cst.Arg(value=index.value), cst.Arg(value=value)])


def _environment_stores(ctx: Context) -> list[tuple[cst.CSTNode, cst.Call]]:
    """Variables set in bulk, as the `os.environ[k] = v` each amounts to: the items of
    `os.environ.update({...})` / `update(K=v)` and of an `env={...}` handed to a program."""
    out: list[tuple[cst.CSTNode, cst.Call]] = []
    target = cst.Attribute(value=cst.Name("os"), attr=cst.Name("environ"))
    func = cst.Attribute(value=target, attr=cst.Name("__setitem__"))
    for site in ctx.collected.calls:
        call = site.node
        mappings: list[cst.BaseExpression] = []
        pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
        f = call.func
        if (
            type(f) is cst.Attribute
            and f.attr.value == "update"
            and "os.environ" in {canonical(q) for q in ctx.names.qualnames(f.value)}
        ):
            for a in call.args:
                if a.keyword is not None:
                    pairs.append((cst.SimpleString(repr(a.keyword.value)), a.value))
                elif not a.star:
                    mappings.append(a.value)
        for a in call.args:
            if a.keyword is not None and a.keyword.value == "env":
                mappings.append(a.value)
        for m in mappings:
            if type(m) is cst.Name:
                binds = ctx.names.bindings.get(m.value, ())
                m = binds[0].payload if len(binds) == 1 and binds[0].kind == "value" else m  # type: ignore[assignment]
            if type(m) is cst.Dict:
                pairs += [(el.key, el.value) for el in m.elements if type(el) is cst.DictElement]
        for key, value in pairs:
            out.append((call, cst.Call(func=func, args=[cst.Arg(value=key), cst.Arg(value=value)])))
    return out


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


class RuleSource(Protocol):
    """What compiling needs of a rule set (`ruleset.RuleSet` is one)."""

    @property
    def effective_rules(self) -> list[Rule]: ...

    @property
    def allow_modules(self) -> tuple[str, ...]: ...

    @property
    def tables(self) -> dict[str, tuple[str, ...]]: ...


class CompiledRules:
    """The active rules of one rule set, indexed by what the walk records."""

    def __init__(self, ruleset: RuleSource) -> None:
        self.ruleset = ruleset
        self.rules = ruleset.effective_rules
        self.by_id = {r.id: r for r in self.rules}
        self.calls: dict[str, list[tuple[Rule, tuple[ArgCond, ...]]]] = {}
        self.call_prefixes: list[tuple[str, Rule, tuple[ArgCond, ...]]] = []
        # `methods:` match a method name on any receiver; their conditions say which
        self.methods: dict[str, list[tuple[Rule, tuple[ArgCond, ...]]]] = {}
        self.imports: list[tuple[tuple[str, ...], Rule]] = []
        self.attributes: dict[str, list[Rule]] = {}
        # `attribute` rules with `of:`: the attribute of an object resolving to one of these
        self.attributes_on: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        self.literals: list[tuple[re.Pattern[str], int, float, Rule]] = []
        self.checks: dict[str, list[Rule]] = {}
        self.allow_modules = tuple(ruleset.allow_modules)
        # where stolen data is dropped: the rule set's host tables, read by `drop_flow`
        self.drop_hosts = table_regex(ruleset.tables, *DROP_TABLES)
        for r in self.rules:
            kind, body = next(iter(r.match.items()))
            if kind == "call":
                conds = tuple(compile_cond(c) for c in body.get("args") or ())
                for n in body.get("methods") or ():
                    self.methods.setdefault(n, []).append((r, conds))
                for n in body.get("names") or ():
                    if n.endswith(".*"):
                        self.call_prefixes.append((n[:-1], r, conds))
                    else:
                        self.calls.setdefault(n, []).append((r, conds))
            elif kind == "import":
                self.imports.append((tuple(body["modules"]), r))
            elif kind == "attribute" and body.get("of"):
                on = tuple(body["of"])
                for n in body["names"]:
                    self.attributes_on.setdefault(n, []).append((r, on))
            elif kind == "attribute":
                for n in body["names"]:
                    self.attributes.setdefault(n, []).append(r)
            elif kind == "literal":
                self.literals.append(
                    (
                        re.compile(str(body.get("pattern") or "")),
                        int(body.get("min_length") or 0),
                        float(body.get("entropy_at_least") or 0),
                        r,
                    )
                )
            elif kind == "check":
                self.checks.setdefault(body, []).append(r)
        self.attr_names = frozenset(self.attributes) | frozenset(self.attributes_on)
        self.dangerous_names = _dangerous_names(self.rules)

    def allowed(self, qualname: str) -> bool:
        """True when `qualname` sits in an allow-listed module."""
        return any(qualname == m or qualname.startswith(m + ".") for m in self.allow_modules)

    def call_rules(
        self, qualname: str, *, wildcards: bool = True
    ) -> list[tuple[Rule, tuple[ArgCond, ...]]]:
        out = list(self.calls.get(qualname, ()))
        if not wildcards:
            return out
        for prefix, r, conds in self.call_prefixes:
            if qualname.startswith(prefix) or qualname == prefix[:-1]:
                out.append((r, conds))
        return out

    # -- matching --------------------------------------------------------------------------
    def match(self, ctx: Context) -> list[Hit]:
        hits: list[Hit] = []
        names = ctx.names
        for site in ctx.collected.calls:
            call = site.node
            effective: cst.Call | None = None
            for raw in sorted(names.qualnames(call.func)):
                q = canonical(raw)
                if self.allowed(q):
                    continue
                for rule, conds in self.call_rules(q, wildcards=not is_instance(raw)):
                    if conds and effective is None:
                        effective = names.effective_call(call)
                    if all(cond_holds(ctx, effective or call, c) for c in conds):
                        hits.append(Hit(rule, call, q))
                if q in ATTR_FUNCS and self.attributes:
                    attr = names.const_str(arg_value(call, 1, None))
                    for rule in self.attributes.get(attr or "", ()):
                        hits.append(Hit(rule, call, attr or ""))
            if self.attributes and _reads_attribute(names, call.func):
                # `x.__getattribute__("__globals__")`, `object.__getattribute__(o, "__base__")`
                # and a name bound to such a method: getattr by another spelling
                for a in call.args[:2]:
                    attr = names.const_str(a.value)
                    for rule in self.attributes.get(attr or "", ()):
                        hits.append(Hit(rule, call, attr or ""))
        # `Thread(target=os.system, args=(c,))`, `map(exec, srcs)`: a call made for us
        for carrier, passed in passed_calls(ctx):
            for raw in sorted(names.qualnames(passed.func)):
                q = canonical(raw)
                if self.allowed(q):
                    continue
                for rule, conds in self.call_rules(q, wildcards=not is_instance(raw)):
                    if all(cond_holds(ctx, passed, c) for c in conds):
                        hits.append(Hit(rule, carrier, q))
        if self.methods:
            for site in ctx.collected.calls:
                func = site.node.func
                if type(func) is not cst.Attribute:
                    continue
                for rule, conds in self.methods.get(func.attr.value, ()):
                    if all(cond_holds(ctx, site.node, c) for c in conds):
                        hits.append(Hit(rule, site.node, func.attr.value))
        # `for k in m`, `m[k] = v`, `m.a = v`, `del m[k]` are calls of m's dunder methods
        protocol = [(e, e, "__iter__") for e in ctx.collected.iterations]
        protocol += [(e, e.value, m) for e, m in ctx.collected.item_stores]
        for site in ctx.collected.calls:  # `setattr(builtins, "input", f)`
            quals = names.qualnames(site.node.func)
            if "builtins.setattr" in quals or "builtins.delattr" in quals:
                obj = arg_value(site.node, 0, None)
                if obj is not None:
                    verb = "__setattr__" if "builtins.setattr" in quals else "__delattr__"
                    protocol.append((site.node, obj, verb))
        for node, expr, method in protocol:
            for raw in names.qualnames(expr):
                q = canonical(raw)
                for rule, conds in self.call_rules(f"{q}.{method}", wildcards=False):
                    if not conds:
                        hits.append(Hit(rule, node, f"{q}.{method}"))
                        continue
                    store = _store_call(ctx, node, method)  # `m[k] = v` as `m.__setitem__(k, v)`
                    if store is not None and all(cond_holds(ctx, store, c) for c in conds):
                        hits.append(Hit(rule, node, f"{q}.{method}"))
        env_rules = self.call_rules("os.environ.__setitem__", wildcards=False)
        if any(conds for _, conds in env_rules):
            for node, store in _environment_stores(ctx):
                for rule, conds in env_rules:
                    if conds and all(cond_holds(ctx, store, c) for c in conds):
                        hits.append(Hit(rule, node, "os.environ.__setitem__"))
        if self.imports:
            for node, module, name in ctx.imported():
                full = f"{module}.{name}" if name and name != "*" else module
                if self.allowed(module):
                    continue
                for mods, rule in self.imports:
                    if any(module == m or module.startswith(m + ".") or full == m for m in mods):
                        hits.append(Hit(rule, node, full))
        listed = ctx.collected.listed  # `sorted(__builtins__.__dict__)`: names listed only
        for node in ctx.collected.attributes:
            if id(node) in listed:
                continue
            for rule in self.attributes.get(node.attr.value, ()):
                hits.append(Hit(rule, node, node.attr.value))
            for rule, on in self.attributes_on.get(node.attr.value, ()):
                owner = next((q for q in names.qualnames(node.value) if _resolves(q, on)), None)
                if owner is not None:
                    hits.append(Hit(rule, node, f"{owner}.{node.attr.value}"))
        for node in ctx.collected.dunder_names:
            if id(node) in listed:
                continue
            for rule in self.attributes.get(node.value, ()):
                hits.append(Hit(rule, node, node.value))
        if self.attributes:
            for node, key in ctx.namespace_keys():
                for rule in self.attributes.get(key, ()):
                    hits.append(Hit(rule, node, key))
        if self.literals:
            for node, value in ctx.literals():
                if id(node) in ctx.collected.bare_strings:
                    continue
                text = value.decode("latin-1") if isinstance(value, bytes) else value
                for rx, min_len, min_entropy, rule in self.literals:
                    if len(text) < min_len:
                        continue
                    m = rx.search(text)
                    if m is None:
                        continue
                    if min_entropy and entropy(text) < min_entropy:
                        continue
                    hits.append(Hit(rule, node, _short(m.group(0) or text)))
        return hits


SERIOUS = frozenset({"high", "critical"})
COMMON_WORDS = frozenset(
    [
        "open",
        "get",
        "run",
        "call",
        "read",
        "write",
        "load",
        "loads",
        "dump",
        "dumps",
        "post",
        "copy",
        "keys",
        "items",
        "values",
        "join",
        "path",
        "list",
        "dict",
        "print",
        "format",
        "split",
        "strip",
        "send",
        "recv",
        "close",
        "start",
    ]
)


def _dangerous_names(rules: list[Rule]) -> frozenset[str]:
    """Names worth hiding: what serious call/import/attribute rules watch (full and last part)."""
    out: set[str] = set()
    for r in rules:
        if r.severity.value not in SERIOUS:
            continue
        kind, body = next(iter(r.match.items()))
        if kind == "call":
            for n in body.get("names") or ():
                n = n.removesuffix(".*")
                out.update((n, n.rsplit(".", 1)[-1]))
        elif kind == "import":
            out.update(body["modules"])
        elif kind == "attribute":
            out.update(body["names"])
    return frozenset(x for x in out - COMMON_WORDS if len(x) >= 4 and x != "builtins")


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["CompiledRules", "Hit", "entropy", "is_plain_literal", "name_matches", "validate_match"]
