"""Class pollution: data whose keys walk the data model (`pollution_path`).

A recursive merge that follows `getattr`/`__getitem__` for each key lets a mapping
rewrite objects it was never meant to touch when its keys are special attributes:
`{"__class__": {"__base__": {"cmd": …}}}` sets a class attribute on a base class, and
`{"__init__": {"__globals__": {…}}}` swaps a module global (a command, a function's
`__kwdefaults__`) that later code runs. A dict literal or JSON text whose key under a
special attribute is another one is that payload; no ordinary data nests them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

_ATTR = (
    r"__(class|init|base|bases|mro|globals|builtins|dict|kwdefaults|defaults|code|func|self|"
    r"module|loader|spec|subclasses|new|call|getattribute)__"
)
_KEY = r"\\?['\"](" + _ATTR + r")\\?['\"]"
# a key naming a special attribute whose value is a mapping keyed by another one
PATH = re.compile(_KEY + r"\s*:\s*\{\s*" + _KEY)


def pollution_path(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """Nested mapping keys that walk from an object into its class, bases or globals."""
    text = ctx.text
    if "__" not in text:
        return []
    out: list[CheckHit] = []
    for m in PATH.finditer(text):
        start = m.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1)
        out.append((None, f"{m.group(1)} → {m.group(3)}", line, column))
    return out
