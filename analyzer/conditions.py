"""Argument conditions of `call` rules: compiled form and evaluation (schema: match_schema.py).

A condition looks at one argument (by position or keyword), with `any_argument` at
every argument (it holds when one does), or with `receiver` at the object a method is
called on; see rules/README.md for every key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import libcst as cst

from airlock.analyzer.match_schema import validate_match
from airlock.analyzer.own_values import built_from_constants
from airlock.analyzer.resolve import arg_value, canonical, is_instance

if TYPE_CHECKING:
    from airlock.analyzer.context import Context


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
    own_constants: bool | None = None


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
        own_constants=c.get("own_constants"),
    )


def cond_holds(ctx: Context, call: cst.Call, c: ArgCond) -> bool:
    if c.any_argument:  # `os.execl("/bin/sh", "sh", "-c", cmd)`: wherever it sits
        return any(_holds(ctx, call, c, a.value) for a in call.args)
    if c.receiver:  # the object a method is called on: `Path(p).write_text(...)`
        expr = call.func.value if type(call.func) is cst.Attribute else None
    else:
        expr = arg_value(call, c.position, c.keyword)
    return _holds(ctx, call, c, expr)


def _starred(call: cst.Call) -> list[cst.BaseExpression]:
    """What `f(*xs)` may pass at a position after the star: the elements of a literal
    `xs`, else `xs` itself (its value flows on like any other value)."""
    out: list[cst.BaseExpression] = []
    for a in call.args:
        if a.star == "*":
            v = a.value
            if type(v) in (cst.List, cst.Tuple):
                out.extend(el.value for el in v.elements)  # type: ignore[attr-defined]
            else:
                out.append(v)
    return out


def _holds(ctx: Context, call: cst.Call, c: ArgCond, expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        if c.position is not None and any(a.star == "*" for a in call.args):
            if c.missing is True:
                return False  # `f(*args)`: the argument may be there
            return any(_holds(ctx, call, c, e) for e in _starred(call))
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
    if c.own_constants is not None and built_from_constants(ctx, expr) != c.own_constants:
        return False
    if c.derived_from:
        sources = ctx.names.sources(expr)
        if not any(name_matches(s, c.derived_from) for s in sources):
            return False
    return True


__all__ = ["ArgCond", "compile_cond", "cond_holds", "name_matches", "validate_match"]
