"""Rules compiled into indexes once per rule set, and matched against one walk's records."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import libcst as cst

from analyzer.fold import is_plain_literal
from analyzer.resolve import arg_value, canonical, is_instance

if TYPE_CHECKING:
    from analyzer.context import Context
    from analyzer.ruleset import Rule, RuleSet

ARG_KEYS = {
    "position",
    "keyword",
    "truthy",
    "matches",
    "not_matches",
    "constant",
    "derived_from",
    "resolves_to",
    "missing",
}
KIND_KEYS: dict[str, set[str]] = {
    "call": {"names", "args"},
    "import": {"modules"},
    "attribute": {"names"},
    "literal": {"pattern", "min_length", "entropy_at_least"},
}
ATTR_FUNCS = frozenset(
    {"builtins.getattr", "builtins.setattr", "builtins.hasattr", "builtins.delattr"}
)


def validate_match(match: dict[str, Any]) -> None:
    """Raise ValueError naming the bad key if `match` does not follow the schema."""
    from analyzer.checks import CHECKS

    kind, body = next(iter(match.items()))
    if kind == "check":
        if body not in CHECKS:
            raise ValueError(f"match.check: unknown check {body!r}; known: {sorted(CHECKS)}")
        return
    if not isinstance(body, dict):
        raise ValueError(f"match.{kind} must be a mapping")
    bad = set(body) - KIND_KEYS[kind]
    if bad:
        raise ValueError(f"match.{kind}: unknown key(s) {sorted(bad)}")
    for key in ("names", "modules"):
        if key in body and (
            not isinstance(body[key], list) or not all(isinstance(x, str) for x in body[key])
        ):
            raise ValueError(f"match.{kind}.{key} must be a list of names")
    if kind in ("call", "attribute") and not body.get("names"):
        raise ValueError(f"match.{kind}.names is required")
    if kind == "import" and not body.get("modules"):
        raise ValueError("match.import.modules is required")
    if kind == "literal":
        _regex("match.literal.pattern", str(body.get("pattern", "")))
    for i, cond in enumerate(body.get("args") or []):
        if not isinstance(cond, dict) or set(cond) - ARG_KEYS:
            raise ValueError(f"match.call.args[{i}]: keys must be among {sorted(ARG_KEYS)}")
        if "position" not in cond and "keyword" not in cond:
            raise ValueError(f"match.call.args[{i}]: needs position or keyword")
        for rx in ("matches", "not_matches"):
            if rx in cond:
                _regex(f"match.call.args[{i}].{rx}", str(cond[rx]))


def _regex(where: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: bad regular expression {pattern!r}: {exc}") from None


@dataclass(frozen=True, slots=True)
class ArgCond:
    """One compiled argument condition of a call rule."""

    position: int | None
    keyword: str | None
    truthy: bool | None
    matches: re.Pattern[str] | None
    not_matches: re.Pattern[str] | None
    constant: bool | None
    derived_from: tuple[str, ...]
    resolves_to: tuple[str, ...]
    missing: bool | None


@dataclass(slots=True)
class Hit:
    """A rule matched at a node (or at a text position when `node` is None)."""

    rule: Rule
    node: cst.CSTNode | None
    name: str
    line: int = 0
    column: int = 0


def name_matches(name: str, patterns: tuple[str, ...]) -> bool:
    """`name` equals a pattern, or sits below a `mod.*` pattern.

    A method of a call's result (`requests.get().json`) matches only exactly, by its
    canonical name (`requests.get.json`): `requests.*` means the module's own names.
    """
    if is_instance(name):
        canon = canonical(name)
        return any(p == canon for p in patterns)
    for p in patterns:
        if p.endswith(".*"):
            if name.startswith(p[:-1]) or name == p[:-2]:
                return True
        elif name == p:
            return True
    return False


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


class CompiledRules:
    """The active rules of one rule set, indexed by what the walk records."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.rules = ruleset.effective_rules
        self.by_id = {r.id: r for r in self.rules}
        self.calls: dict[str, list[tuple[Rule, tuple[ArgCond, ...]]]] = {}
        self.call_prefixes: list[tuple[str, Rule, tuple[ArgCond, ...]]] = []
        self.imports: list[tuple[tuple[str, ...], Rule]] = []
        self.attributes: dict[str, list[Rule]] = {}
        self.literals: list[tuple[re.Pattern[str], int, float, Rule]] = []
        self.checks: dict[str, list[Rule]] = {}
        self.allow_modules = tuple(ruleset.allow_modules)
        for r in self.rules:
            kind, body = next(iter(r.match.items()))
            if kind == "call":
                conds = tuple(_compile_cond(c) for c in body.get("args") or ())
                for n in body["names"]:
                    if n.endswith(".*"):
                        self.call_prefixes.append((n[:-1], r, conds))
                    else:
                        self.calls.setdefault(n, []).append((r, conds))
            elif kind == "import":
                self.imports.append((tuple(body["modules"]), r))
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
        self.attr_names = frozenset(self.attributes)
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
                    if all(_cond_holds(ctx, effective or call, c) for c in conds):
                        hits.append(Hit(rule, call, q))
                if q in ATTR_FUNCS and self.attributes:
                    attr = names.const_str(arg_value(call, 1, None))
                    for rule in self.attributes.get(attr or "", ()):
                        hits.append(Hit(rule, call, attr or ""))
        # `for k in m` / `m[k] = v` / `del m[k]` are calls of m's dunder methods
        protocol = [(e, e, "__iter__") for e in ctx.collected.iterations]
        protocol += [(e, e.value, m) for e, m in ctx.collected.item_stores]
        for node, expr, method in protocol:
            for raw in names.qualnames(expr):
                q = canonical(raw)
                for rule, conds in self.call_rules(f"{q}.{method}", wildcards=False):
                    if not conds:
                        hits.append(Hit(rule, node, f"{q}.{method}"))
        if self.imports:
            for node, module, name in ctx.imported():
                full = f"{module}.{name}" if name and name != "*" else module
                if self.allowed(module):
                    continue
                for mods, rule in self.imports:
                    if any(module == m or module.startswith(m + ".") or full == m for m in mods):
                        hits.append(Hit(rule, node, full))
        for node in ctx.collected.attributes:
            for rule in self.attributes.get(node.attr.value, ()):
                hits.append(Hit(rule, node, node.attr.value))
        for node in ctx.collected.dunder_names:
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
            for n in body["names"]:
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


