"""Keystroke loggers: a keyboard listener whose callback keeps or sends what was typed.

- `keystroke_logger`: a global keyboard hook (`pynput.keyboard.Listener`,
  `keyboard.on_press`/`on_release`/`hook`, `pyxhook.HookManager`'s `KeyDown`) whose callback
  — the snippet's own function or lambda, followed through the snippet's functions it
  calls — writes to a file, logs, or reaches a network send, a code runner or a shell.
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
            if type(cb) is cst.Lambda:
                calls = own_calls(ctx, [], [cb])
            elif type(cb) is cst.Name and cb.value in ctx.names.functions:
                calls = own_calls(ctx, [cb.value], [])
            else:
                continue
            kept = _keeps(ctx, calls)
            if kept is not None:
                out.append((call, f"keys from {listener} reach {kept}", 0, 0))
                break
    return out
