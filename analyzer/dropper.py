"""Downloaded or unpacked, then run: a file written with a payload and started or loaded.

`open("launcher.exe", "wb").write(requests.get(URL).content)` then `os.system("launcher.exe")`,
or `urlretrieve(URL, path)` then `subprocess.Popen(path)`: the payload never appears in the
source, only the steps that fetch and start it. `downloaded_then_run` pairs each write of
network data (or download to a path) with a program start or a code load whose command names
the same path (the same variable, or a command text containing the written file's name);
`unpacked_then_run` does the same for data the source decrypted, decompressed or decoded
(a packer's stub: `open(p, "wb").write(aes.decrypt(blob))` then
`zipimporter(p).load_module(m)`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
# Calls that load code from a path: the payload is imported or mapped, not started.
LOADERS = re.compile(
    r"^(zipimport\.zipimporter\.(load_module|exec_module)|imp\.load_(source|compiled|dynamic)|"
    r"importlib\.machinery\.(SourceFileLoader|SourcelessFileLoader|ExtensionFileLoader)\."
    r"(load_module|exec_module)|runpy\.run_path|ctypes\.(CDLL|WinDLL|cdll\.LoadLibrary|"
    r"windll\.LoadLibrary)|builtins\.execfile)$"
)
UNPACKERS = (
    "zlib.decompress",
    "lzma.decompress",
    "bz2.decompress",
    "gzip.decompress",
    "base64.b64decode",
    "base64.b85decode",
    "base64.a85decode",
    "base64.b32decode",
    "binascii.unhexlify",
    "binascii.a2b_base64",
)
DECRYPT_TAILS = (".decrypt", ".decrypt_and_verify")
MIN_NAME = 3  # a written file's name must be this long to be matched inside a command


def _from_network(ctx: Context, expr: cst.BaseExpression) -> bool:
    return any(s.startswith(NETWORK_READS) for s in ctx.names.sources(expr))


def _unpacked(ctx: Context, expr: cst.BaseExpression) -> bool:
    """Data the source decrypted, decompressed or decoded (not read from the network)."""
    found = ctx.names.sources(expr)
    if any(s.startswith(NETWORK_READS) for s in found):
        return False  # a download: AIR-FLOW-005's
    return any(
        s.removesuffix("()").startswith(UNPACKERS) or s.endswith(DECRYPT_TAILS) for s in found
    )


def _written(
    ctx: Context, fed: Callable[[Context, cst.BaseExpression], bool], downloads: bool
) -> list[tuple[cst.Call, cst.BaseExpression]]:
    """(writing call, path expression) for each write to a file of data `fed` accepts."""
    out: list[tuple[cst.Call, cst.BaseExpression]] = []
    for site in ctx.collected.calls:
        call = site.node
        func = call.func
        quals = quals_of(ctx, func)
        if downloads and quals & DOWNLOADERS:
            target = arg_value(call, 1, "filename") or arg_value(call, 1, "out")
            if target is not None:
                out.append((call, target))
            continue
        if type(func) is not cst.Attribute or not call.args:
            continue
        method = func.attr.value
        if method in ("write", "writelines", "write_bytes", "write_text"):
            if not fed(ctx, call.args[0].value):
                continue
            if method in ("write_bytes", "write_text"):
                path = path_of(func.value)
            else:
                path = opened_path(ctx, func.value)
            if path is not None:
                out.append((call, path))
    return out


def path_of(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """`Path(p)` → p; any other receiver is the path itself."""
    if type(expr) is cst.Call and expr.args:
        return expr.args[0].value
    return expr


def opened_path(ctx: Context, handle: cst.BaseExpression) -> cst.BaseExpression | None:
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
    """A program started, or code loaded, from a file the source wrote with network data."""
    return _then_run(ctx, _written(ctx, _from_network, downloads=True), "a download")


def unpacked_then_run(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """A program started, or code loaded, from a file the source wrote with data it
    decrypted, decompressed or decoded."""
    written = _written(ctx, _unpacked, downloads=False)
    return _then_run(ctx, written, "data it decrypted or unpacked")


def _then_run(
    ctx: Context, written: list[tuple[cst.Call, cst.BaseExpression]], what: str
) -> list[CheckHit]:
    if not written:
        return []
    variables = {p.value for _, p in written if type(p) is cst.Name}
    names = {n for _, p in written for n in _names(ctx, p)}
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        call = site.node
        quals = quals_of(ctx, call.func)
        runner = next((q for q in sorted(quals) if RUNNERS.match(q) or LOADERS.match(q)), None)
        if runner is None:
            continue
        if LOADERS.match(runner):  # the path may be the loader's: `zipimporter(p).load_module(m)`
            paths = _loader_arguments(call)
        elif call.args:
            paths = [call.args[0].value]
        else:
            continue
        used = {n.value for p in paths for n in _all_names(p)} & variables
        texts = [t for p in paths for t in ctx.possible_texts(p)]
        hit = next(iter(used), None) or next((n for n in names if any(n in t for t in texts)), None)
        if hit is not None:
            verb = "loads" if LOADERS.match(runner) else "starts"
            out.append((call, f"{runner} {verb} {hit}, written from {what}", 0, 0))
    return out


def _loader_arguments(call: cst.Call) -> list[cst.BaseExpression]:
    """The arguments of a loading call and of the calls its callee is built from."""
    out = [a.value for a in call.args]
    func: cst.BaseExpression = call.func
    while type(func) in (cst.Attribute, cst.Call):
        if type(func) is cst.Call:
            out += [a.value for a in func.args]  # type: ignore[attr-defined]
        func = func.func if type(func) is cst.Call else func.value  # type: ignore[attr-defined]
    return out


def _all_names(expr: cst.BaseExpression) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    expr.visit(_V())
    return found
