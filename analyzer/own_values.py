"""Values a snippet builds only from its own constants.

`built_from_constants(ctx, expr)` holds when every leaf `expr` can come from is a literal
of the snippet: literals, f-strings, `%`/`format`/`join`/concatenation and the pure
builtins and string methods below over such values, names bound only to them, and loop
variables over them (`for op in ["+", "-"]`, `for a in range(3)`). A parameter, an
import, input, a file, the environment or any other call is not. `eval(f"{a} {op} 2")`
over such values evaluates arithmetic the script wrote itself, not code from anywhere.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.identifiers import norm

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

PURE_CALLS = frozenset(
    f"builtins.{n}"
    for n in [
        "range",
        "str",
        "int",
        "float",
        "bool",
        "len",
        "abs",
        "min",
        "max",
        "round",
        "repr",
        "enumerate",
        "zip",
        "sorted",
        "reversed",
        "list",
        "tuple",
        "set",
        "dict",
        "chr",
        "ord",
        "hex",
        "oct",
        "bin",
        "sum",
        "divmod",
        "pow",
    ]
)
PURE_METHODS = frozenset(
    [
        "join",
        "format",
        "upper",
        "lower",
        "title",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "split",
        "capitalize",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "swapcase",
        "casefold",
    ]
)
NUMBERS = (cst.Integer, cst.Float, cst.Imaginary)
# Text that makes a string more than data even when the script wrote it: names that reach
# the interpreter, imports, dunders. A string with these is never "only own constants".
CODE_WORDS = re.compile(
    r"__|\b(import|exec|eval|compile|open|getattr|setattr|delattr|globals|locals|vars|"
    r"system|popen|subprocess|os|sys|lambda|breakpoint|input|builtins|help|license|"
    r"credits|copyright|exit|quit|memoryview|type|object|class|chr|bytes|codecs)\b"
)
MAX_DEPTH = 30


def built_from_constants(ctx: Context, expr: cst.BaseExpression) -> bool:
    return _own(ctx, expr, 0, set())


def _own(ctx: Context, e: cst.BaseExpression, depth: int, active: set[int]) -> bool:
    if depth > MAX_DEPTH or id(e) in active:
        return depth <= MAX_DEPTH  # a cycle adds nothing new; too deep is unknown
    active.add(id(e))
    try:
        tp = type(e)
        rec = lambda x: _own(ctx, x, depth + 1, active)  # noqa: E731
        if tp in NUMBERS:
            return True
        if tp is cst.SimpleString:
            return not CODE_WORDS.search(e.value)  # type: ignore[attr-defined]
        if tp is cst.Name:
            if e.value in ("True", "False", "None"):  # type: ignore[attr-defined]
                return True
            binds = ctx.names.bindings.get(norm(e.value), ())  # type: ignore[attr-defined]
            return bool(binds) and all(
                b.kind in ("value", "flow") and b.payload is not None and rec(b.payload)  # type: ignore[arg-type]
                for b in binds
            )
        if tp is cst.ConcatenatedString or tp is cst.BinaryOperation:
            return rec(e.left) and rec(e.right)  # type: ignore[attr-defined]
        if tp is cst.UnaryOperation:
            return rec(e.expression)  # type: ignore[attr-defined]
        if tp is cst.FormattedString:
            return all(
                rec(p.expression)
                if type(p) is cst.FormattedStringExpression
                else not CODE_WORDS.search(p.value)  # type: ignore[attr-defined]
                for p in e.parts  # type: ignore[attr-defined]
            )
        if tp in (cst.List, cst.Tuple, cst.Set):
            return all(rec(el.value) for el in e.elements)  # type: ignore[attr-defined]
        if tp is cst.Dict:
            return all(
                type(el) is cst.DictElement and rec(el.key) and rec(el.value)
                for el in e.elements  # type: ignore[attr-defined]
            )
        if tp in (cst.ListComp, cst.GeneratorExp, cst.SetComp):
            return rec(e.elt) and rec(e.for_in.iter)  # type: ignore[attr-defined]
        if tp is cst.Subscript:
            return rec(e.value) and all(  # type: ignore[attr-defined]
                type(s.slice) is cst.Index and rec(s.slice.value)
                for s in e.slice  # type: ignore[attr-defined]
            )
        if tp is cst.Call:
            if any(a.star for a in e.args):  # type: ignore[attr-defined]
                return False
            args_own = all(rec(a.value) for a in e.args)  # type: ignore[attr-defined]
            func = e.func  # type: ignore[attr-defined]
            if type(func) is cst.Attribute and func.attr.value in PURE_METHODS:
                return args_own and rec(func.value)
            return (
                args_own
                and bool(ctx.names.qualnames(func))
                and ctx.names.qualnames(func) <= PURE_CALLS
            )
        return False
    finally:
        active.discard(id(e))
