"""The schema of a rule's `match`: which keys each matcher kind takes, checked at load time.

Validation needs no part of the engine: the keys and the names of the engine's checks come
from the typed rule language (analyzer/rule_schema.py; checks.py implements exactly those
checks) so loading a rule set imports no matcher.
"""

from __future__ import annotations

import re
from typing import Any, get_args

from airlock.analyzer.redos import catastrophic
from airlock.analyzer.rule_schema import (
    ArgCondition,
    AttributeMatch,
    CallMatch,
    CheckName,
    ImportMatch,
    LiteralMatch,
    keys,
)

MATCH_KINDS = ("call", "import", "attribute", "literal", "check")
CHECK_NAMES = frozenset(get_args(CheckName))
ARG_KEYS = keys(ArgCondition)
KIND_KEYS: dict[str, set[str]] = {
    "call": keys(CallMatch),
    "import": keys(ImportMatch),
    "attribute": keys(AttributeMatch),
    "literal": keys(LiteralMatch),
}


def validate_match(match: dict[str, Any]) -> None:
    """Raise ValueError naming the bad key if `match` does not follow the schema."""
    kind, body = next(iter(match.items()))
    if kind == "check":
        if body not in CHECK_NAMES:
            raise ValueError(f"match.check: unknown check {body!r}; known: {sorted(CHECK_NAMES)}")
        return
    if not isinstance(body, dict):
        raise ValueError(f"match.{kind} must be a mapping")
    bad = set(body) - KIND_KEYS[kind]
    if bad:
        raise ValueError(f"match.{kind}: unknown key(s) {sorted(bad)}")
    for key in ("names", "modules", "of"):
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
    why = catastrophic(pattern)
    if why is not None:  # the scanned code's author picks the text: this would hang the gate
        raise ValueError(
            f"{where}: regular expression {pattern!r} can backtrack catastrophically ({why});"
            " rewrite it without a repeat inside a repeat"
        )
