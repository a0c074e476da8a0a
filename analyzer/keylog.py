"""Keystroke loggers: a keyboard listener whose callback keeps or sends what was typed.

- `keystroke_logger`: a global keyboard hook (`pynput.keyboard.Listener`,
  `keyboard.on_press`/`on_release`/`hook`, a pyHook/pyWinhook/pyxhook `HookManager`'s
  `KeyDown`/`KeyUp` handler, passed or assigned) whose callback
  — the snippet's own function or lambda, followed through the snippet's functions it
  calls — writes to a file, logs, keeps the keys in a buffer (`self.log += key`,
  `keys.append(k)`), or reaches a network send, a code runner or a shell.
  A hotkey handler whose callback only acts (prints, stops, toggles) is not flagged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.hooks import own_calls, sends_or_runs
from airlock.analyzer.resolve import canonical

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

LISTENERS = (
    "pynput.keyboard.Listener",
    "pynput.keyboard.Events",
    "keyboard.on_press",
    "keyboard.on_release",
    "keyboard.hook",
    "keyboard.on_press_key",
    "pyxhook.HookManager",
)
CALLBACK_KEYWORDS = frozenset({"on_press", "on_release", "callback"})
# hook managers whose handlers are attributes: `hm = pyHook.HookManager(); hm.KeyDown = f`
HOOK_MANAGERS = ("pyHook.HookManager", "pyWinhook.HookManager", "pyxhook.HookManager")
HANDLER_ATTRS = frozenset({"KeyDown", "KeyUp", "KeyAll", "KeyChar"})
WRITERS = ("builtins.open", "io.open", "codecs.open", "os.write", "logging.")
WRITE_METHODS = frozenset({"write", "writelines", "write_text", "write_bytes"})
LISTENER_TAILS = frozenset(q.rsplit(".", 1)[-1] for q in LISTENERS)


def _keeps(ctx: Context, calls: list[cst.Call]) -> str | None:
    found = sends_or_runs(ctx, calls)
    if found is not None:
        return found
    for call in calls:
        func = call.func
        for q in sorted(ctx.names.qualnames(func)):
            if canonical(q).startswith(WRITERS):
                return canonical(q)
        if type(func) is cst.Attribute and func.attr.value in WRITE_METHODS:
            return f".{func.attr.value}"
    return None


KEEPING_METHODS = frozenset({"append", "extend", "insert", "appendleft", "put", "put_nowait"})


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _mentions(node: cst.CSTNode, names: set[str]) -> bool:
    v = _Names()
    node.visit(v)
    return not v.names.isdisjoint(names)


class _Accumulates(cst.CSTVisitor):
    """Does a callback's body keep the key it is given: `self.log += key`,
    `keys.append(event.Key)`? (A counter, `n += 1`, keeps nothing typed.)"""

    def __init__(self, params: set[str]) -> None:
        self.params = params
        self.found = False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        if (
            type(node.operator) is cst.AddAssign
            and type(node.target) is not cst.Name  # into an attribute or an item: kept
            and _mentions(node.value, self.params)
        ):
            self.found = True
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if (
            type(func) is cst.Attribute
            and func.attr.value in KEEPING_METHODS
            and any(_mentions(a.value, self.params) for a in node.args)
        ):
            self.found = True
        return not self.found


def _accumulates(defs: list[cst.FunctionDef]) -> bool:
    for fd in defs:
        params = {p.name.value for p in (*fd.params.posonly_params, *fd.params.params)}
        params -= {"self", "cls"}
        if not params:
            continue
        v = _Accumulates(params)
        fd.body.visit(v)
        if v.found:
            return True
    return False


def _callback_calls(
    ctx: Context, cb: cst.BaseExpression
) -> tuple[list[cst.Call], list[cst.FunctionDef]] | None:
    """The calls a callback makes (through the snippet's functions) and its own defs."""
    if type(cb) is cst.Lambda:
        return own_calls(ctx, [], [cb]), []
    name = None
    if type(cb) is cst.Name:
        name = cb.value
    elif type(cb) is cst.Attribute and type(cb.value) is cst.Name and cb.value.value == "self":
        name = cb.attr.value  # a method of the snippet's own class
    if name is None or name not in ctx.names.functions:
        return None
    return own_calls(ctx, [name], []), ctx.names.functions[name]


def _kept_by(ctx: Context, cb: cst.BaseExpression) -> str | None:
    """Where a keyboard callback puts the keys: a writer, sender or runner, or a buffer."""
    found = _callback_calls(ctx, cb)
    if found is None:
        return None
    return _keeps(ctx, found[0]) or ("a buffer" if _accumulates(found[1]) else None)


def _callbacks(call: cst.Call, keyword_only: bool) -> list[cst.BaseExpression]:
    out = []
    for i, a in enumerate(call.args):
        kw = a.keyword.value if a.keyword is not None else None
        if kw in CALLBACK_KEYWORDS or (kw is None and i == 0 and not keyword_only):
            out.append(a.value)
    return out


def keystroke_logger(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        call = site.node
        func = call.func
        tail = func.attr.value if type(func) is cst.Attribute else getattr(func, "value", None)
        if tail not in LISTENER_TAILS:
            continue
        quals = {canonical(q) for q in ctx.names.qualnames(func)}
        listener = next((q for q in sorted(quals) if q.startswith(LISTENERS)), None)
        if listener is None:
            continue
        for cb in _callbacks(call, keyword_only=listener.startswith("pynput")):
            kept = _kept_by(ctx, cb)
            if kept is not None:
                out.append((call, f"keys from {listener} reach {kept}", 0, 0))
                break
    for target, value in ctx.collected.attr_assigns:
        if target.attr.value not in HANDLER_ATTRS:
            continue
        quals = {canonical(q) for q in ctx.names.qualnames(target.value)}
        manager = next((q for q in sorted(quals) if q.startswith(HOOK_MANAGERS)), None)
        if manager is None:
            continue
        kept = _kept_by(ctx, value)
        if kept is not None:
            out.append((target, f"keys from {manager}.{target.attr.value} reach {kept}", 0, 0))
    return out
