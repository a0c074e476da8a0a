"""What the single walk records for one module: calls with their loop context, imports,
attributes, string candidates, item stores and statement pairing."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst

PACING = frozenset(
    {
        "accept",
        "recv",
        "recvfrom",
        "recv_into",
        "readline",
        "get",
        "wait",
        "select",
        "poll",
        "input",
    }
)


@dataclass(slots=True)
class Loop:
    """A loop being walked: does it end by its own test, and does its body block on input?"""

    endless: bool
    paced: bool = False  # a blocking accept/recv/get/input in its body: a server, not a bomb
    sleeps: bool = False  # a sleep in its body: a poller, not a flood
    breaks: bool = False  # a `break` in its body: it ends by itself


@dataclass(slots=True)
class CallSite:
    """A call and the loop context it sits in."""

    node: cst.Call
    in_loop: bool
    in_endless_loop: bool
    loop_iters: tuple[cst.BaseExpression, ...] = ()  # what enclosing `for` loops iterate
    loops: tuple[Loop, ...] = ()  # the enclosing endless loops
    all_loops: tuple[Loop, ...] = ()  # every enclosing loop, innermost last


@dataclass
class Collected:
    """What the walk recorded for one module."""

    calls: list[CallSite] = field(default_factory=list)
    imports: list[tuple[cst.CSTNode, str, str | None]] = field(default_factory=list)
    attributes: list[cst.Attribute] = field(default_factory=list)
    dunder_names: list[cst.Name] = field(default_factory=list)
    foreign_names: list[cst.Name] = field(default_factory=list)
    candidates: list[cst.BaseExpression] = field(default_factory=list)
    iterations: list[cst.BaseExpression] = field(default_factory=list)  # `for x in <expr>`
    # `m[k] = v`, `m.a = v`, `del m[k]`: the target and the method it amounts to
    item_stores: list[tuple[cst.Subscript | cst.Attribute, str]] = field(default_factory=list)
    # `m[k] = v`: the value stored, by the target's node id (for rules on the key and value)
    stored_values: dict[int, cst.BaseExpression] = field(default_factory=dict)
    # the innermost `def` around each recorded node (None at module or class level)
    def_of: dict[int, str | None] = field(default_factory=dict)
    # `x += v` inside a loop: a value that may grow without bound
    endless_growth: list[cst.BaseExpression] = field(default_factory=list)
    endless_doubling: list[cst.BaseExpression] = field(default_factory=list)  # `x += x`
    bare_strings: set[int] = field(default_factory=set)
    # nodes of `a.b.c` chains whose value is only enumerated for its keys (`for k in a.b`,
    # `a.b.keys()`, `sorted(a.b)`): listing names, not reaching what they name
    listed: set[int] = field(default_factory=set)
    stmt_of: dict[int, ast.AST | None] = field(default_factory=dict)
    # calls by the name of the innermost `def` holding them (what a hook's code reaches)
    calls_in: dict[str, list[cst.Call]] = field(default_factory=dict)
    # `m.a = v`: an attribute of something replaced by a value (monkeypatching)
    attr_assigns: list[tuple[cst.Attribute, cst.BaseExpression]] = field(default_factory=list)


class Binding:
    """One binding of a name: an import, a value expression, a flow source or opaque."""

    __slots__ = ("kind", "payload", "scope")

    def __init__(self, kind: str, payload: object, scope: str | None = None) -> None:
        self.kind = kind  # "import" | "value" | "flow" | "param" | "opaque"
        self.payload = payload
        self.scope = scope  # the innermost `def` it happens in; None at module or class level
