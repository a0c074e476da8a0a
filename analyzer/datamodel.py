"""Code execution through Python's data model: hooks that run code when the object is used.

- `datamodel_exec`: a class binds a special method to something that runs code or
  commands (`__iadd__ = exec`, `__getitem__ = os.system`, `__call__ = eval`), so `x += s`
  or `x[s]` executes `s` — in the class body or assigned on the class later
  (`X.__getitem__ = exec`); or a `__reduce__` / `__reduce_ex__` returns such a callable
  as its first item (`return (os.system, ("id",))`), which is how pickle, YAML and other
  object-graph payloads are built: loading the data calls it; or a decorator is one
  (`@exec` over `@input`: defining the function or class runs what is typed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.resolve import canonical, is_instance, norm

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

RUNNERS = (
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    "builtins.__import__",
    "builtins.breakpoint",
    "os.system",
    "os.popen",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.startfile",
    "subprocess.",
    "pty.spawn",
    "code.interact",
    "code.InteractiveConsole",
    "runpy.run_",
    "importlib.import_module",
    "commands.getoutput",
    "platform.popen",
    "webbrowser.open",
)
REDUCERS = ("__reduce__", "__reduce_ex__")


def runner(ctx: Context, expr: cst.BaseExpression) -> str | None:
    """The code-running callable `expr` resolves to (module names only), if any."""
    for q in sorted(ctx.names.qualnames(expr)):
        if not is_instance(q):
            c = canonical(q)
            if c.startswith(RUNNERS) and c not in ("subprocess.PIPE", "subprocess.STDOUT"):
                return c
    return None


def _reduced_callable(ctx: Context, value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The first item of what a `__reduce__` returns (through one local name)."""
    if type(value) is cst.Name:
        for b in ctx.names.bindings.get(norm(value.value), ()):
            if b.kind == "value" and isinstance(b.payload, cst.Tuple):
                value = b.payload
                break
    if isinstance(value, cst.Tuple) and value.elements:
        return value.elements[0].value
    return None


def datamodel_exec(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for (cls, attr), values in ctx.names.class_attrs.items():
        if not (attr.startswith("__") and attr.endswith("__")) or attr == "__module__":
            continue
        for value in values:
            found = runner(ctx, value)
            if found is not None:
                out.append((value, f"{cls}.{attr} = {found}", 0, 0))
    for target, value in ctx.collected.attr_assigns:
        attr = target.attr.value
        if not (attr.startswith("__") and attr.endswith("__")) or attr == "__module__":
            continue
        owner = target.value
        if type(owner) is not cst.Name or norm(owner.value) not in ctx.names.class_methods:
            continue  # only the snippet's own classes: `sys.excepthook`-style slots are not hooks
        found = runner(ctx, value)
        if found is not None:
            out.append((target, f"{owner.value}.{attr} = {found}", 0, 0))
    decorated = [fd for defs in ctx.names.functions.values() for fd in defs]
    for fd in (*decorated, *ctx.names.decorated_classes):
        for dec in fd.decorators:
            found = runner(ctx, dec.decorator)
            if found is not None:
                out.append((dec.decorator, f"@{found} on {fd.name.value}", 0, 0))
    for name in REDUCERS:
        for value in ctx.names.returns.get(name, ()):
            first = _reduced_callable(ctx, value)
            found = runner(ctx, first) if first is not None else None
            if found is not None:
                out.append((value, f"{name} returns {found}", 0, 0))
    return out