def _compile_cond(c: dict[str, Any]) -> ArgCond:
    derived = c.get("derived_from") or ()
    return ArgCond(
        position=c.get("position"),
        keyword=c.get("keyword"),
        truthy=c.get("truthy"),
        matches=re.compile(c["matches"]) if c.get("matches") else None,
        not_matches=re.compile(c["not_matches"]) if c.get("not_matches") else None,
        constant=c.get("constant"),
        derived_from=tuple(derived),
        resolves_to=tuple(c.get("resolves_to") or ()),
        missing=c.get("missing"),
    )


def _cond_holds(ctx: Context, call: cst.Call, c: ArgCond) -> bool:
    expr = arg_value(call, c.position, c.keyword)
    if expr is None:
        if c.position is not None and any(a.star for a in call.args):
            return c.missing is not True  # `f(*args)`: the argument may be there
        return bool(c.missing)
    if c.missing:
        return False
    value: Any = None
    if c.truthy is not None or c.constant is not None:
        value = ctx.folder.fold(expr)
    if c.constant is not None and (value is not None) != c.constant:
        return False
    if c.truthy is not None:
        if value is None and not (isinstance(expr, cst.Name) and expr.value == "None"):
            return False
        if bool(value) != c.truthy:
            return False
    if c.matches or c.not_matches:
        texts = ctx.possible_texts(expr)
        if not texts and c.matches:
            return False
        if texts and not any(
            (c.matches is None or c.matches.search(t))
            and (c.not_matches is None or not c.not_matches.search(t))
            for t in texts
        ):
            return False
    if c.resolves_to and not any(
        not is_instance(q) and name_matches(q, c.resolves_to) for q in ctx.names.qualnames(expr)
    ):
        return False
    if c.derived_from:
        sources = ctx.names.sources(expr)
        if not any(name_matches(s, c.derived_from) for s in sources):
            return False
    return True


__all__ = ["CompiledRules", "Hit", "entropy", "is_plain_literal", "name_matches", "validate_match"]
