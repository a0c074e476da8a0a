"""Calls made on the snippet's behalf: a callable handed to something that calls it.

`Thread(target=os.system, args=(cmd,))`, `map(exec, sources)`, `pool.submit(os.popen,
cmd)` and `atexit.register(os.system, cmd)` run `os.system(cmd)` without a call of it in
sight (a `partial` that is called is resolve.py's `effective_call`). `passed_calls` finds each callable an
invoker is given and the call it amounts to, with the arguments the invoker passes on,
so the rules of the callable judge it as if it were called there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

# invokers by resolved name → (position of the callable, where its arguments come from:
# "rest" = the arguments after it, "args" = the `args=`/`kwargs=` keywords, "items" = one
# element of the iterable after it)
NAMED: dict[str, tuple[int, str]] = {
    "builtins.map": (0, "items"),
    "builtins.filter": (0, "items"),
    "functools.reduce": (0, "items"),
    "itertools.starmap": (0, "items"),
    "atexit.register": (0, "rest"),
    "asyncio.to_thread": (0, "rest"),
    "threading.Thread": (-1, "args"),
    "threading.Timer": (1, "args"),
    "multiprocessing.Process": (-1, "args"),
    "multiprocessing.context.Process": (-1, "args"),
    "signal.signal": (1, "none"),
    "sys.settrace": (0, "none"),
    "sys.setprofile": (0, "none"),
    "threading.settrace": (0, "none"),
}
# invoker methods on any receiver (pools, executors, event loops, schedulers)
METHODS: dict[str, tuple[int, str]] = {
    "submit": (0, "rest"),
    "apply": (0, "args"),
    "apply_async": (0, "args"),
    "map": (0, "items"),
    "imap": (0, "items"),
    "imap_unordered": (0, "items"),
    "map_async": (0, "items"),
    "starmap": (0, "items"),
    "run_in_executor": (1, "rest"),
    "call_soon": (0, "rest"),
    "call_soon_threadsafe": (0, "rest"),
    "call_later": (1, "rest"),
    "call_at": (1, "rest"),
    "enter": (2, "args"),
    "enterabs": (2, "args"),
}
TARGET_KEYWORDS = ("target", "function", "func", "callback")
NAMED_TAILS = frozenset(q.rsplit(".", 1)[-1] for q in NAMED)  # resolve only these


def _callable_arg(call: cst.Call, position: int) -> cst.BaseExpression | None:
    if position >= 0:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if position < len(positional):
            return positional[position].value
    for a in call.args:
        if a.keyword is not None and a.keyword.value in TARGET_KEYWORDS:
            return a.value
    return None


def _passed_args(call: cst.Call, ref: cst.BaseExpression, how: str) -> list[cst.Arg]:
    """The arguments the invoker calls the callable with, as far as the source says."""
    if how == "rest":
        seen = False
        out = []
        for a in call.args:
            if a.value is ref:
                seen = True
            elif seen and (a.keyword is None or a.keyword.value not in TARGET_KEYWORDS):
                out.append(a.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        return out
    if how == "args":
        out = []
        for a in call.args:
            if a.keyword is None or a.keyword.value not in ("args", "kwargs"):
                continue
            v = a.value
            if a.keyword.value == "args" and type(v) in (cst.Tuple, cst.List):
                out += [cst.Arg(value=e.value) for e in v.elements]  # type: ignore[attr-defined]
            elif a.keyword.value == "args":
                out.append(cst.Arg(value=v, star="*"))
            else:
                out.append(cst.Arg(value=v, star="**"))
        return out
    if how == "items":
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        rest = [v for v in positional if v is not ref]
        if not rest:
            return []
        v = rest[0]
        if type(v) in (cst.Tuple, cst.List, cst.Set) and v.elements:  # type: ignore[attr-defined]
            return [cst.Arg(value=v.elements[0].value)]  # type: ignore[attr-defined]
        return [cst.Arg(value=v, star="*")]
    return []


def passed_calls(ctx: Context) -> list[tuple[cst.Call, cst.Call]]:
    """(invoker call, the call of the callable it is handed) for every such hand-over."""
    names = ctx.names
    out: list[tuple[cst.Call, cst.Call]] = []
    for site in ctx.collected.calls:
        call = site.node
        if not call.args:
            continue
        spec: tuple[int, str] | None = None
        func = call.func
        if type(func) is cst.Attribute and func.attr.value in METHODS:
            spec = METHODS[func.attr.value]
        tail = func.value if type(func) is cst.Name else None
        if type(func) is cst.Attribute:
            tail = func.attr.value
        if spec is None and tail in NAMED_TAILS:
            for q in names.qualnames(func):
                spec = NAMED.get(q)
                if spec is not None:
                    break
        if spec is None:
            continue
        ref = _callable_arg(call, spec[0])
        if ref is None or type(ref) not in (cst.Name, cst.Attribute):
            continue
        try:
            synthetic = cst.Call(func=ref, args=_passed_args(call, ref, spec[1]))
        except Exception:  # libcst validation of an odd argument list: no call to judge
            continue
        out.append((call, synthetic))
    return out
