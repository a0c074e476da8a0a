"""Helpers shared by the engine tests: the fixture rule set and a walk of a snippet."""

from __future__ import annotations

from pathlib import Path

from airlock.analyzer.context import Context
from airlock.analyzer.engine import walk
from airlock.analyzer.parse import parse

FIXTURES = Path(__file__).parent / "fixtures"
RULES = FIXTURES / "engine_rules.yaml"


def context(source: str, attr_names: frozenset[str] = frozenset()) -> Context:
    """Parse and walk `source`, returning the analysis context."""
    parsed = parse(source)
    walker, folder = walk(parsed.module, parsed.tree, attr_names)
    return Context(parsed, walker, folder)


def call_names(source: str) -> set[str]:
    """Every qualified name any call in `source` resolves to."""
    ctx = context(source)
    out: set[str] = set()
    for site in ctx.collected.calls:
        out |= ctx.names.qualnames(site.node.func)
    return out


def fold_expr(source: str) -> object:
    """Folded value of the expression assigned to `x` in `source` (the last assignment)."""
    ctx = context(source)
    value = ctx.names.bindings["x"][-1].payload
    return ctx.folder.fold(value)
