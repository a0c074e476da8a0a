"""Flood loops: network sends repeated without end or pause.

- `flood_loop`: a packet, datagram, connection or HTTP request sent inside a loop that
  never ends by itself (`while True` with no `break`) and neither waits for input nor
  sleeps, or inside a `for` of 10**4 or more steps (or over `itertools.count()`) with no
  sleep; and scapy's own flooding (`send(..., loop=1)`, a `count` of 10**4 or more,
  `srflood`, `sendpfast`). A server loop that blocks on `accept`/`recv` each pass, a poller
  that sleeps and a download loop that breaks at the end are not floods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.resolve import arg_value, canonical

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

FLOOD = 10**4  # passes of a loop, or packets of one call, that make a flood
ENDLESS_ITERATORS = frozenset({"itertools.count", "itertools.cycle", "itertools.repeat"})
SENDS = (
    "socket.socket.send",
    "socket.socket.sendto",
    "socket.socket.sendall",
    "socket.socket.connect",
    "socket.create_connection",
    "scapy.",
    "requests.get",
    "requests.post",
    "requests.head",
    "requests.request",
    "urllib.request.urlopen",
    "http.client.HTTPConnection.request",
    "http.client.HTTPSConnection.request",
    "httpx.get",
    "httpx.post",
)
SCAPY_SENDS = ("scapy.all.send", "scapy.all.sendp", "scapy.sendrecv.send", "scapy.sendrecv.sendp")
SCAPY_FLOODS = ("scapy.all.srflood", "scapy.all.sendpfast", "scapy.sendrecv.srflood")
SEND_TAILS = frozenset(
    {"send", "sendto", "sendall", "connect", "create_connection", "sendp", "sr", "sr1"}
    | {"srflood", "sendpfast", "get", "post", "head", "request", "urlopen"}
)


def huge_loop(ctx: Context, it: cst.BaseExpression) -> bool:
    """`for` over an endless iterator or a `range` of at least `FLOOD` steps."""
    if type(it) is not cst.Call:
        return False
    quals = ctx.names.qualnames(it.func)
    if quals & ENDLESS_ITERATORS:
        return "itertools.repeat" not in quals or len(it.args) < 2
    if "builtins.range" not in quals or not it.args or len(it.args) > 3:
        return False
    bounds = [ctx.folder.fold(a.value) for a in it.args[:2]]
    stop, start = bounds[-1], bounds[0] if len(bounds) == 2 else 0
    return type(stop) is int and type(start) is int and stop - start >= FLOOD


def _scapy_flood(ctx: Context, call: cst.Call, q: str) -> bool:
    if q.startswith(SCAPY_FLOODS):
        return True
    if not q.startswith(SCAPY_SENDS):
        return False
    loop, count = arg_value(call, None, "loop"), arg_value(call, None, "count")
    looping = ctx.folder.fold(loop) if loop is not None else None
    many = ctx.folder.fold(count) if count is not None else None
    return bool(looping) or (type(many) is int and many >= FLOOD)


def flood_loop(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        call = site.node
        func = call.func
        tail = func.attr.value if type(func) is cst.Attribute else getattr(func, "value", None)
        if tail not in SEND_TAILS:
            continue
        sends = sorted(c for c in map(canonical, ctx.names.qualnames(func)) if c.startswith(SENDS))
        if not sends:
            continue
        q = sends[0]
        if _scapy_flood(ctx, call, q):
            out.append((call, f"{q} floods by itself", 0, 0))
            continue
        if not site.in_loop:
            continue
        loops = site.all_loops
        endless = any(lp.endless and not (lp.paced or lp.sleeps or lp.breaks) for lp in loops)
        huge = not any(lp.sleeps for lp in loops) and any(
            huge_loop(ctx, it) for it in site.loop_iters
        )
        if endless or huge:
            how = "an endless loop" if endless else f"a loop of {FLOOD:.0e}+ passes"
            out.append((call, f"{q} repeated in {how} with no pause", 0, 0))
    return out
