"""Named engine checks: what a declarative pattern cannot express.

Each check is `fn(ctx, compiled) -> [(node, name, line, column)]`; `node` is None for
text-level hits, which carry their own line and column. Use one from YAML with
`match: {check: NAME}`.

- `bidi_control`: a Unicode bidirectional control character anywhere in the source
  (trojan source: code that reads differently from how it runs).
- `confusable_identifier`: a non-ASCII identifier that Python's NFKC normalisation
  turns into a different name (`ｅｖａｌ` is `eval` to the interpreter).
- `computed_import`: `__import__` / `importlib.import_module` with a module name that
  is not spelled as a literal (built from parts, decoded, or unknown).
- `dynamic_getattr`: `getattr`/`setattr`/`delattr`/`hasattr` on a module or builtins
  with a name not spelled as a literal, or a computed key into `globals()`,
  `vars(module)`, `module.__dict__`, `__builtins__` or `sys.modules`. `getattr` on the
  snippet's own objects (dispatch) is not flagged.
- `indirect_runner`: a call of something that runs code or commands (os.system, subprocess,
  exec, eval, pty.spawn …) reached through `__import__`, `import_module`, `vars()`,
  `operator.attrgetter`/`methodcaller`, a namespace subscript, or `getattr` with a computed
  name or on such a dynamic object, rather than by its name (`getattr(os, "startfile")` on
  an imported module is ordinary).
- `computed_dangerous_name`: a string built at run time (concatenation, join, chr,
  reversal, decoding…) whose value names something the rule set watches.
- `inline_suppression`: `# nosec`, `# nosemgrep`, `# noqa: S…`, `# airlock: ignore[…]`.
- `unbounded_loop_spawn`: a process/thread spawn inside a loop that never ends by its
  own test (`while True`) and does not block on input each pass (a server's
  `accept()`/`recv()`/`queue.get()` loop is paced), or `os.fork` inside any loop.
- `unbounded_loop_spawn` also flags threads/processes started (not waited for) in a
  `for` over `itertools.count()` or a `range` of 10**4 steps or more (thread flood).
- `large_allocation`: a sequence repeated, or a buffer allocated, with a constant size
  of 10**8 or more.
- `memory_bomb`: a constant allocation of 10**10 or more, one of 10**6 or more kept
  (`append`/`extend`/`add`/`+=`) on every pass of an endless loop, or a value added
  to itself there (`data += data` doubles each pass).
- `setuid_mode`: `os.chmod`/`Path.chmod` with a constant mode that sets the setuid or
  setgid bit (`0o4755`).
- `datamodel_exec`: a special method bound to exec/eval/a shell, or a `__reduce__`
  returning one (analyzer/datamodel.py).
- `pollution_path`: nested mapping keys (a dict literal or JSON text) that walk from an
  object into its class, bases or globals: class pollution (analyzer/pollution.py).
- `secret_to_network`, `credential_to_network`, `drop_flow`, `destructive_walk`: value flow from a
  source to a sink (analyzer/taint.py, sources.py, sinks.py).
- `flood_loop`: network sends repeated without end or pause (analyzer/floods.py).
- `monkeypatch_hook`: an imported attribute replaced by the snippet's code that wraps a
  sensitive original or reaches a send, runner or shell (analyzer/hooks.py).
- `keystroke_logger`: a keyboard listener whose callback writes, logs or sends the keys
  (analyzer/keylog.py).
- `install_payload`: a network call, a program that is not a build tool, a shell or code
  built at run time in a setup script (analyzer/install_time.py).
- `downloaded_then_run`: a program started from a file written with network data
- `unpacked_then_run`: the same with data the source decrypted, decompressed or decoded
  (analyzer/dropper.py).
- `parse_error`, `size_limit`, `engine_error`: reported by the engine itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import libcst as cst

from airlock.analyzer.datamodel import datamodel_exec, runner
from airlock.analyzer.dropper import downloaded_then_run, unpacked_then_run
from airlock.analyzer.floods import flood_loop, huge_loop
from airlock.analyzer.fold import is_plain_literal
from airlock.analyzer.hooks import monkeypatch_hook
from airlock.analyzer.install_time import install_payload
from airlock.analyzer.keylog import keystroke_logger
from airlock.analyzer.pollution import pollution_path
from airlock.analyzer.resolve import (
    ATTR_FUNCS_SET,
    NAME_RESOLVERS,
    arg_value,
    canonical,
    is_instance,
    norm,
)
from airlock.analyzer.sinks import (
    credential_to_network,
    destructive_walk,
    drop_flow,
    secret_to_network,
)
from airlock.analyzer.suppress import suppression_comments

if TYPE_CHECKING:
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

CheckHit = tuple[cst.CSTNode | None, str, int, int]
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
SPAWNERS = (
    "os.fork",
    "os.forkpty",
    "os.spawn",
    "os.posix_spawn",
    "os.system",
    "os.popen",
    "subprocess.",
    "multiprocessing.Process",
    "multiprocessing.Pool",
    "threading.Thread",
    "_thread.start_new_thread",
    "concurrent.futures.",
    "asyncio.create_subprocess",
    "pty.fork",
)
# Started without being waited for: a `for` over a huge range of these is a flood.
STARTERS = (
    "threading.Thread",
    "_thread.start_new",
    "multiprocessing.Process",
    "multiprocessing.context.Process",
    "subprocess.Popen",
    "os.spawn",
    "os.posix_spawn",
    "asyncio.create_subprocess",
)
BIG = 10**8  # a constant allocation worth a look
HUGE = 10**10  # a constant allocation no program needs (10 GB)
RETAINED = 10**6  # kept on every pass of an endless loop
OWN_NAMES = frozenset({"__name__", "__package__"})
CHMODS = frozenset({"chmod", "fchmod", "lchmod"})
OS_CHMODS = frozenset({"os.chmod", "os.fchmod", "os.lchmod"})
SPECIAL_BITS = 0o6000  # setuid | setgid
KEEPERS = frozenset({"append", "extend", "insert", "appendleft", "add"})
ALLOCATORS = frozenset(
    {
        "builtins.bytearray",
        "builtins.bytes",
        "os.urandom",
        "secrets.token_bytes",
        "numpy.zeros",
        "numpy.ones",
        "numpy.empty",
        "numpy.full",
        "numpy.random.rand",
        "torch.zeros",
        "torch.ones",
        "torch.empty",
    }
)


def bidi_control(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    if ctx.text.isascii():
        return []
    out = []
    for i, line in enumerate(ctx.lines, 1):
        for col, ch in enumerate(line):
            if ch in BIDI:
                out.append((None, f"U+{ord(ch):04X}", i, col))
    return out


def confusable_identifier(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for node in ctx.collected.foreign_names:
        normal = norm(node.value)
        if normal != node.value:
            out.append((node, f"{node.value} → {normal}", 0, 0))
    return out


def computed_import(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    return [
        (call, module or "<unknown>", 0, 0)
        for call, module, computed in ctx.dynamic_imports()
        if computed
    ]


INDIRECT_STEPS = frozenset(
    {"builtins.__import__", "importlib.import_module", "builtins.vars"}
    | {"operator.attrgetter", "operator.methodcaller"}
    | NAME_RESOLVERS
)
NOT_RUNNERS = ("builtins.__import__", "importlib.import_module")


def _indirect(ctx: Context, func: cst.BaseExpression, depth: int = 0) -> bool:
    """`func` reaches its callable through a dynamic import, `getattr`, `vars()` or a
    namespace subscript (`__import__("os").system`, `getattr(os, "system")`), directly or
    through a name bound once to such an expression."""
    if depth > 8:
        return False
    tp = type(func)
    if tp is cst.Call:
        quals = ctx.names.qualnames(func.func)  # type: ignore[attr-defined]
        if not quals.isdisjoint(INDIRECT_STEPS):
            return True
        if "builtins.getattr" in quals:  # `getattr(os, "startfile")` on an imported module
            obj, name = arg_value(func, 0, None), arg_value(func, 1, None)  # is ordinary
            return (
                obj is None
                or name is None
                or not is_plain_literal(name)
                or _indirect(ctx, obj, depth + 1)
            )
        return _indirect(ctx, func.func, depth + 1)  # type: ignore[attr-defined]
    if tp is cst.Subscript:
        return True  # `vars(os)["system"]`, `sys.modules["os"].system`
    if tp is cst.Attribute:
        return _indirect(ctx, func.value, depth + 1)  # type: ignore[attr-defined]
    if tp is cst.Name:
        binds = ctx.names.bindings.get(func.value, ())  # type: ignore[attr-defined]
        if len(binds) == 1 and binds[0].kind == "value":
            return _indirect(ctx, binds[0].payload, depth + 1)  # type: ignore[arg-type]
    return False


def indirect_runner(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        func = site.node.func
        if type(func) is cst.Name and func.value in ctx.names.functions:
            continue  # the snippet's own function
        found = runner(ctx, func)
        if found is None or found.startswith(NOT_RUNNERS) or not _indirect(ctx, func):
            continue
        out.append((site.node, found, 0, 0))
    return out


def dynamic_getattr(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    names = ctx.names
    for site in ctx.collected.calls:
        call = site.node
        quals = names.qualnames(call.func)
        if quals.isdisjoint(ATTR_FUNCS_SET):
            continue
        obj, attr = arg_value(call, 0, None), arg_value(call, 1, None)
        if obj is None or attr is None or is_plain_literal(attr):
            continue
        targets = {q for q in names.qualnames(obj) if not is_instance(q)}
        if targets:
            value = names.const_str(attr)
            out.append((call, f"{sorted(targets)[0]}.{value or '<computed>'}", 0, 0))
    for node, key in ctx.namespace_lookups():
        if type(key) is cst.Name and key.value in OWN_NAMES:
            continue  # `sys.modules[__name__]`: the module itself, not a hidden name
        if key is not None and not is_plain_literal(key):
            value = names.const_str(key)
            out.append((node, f"[{value or '<computed>'}]", 0, 0))
    return out


def computed_dangerous_name(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    dangerous = compiled.dangerous_names
    out: list[CheckHit] = []
    for node, value, computed in ctx.string_roots():
        if not computed:
            continue
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        text = text.strip()
        if text in dangerous:
            out.append((node, text, 0, 0))
    return out


def inline_suppression(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    return [(None, c.text, c.line, c.column) for c in suppression_comments(ctx.text)]


def unbounded_loop_spawn(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        if not site.in_loop:
            continue
        flood = any(huge_loop(ctx, it) for it in site.loop_iters)
        for q in map(canonical, ctx.names.qualnames(site.node.func)):
            forks = q in ("os.fork", "os.forkpty", "pty.fork")
            if (
                forks
                or (
                    site.in_endless_loop
                    and q.startswith(SPAWNERS)
                    and not all(lp.paced for lp in site.loops)
                )
                or (flood and q.startswith(STARTERS))
            ):
                out.append((site.node, q, 0, 0))
                break
    return out


def _allocation(ctx: Context, node: cst.CSTNode) -> tuple[int, str] | None:
    """The constant size of a repeated sequence or an allocator call, with a label."""
    fold = ctx.folder.fold
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        left, right = fold(node.left), fold(node.right)
        if isinstance(left, int) and not isinstance(left, bool):
            left, right = right, left
        if isinstance(right, int) and isinstance(left, (str, bytes, list, tuple)):
            return right * max(len(left), 1), f"sequence × {right:.3g}"
    elif isinstance(node, cst.Call) and ctx.names.qualnames(node.func) & ALLOCATORS:
        size = fold(node.args[0].value) if node.args else None
        if isinstance(size, (tuple, list)) and all(type(x) is int for x in size):
            size = math.prod(size)
        if isinstance(size, int) and not isinstance(size, bool):
            return size, f"{size:.3g} bytes"
    return None


def large_allocation(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for node in ctx.collected.candidates:
        found = _allocation(ctx, node)
        if found is not None and found[0] >= BIG:
            out.append((node, found[1], 0, 0))
    return out


def memory_bomb(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for node in ctx.collected.candidates:
        found = _allocation(ctx, node)
        if found is not None and found[0] >= HUGE:
            out.append((node, found[1], 0, 0))
    kept: list[cst.BaseExpression] = list(ctx.collected.endless_growth)
    for site in ctx.collected.calls:
        func = site.node.func
        if site.in_endless_loop and type(func) is cst.Attribute and func.attr.value in KEEPERS:
            kept.extend(a.value for a in site.node.args)
    for value in ctx.collected.endless_doubling:
        out.append((value, "a value doubled on every pass of an endless loop", 0, 0))
    for value in kept:
        found = _allocation(ctx, value)
        if found is not None and found[0] >= RETAINED:
            out.append((value, f"{found[1]} kept on every pass of an endless loop", 0, 0))
    return out


def setuid_mode(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        call = site.node
        func = call.func
        if type(func) is not cst.Attribute or func.attr.value not in CHMODS:
            continue
        quals = {canonical(q) for q in ctx.names.qualnames(func)}
        is_path = not quals or any(q.startswith("pathlib.") for q in quals)
        mode = arg_value(call, 0 if is_path and not quals & OS_CHMODS else 1, "mode")
        value = ctx.folder.fold(mode) if mode is not None else None
        if type(value) is int and value & SPECIAL_BITS:
            out.append((call, oct(value), 0, 0))
    return out


def _engine_only(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    return []


CHECKS: dict[str, Callable[[Any, Any], list[CheckHit]]] = {
    "bidi_control": bidi_control,
    "confusable_identifier": confusable_identifier,
    "computed_import": computed_import,
    "dynamic_getattr": dynamic_getattr,
    "indirect_runner": indirect_runner,
    "computed_dangerous_name": computed_dangerous_name,
    "inline_suppression": inline_suppression,
    "unbounded_loop_spawn": unbounded_loop_spawn,
    "large_allocation": large_allocation,
    "memory_bomb": memory_bomb,
    "setuid_mode": setuid_mode,
    "datamodel_exec": datamodel_exec,
    "pollution_path": pollution_path,
    "secret_to_network": secret_to_network,
    "credential_to_network": credential_to_network,
    "destructive_walk": destructive_walk,
    "drop_flow": drop_flow,
    "flood_loop": flood_loop,
    "monkeypatch_hook": monkeypatch_hook,
    "keystroke_logger": keystroke_logger,
    "install_payload": install_payload,
    "downloaded_then_run": downloaded_then_run,
    "unpacked_then_run": unpacked_then_run,
    "parse_error": _engine_only,
    "size_limit": _engine_only,
    "engine_error": _engine_only,
}
