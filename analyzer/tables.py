"""Named tables of a rule set: lists of regex alternatives that rules and checks share.

A rule-set file's top-level `tables:` maps a name to a list of alternatives (one host
name pattern per line, say). A rule's regular expression takes a table as `{{name}}`,
which loading replaces by `(?:alt|alt|…)`; an engine check reads a table by its name
(`drop_flow` reads `drop_hosts`, `oob_hosts` and `free_hosting`). One list, written
once, is what every rule and check that needs it sees.
"""

from __future__ import annotations

import re
from typing import Any

from airlock.analyzer.redos import catastrophic

NAME = re.compile(r"[a-z_][a-z0-9_]*")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
REGEX_KEYS = ("pattern", "matches", "not_matches")


class TableError(ValueError):
    """A table is malformed, or a rule names one the rule set does not define."""


def read_tables(raw: Any) -> dict[str, tuple[str, ...]]:
    """The `tables:` mapping of a rule file, validated: names, lists of regexes."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TableError("key 'tables' must be a mapping of name to a list of patterns")
    out: dict[str, tuple[str, ...]] = {}
    for name, alts in raw.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise TableError(f"tables: {name!r} is not a table name ([a-z_][a-z0-9_]*)")
        if not isinstance(alts, list) or not alts or not all(isinstance(a, str) for a in alts):
            raise TableError(f"tables.{name}: must be a non-empty list of patterns")
        for alt in alts:
            try:
                re.compile(alt)
            except re.error as exc:
                raise TableError(f"tables.{name}: bad regular expression {alt!r}: {exc}") from None
            why = catastrophic(alt)
            if why is not None:
                raise TableError(f"tables.{name}: {alt!r} can backtrack catastrophically ({why})")
        out[name] = tuple(alts)
    return out


def alternation(alts: tuple[str, ...]) -> str:
    """One regex matching any of the alternatives."""
    return "(?:" + "|".join(alts) + ")"


def _expand(text: str, tables: dict[str, tuple[str, ...]]) -> str:
    def sub(m: re.Match[str]) -> str:
        alts = tables.get(m.group(1))
        if alts is None:
            raise TableError(f"unknown table {{{{{m.group(1)}}}}}; defined: {sorted(tables)}")
        return alternation(alts)

    return PLACEHOLDER.sub(sub, text)


def expand_tables(match: Any, tables: dict[str, tuple[str, ...]]) -> Any:
    """`match` with every `{{name}}` in its regexes replaced by the table's alternation."""
    if not isinstance(match, dict):
        return match
    out: dict[str, Any] = {}
    for key, value in match.items():
        if key in REGEX_KEYS and isinstance(value, str):
            out[key] = _expand(value, tables)
        elif isinstance(value, dict):
            out[key] = expand_tables(value, tables)
        elif isinstance(value, list):
            out[key] = [expand_tables(v, tables) for v in value]
        else:
            out[key] = value
    return out


def table_regex(tables: dict[str, tuple[str, ...]], *names: str) -> re.Pattern[str] | None:
    """The named tables as one case-insensitive regex (None when none is defined)."""
    alts = tuple(a for n in names for a in tables.get(n, ()))
    return re.compile(alternation(alts), re.IGNORECASE) if alts else None
