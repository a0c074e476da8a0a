"""Argument conditions of `call` rules: the schema, compiled form and evaluation.

A condition looks at one argument (by position or keyword), with `any_argument` at
every argument (it holds when one does), or with `receiver` at the object a method is
called on; see rules/README.md for every key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import libcst as cst

from airlock.analyzer.resolve import arg_value, canonical, is_instance

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

ARG_KEYS = {
    "position",
    "receiver",
    "any_argument",
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
    "call": {"names", "methods", "args"},
    "import": {"modules"},
    "attribute": {"names"},
    "literal": {"pattern", "min_length", "entropy_at_least"},
}


def validate_match(match: dict[str, Any]) -> None:
    """Raise ValueError naming the bad key if `match` does not follow the schema."""
    from airlock.analyzer.checks import CHECKS

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
    if kind == "call" and not (body.get("names") or body.get("methods")):
        raise ValueError("match.call needs names or methods")
    if kind == "attribute" and not body.get("names"):
        raise ValueError(f"match.{kind}.names is required")
    if "methods" in body and (
        not isinstance(body["methods"], list)
        or not all(isinstance(x, str) for x in body["methods"])
    ):
        raise ValueError("match.call.methods must be a list of method names")
    if kind == "import" and not body.get("modules"):
        raise ValueError("match.import.modules is required")
    if kind == "literal":
        _regex("match.literal.pattern", str(body.get("pattern", "")))
    for i, cond in enumerate(body.get("args") or []):
        if not isinstance(cond, dict) or set(cond) - ARG_KEYS:
            raise ValueError(f"match.call.args[{i}]: keys must be among {sorted(ARG_KEYS)}")
        if not (
            {"position", "keyword"} & set(cond) or cond.get("receiver") or cond.get("any_argument")
        ):
            raise ValueError(
                f"match.call.args[{i}]: needs position, keyword, receiver or any_argument"
            )
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
    receiver: bool
    any_argument: bool
    truthy: bool | None
    matches: re.Pattern[str] | None
    not_matches: re.Pattern[str] | None
    constant: bool | None
    derived_from: tuple[str, ...]
    resolves_to: tuple[str, ...]
    missing: bool | None


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


def compile_cond(c: dict[str, Any]) -> ArgCond:
    derived = c.get("derived_from") or ()
    return ArgCond(
        position=c.get("position"),
        keyword=c.get("keyword"),
        receiver=bool(c.get("receiver")),
        any_argument=bool(c.get("any_argument")),
        truthy=c.get("truthy"),
        matches=re.compile(c["matches"]) if c.get("matches") else None,
        not_matches=re.compile(c["not_matches"]) if c.get("not_matches") else None,
        constant=c.get("constant"),
        derived_from=tuple(derived),
        resolves_to=tuple(c.get("resolves_to") or ()),
        missing=c.get("missing"),
    )


def cond_holds(ctx: Context, call: cst.Call, c: ArgCond) -> bool:
    if c.any_argument:  # `os.execl("/bin/sh", "sh", "-c", cmd)`: wherever it sits
        return any(_holds(ctx, call, c, a.value) for a in call.args)
    if c.receiver:  # the object a method is called on: `Path(p).write_text(...)`
        expr = call.func.value if type(call.func) is cst.Attribute else None
    else:
        expr = arg_value(call, c.position, c.keyword)
    return _holds(ctx, call, c, expr)


def _holds(ctx: Context, call: cst.Call, c: ArgCond, expr: cst.BaseExpression | None) -> bool:
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
