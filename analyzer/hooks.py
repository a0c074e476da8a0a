"""Monkeypatch hooks: an imported module's or class's attribute replaced by the snippet's code.

- `monkeypatch_hook`: `Mod.attr = <own function, lambda or instance of an own class>` where
  either the replaced attribute is one that sees secrets, input, commands or traffic
  (`os.environ`, `builtins.input`/`open`/`__import__`, `getpass`, `subprocess`, `socket`,
  `ssl`, `requests`, `urllib`, `http.client`) and the snippet keeps the original to call on
  (the stealth wrapper shape: everything still works, every value passes through the hook),
  or the hook's own code, through the snippet's functions it calls, reaches a network send,
  a code runner or a shell. Redirecting `sys.stdout`, installing `sys.excepthook` and
  replacing an attribute with a wrapper that only computes are not flagged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.datamodel import runner
from airlock.analyzer.identifiers import norm
from airlock.analyzer.resolve import canonical, is_instance
from airlock.analyzer.sinks import NETWORK_SINKS, NOT_SENDS

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

# Attributes whose replacement sees what a stealer wants (prefixes of canonical names).
SENSITIVE = (
    "os.environ",
    "os.getenv",
    "os.putenv",
    "os.system",
    "os.popen",
    "builtins.input",
    "builtins.open",
    "builtins.__import__",
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    "io.open",
    "getpass.",
    "subprocess.",
    "socket.",
    "ssl.",
    "requests.",
    "urllib.",
    "urllib3.",
    "http.client.",
    "httpx.",
    "keyring.",
    "importlib.import_module",
)
MAX_HOPS = 32  # own functions followed from a hook


def _owner_target(ctx: Context, target: cst.Attribute) -> str | None:
    """`os.environ` for `os.environ = …`: the imported thing whose attribute is replaced."""
    for q in sorted(ctx.names.qualnames(target.value)):
        if not is_instance(q):
            return f"{canonical(q)}.{target.attr.value}"
    return None


def _own_callables(ctx: Context, value: cst.BaseExpression) -> list[str] | None:
    """The snippet's functions or classes `value` installs (a lambda counts as its own
    code: []), or None when `value` is not the snippet's own code."""
    if type(value) is cst.Lambda:
        return []
    func = value.func if type(value) is cst.Call else value
    if type(func) is not cst.Name or ctx.names.qualnames(func):
        return None
    name = norm(func.value)
    binds = ctx.names.bindings.get(name, ())
    if not binds or any(b.kind == "import" for b in binds):
        return None
    return [name, *ctx.names.class_methods.get(name, ())]


def own_calls(ctx: Context, start: list[str], lambdas: list[cst.BaseExpression]) -> list[cst.Call]:
    """Every call the snippet's functions `start` (and the lambdas) make, following the
    snippet's own functions they call (at most MAX_HOPS of them)."""
    seen: set[str] = set()
    todo = list(start)
    calls: list[cst.Call] = [n for lam in lambdas for n in _calls_below(lam) if type(n) is cst.Call]
    while todo and len(seen) < MAX_HOPS:
        fn = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        calls.extend(ctx.collected.calls_in.get(fn, ()))
        for call in ctx.collected.calls_in.get(fn, ()):
            if type(call.func) is cst.Name and call.func.value in ctx.names.functions:
                todo.append(call.func.value)
    return calls


def sends_or_runs(ctx: Context, calls: list[cst.Call]) -> str | None:
    """The first network send, code runner or shell among `calls`, if any."""
    for call in calls:
        found = runner(ctx, call.func)
        if found is not None:
            return found
        for q in sorted(ctx.names.qualnames(call.func)):
            c = canonical(q)
            if c.startswith(NETWORK_SINKS) and c not in NOT_SENDS:
                return c
    return None


def _reaches(ctx: Context, start: list[str], lambdas: list[cst.BaseExpression]) -> str | None:
    """A network send, code runner or shell that the hook's code calls, if any."""
    return sends_or_runs(ctx, own_calls(ctx, start, lambdas))


def _calls_below(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    todo = [node]
    while todo:
        n = todo.pop()
        if type(n) is cst.Call:
            out.append(n)
        todo.extend(n.children)
    return out


def _keeps_original(ctx: Context, target: str, assigned: cst.Attribute) -> bool:
    """Some name of the snippet holds the replaced attribute's original value."""
    for binds in ctx.names.bindings.values():
        for b in binds:
            if b.kind != "value" or b.payload is assigned:
                continue
            payload = b.payload
            if (
                type(payload) is cst.Attribute
                and payload.attr.value == target.rsplit(".", 1)[-1]
                and target in {canonical(q) for q in ctx.names.qualnames(payload)}
            ):
                return True
    return False


def monkeypatch_hook(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for target, value in ctx.collected.attr_assigns:
        replaced = _owner_target(ctx, target)
        if replaced is None:
            continue
        own = _own_callables(ctx, value)
        if own is None:
            continue
        lambdas = [value] if type(value) is cst.Lambda else []
        reached = _reaches(ctx, own, lambdas)
        if reached is not None:
            out.append((target, f"{replaced} replaced by a hook that reaches {reached}", 0, 0))
        elif replaced.startswith(SENSITIVE) and _keeps_original(ctx, replaced, target):
            out.append((target, f"{replaced} wrapped by a hook that keeps the original", 0, 0))
    return out
