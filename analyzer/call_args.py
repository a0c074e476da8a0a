"""Call arguments by position or keyword, as the rules and the folder address them."""

from __future__ import annotations

import libcst as cst


def arg_value(
    call: cst.Call, position: int | None, keyword: str | None
) -> cst.BaseExpression | None:
    """The argument at `position` (positional) or named `keyword`, or None."""
    pos = 0
    for a in call.args:
        if a.keyword is not None:
            if keyword is not None and a.keyword.value == keyword:
                return a.value
            continue
        if a.star:
            return None  # `f(*args)`: positions after the star are unknown
        if position is not None and pos == position:
            return a.value
        pos += 1
    return None
