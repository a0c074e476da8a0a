"""Downloaded, then run: a file written with network data and started as a program.

`open("launcher.exe", "wb").write(requests.get(URL).content)` then `os.system("launcher.exe")`,
or `urlretrieve(URL, path)` then `subprocess.Popen(path)`: the payload never appears in the
source, only the steps that fetch and start it. `downloaded_then_run` pairs each write of
network data (or download to a path) with a program start whose command names the same
path (the same variable, or a command text containing the written file's name).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.resolve import arg_value
from airlock.analyzer.sources import quals_of

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

NETWORK_READS = (
    "urllib.request.urlopen",
    "urllib.urlopen",
    "urllib2.urlopen",
    "requests.get",
    "requests.post",
    "requests.request",
    "requests.Session.get",
    "requests.session.get",
    "httpx.get",
    "httpx.Client.get",
    "httpx.stream",
    "aiohttp.ClientSession.get",
    "urllib3.PoolManager.request",
    "socket.socket.recv",
    "ftplib.FTP.retrbinary",
)
DOWNLOADERS = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"})
OPENERS = frozenset({"builtins.open", "io.open", "codecs.open"})
RUNNERS = re.compile(
    r"^(os\.(system|popen|startfile|exec[a-z]*|spawn[a-z]*|posix_spawnp?)|"
    r"subprocess\.(Popen|call|run|check_call|check_output|getoutput|getstatusoutput)|"
    r"asyncio\.create_subprocess_(exec|shell)|pty\.spawn)$"
)
MIN_NAME = 3  # a written file's name must be this long to be matched inside a command


def _from_network(ctx: Context, expr: cst.BaseExpression) -> bool:
    return any(s.startswith(NETWORK_READS) for s in ctx.names.sources(expr))


def _written(ctx: Context) -> list[tuple[cst.Call, cst.BaseExpression]]:
    """(writing call, path expression) for each write of network data to a file."""
    out: list[tuple[cst.Call, cst.BaseExpression]] = []
    for site in ctx.collected.calls:
        call = site.node
        func = call.func
        quals = quals_of(ctx, func)
        if quals & DOWNLOADERS:
            target = arg_value(call, 1, "filename") or arg_value(call, 1, "out")
            if target is not None:
                out.append((call, target))
            continue
        if type(func) is not cst.Attribute or not call.args:
            continue
        method = func.attr.value
        if method in ("write", "writelines", "write_bytes", "write_text"):
            if not _from_network(ctx, call.args[0].value):
                continue
            if method in ("write_bytes", "write_text"):
                path = _path_of(func.value)
            else:
                path = _opened_path(ctx, func.value)
            if path is not None:
                out.append((call, path))
    return out


def _path_of(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """`Path(p)` → p; any other receiver is the path itself."""
    if type(expr) is cst.Call and expr.args:
        return expr.args[0].value
    return expr


def _opened_path(ctx: Context, handle: cst.BaseExpression) -> cst.BaseExpression | None:
    """The path a file handle was opened on: `open(p, "wb")` directly or through a name."""
    candidates: list[cst.BaseExpression] = [handle]
    if type(handle) is cst.Name:
        candidates += [
            b.payload  # type: ignore[misc]
            for b in ctx.names.bindings.get(handle.value, ())
            if b.kind in ("value", "flow") and isinstance(b.payload, cst.BaseExpression)
        ]
    for c in candidates:
        if type(c) is cst.Call and quals_of(ctx, c.func) & OPENERS:
            return arg_value(c, 0, "file")
    return None


def _names(ctx: Context, path: cst.BaseExpression) -> list[str]:
    out = []
    for text in ctx.possible_texts(path):
        name = re.split(r"[/\\]", text)[-1].replace("{}", "")
        if len(name) >= MIN_NAME:
            out.append(name)
    return out


def downloaded_then_run(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """A program started from a file the source wrote with network data."""
    written = _written(ctx)
    if not written:
        return []
    variables = {p.value for _, p in written if type(p) is cst.Name}
    names = {n for _, p in written for n in _names(ctx, p)}
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        call = site.node
        quals = quals_of(ctx, call.func)
        runner = next((q for q in sorted(quals) if RUNNERS.match(q)), None)
        if runner is None or not call.args:
            continue
        command = call.args[0].value
        used = {n.value for n in _all_names(command)} & variables
        texts = ctx.possible_texts(command)
        hit = next(iter(used), None) or next((n for n in names if any(n in t for t in texts)), None)
        if hit is not None:
            out.append((call, f"{runner} starts {hit}, written from a download", 0, 0))
    return out


def _all_names(expr: cst.BaseExpression) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    expr.visit(_V())
    return found
