"""Sinks of value flow, and the checks that ask where their arguments come from.

- `secret_to_network`: a strong source (analyzer/sources.py) reaches a network send,
  upload or DNS lookup (AIR-FLOW-001, block);
- `credential_to_network`: only weak sources do (AIR-FLOW-002, review);
- `drop_flow`: any of those, or a value named like a secret, sent to a drop service or a
  hard-coded public IP address (AIR-FLOW-004, block);
- `destructive_walk`: entries of a walk rooted at `/`, home, the user's documents or a
  system tree reach rmtree/remove/unlink/truncate/chmod/rename/overwrite (AIR-FLOW-003).

Each finding sits on the sink and names the source with its line.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.destinations import drop_destination
from airlock.analyzer.resolve import arg_value
from airlock.analyzer.saved import saved_source
from airlock.analyzer.sources import FILE, NAMED, STRONG, WEAK, quals_of
from airlock.analyzer.taint import Origins
from airlock.analyzer.template import HOLE

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

NETWORK_SINKS = (
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.get",
    "requests.request",
    "requests.delete",
    "requests.Session.",
    "requests.session.",
    "requests.api.",
    "httpx.",
    "urllib.request.urlopen",
    "urllib.request.Request",
    "urllib2.urlopen",
    "urllib2.Request",
    "http.client.HTTPConnection.request",
    "http.client.HTTPSConnection.request",
    "http.client.HTTPConnection.send",
    "http.client.HTTPSConnection.send",
    "socket.socket.send",
    "socket.socket.sendall",
    "socket.socket.sendto",
    "socket.create_connection.send",
    "socket.create_connection.sendall",
    "smtplib.SMTP.sendmail",
    "smtplib.SMTP.send_message",
    "smtplib.SMTP_SSL.sendmail",
    "smtplib.SMTP_SSL.send_message",
    "ftplib.FTP.storbinary",
    "ftplib.FTP.storlines",
    "aiohttp.ClientSession.post",
    "aiohttp.ClientSession.put",
    "aiohttp.ClientSession.get",
    "websocket.create_connection.send",
    "websocket.WebSocket.send",
    "paramiko.SFTPClient.put",
    "discord_webhook.DiscordWebhook",
    "dhooks.Webhook",
    "telebot.TeleBot.send_",
    "telegram.Bot.send_",
    "socket.gethostbyname",
    "socket.getaddrinfo",
    "dns.resolver.resolve",
    "dns.resolver.query",
    "dns.resolver.Resolver.resolve",
    "dns.resolver.Resolver.query",
)
# Returned by a sink that is only a connection/handle (not data sent): skip these names.
NOT_SENDS = frozenset({"requests.Session", "httpx.Client", "httpx.AsyncClient", "requests.session"})

WALKERS = frozenset(
    {"os.walk", "os.fwalk", "os.listdir", "os.scandir", "glob.glob", "glob.iglob", "os.path.walk"}
)
WALK_METHODS = frozenset({"rglob", "glob", "iterdir", "walk"})
DESTROYERS = frozenset(
    {
        "os.remove",
        "os.unlink",
        "os.rmdir",
        "os.removedirs",
        "shutil.rmtree",
        "os.truncate",
        "os.chmod",
        "os.rename",
        "os.replace",
        "shutil.move",
    }
)
DESTROY_METHODS = frozenset({"unlink", "rmdir", "write_bytes", "write_text", "chmod", "rename"})
ROOTED = re.compile(
    r"^(/|/\*|~|~[/\\].*|/home(/.*)?|/Users(/.*)?|/root(/.*)?|/etc(/.*)?|/dev(/.*)?|/var(/.*)?|"
    r"/usr(/.*)?|/boot(/.*)?|/bin(/.*)?|/lib(/.*)?|/opt(/.*)?|/srv(/.*)?|/mnt(/.*)?|"
    r"[A-Za-z]:[/\\]?|[A-Za-z]:[/\\]+Users([/\\].*)?|"
    r"\{\}[/\\](Documents|Desktop|Downloads|Pictures)([/\\].*)?)$"
)
SINK_TAILS = frozenset(
    {q.rsplit(".", 1)[-1] for q in NETWORK_SINKS if not q.endswith(".")}
    | {"get", "post", "put", "patch", "delete", "head", "request", "stream", "urlopen"}
)
DESTROY_TAILS = frozenset({q.rsplit(".", 1)[-1] for q in DESTROYERS} | DESTROY_METHODS)
TEMP_ROOT = re.compile(r"^(/tmp|/var/tmp|/var/folders)(/|$)")
# walk roots whose files are the user's or the machine's own: sent out in bulk, a stealer
PERSONAL_ROOT = re.compile(
    r"^(/|~|/home|/Users|/root|/etc|/home/[^/\\]+|/Users/[^/\\]+|[A-Za-z]:[/\\]?|"
    r"[A-Za-z]:[/\\]+Users([/\\]+[^/\\]+)?|"
    r"(~|\{\}|/home/[^/\\]+|/Users/[^/\\]+|/root)[/\\]+"
    r"(Documents|Desktop|Downloads|Pictures|OneDrive|\.ssh|\.aws|\.gnupg|\.config)([/\\].*)?)$"
)
WALKED = "walked"  # a file found by walking such a tree: strong, whatever the file is


def _where(ctx: Context, node: cst.CSTNode) -> str:
    """The line of the statement holding `node` (cheap: no source search)."""
    stmt = ctx.collected.stmt_of.get(id(node))
    line = getattr(stmt, "lineno", 0)
    return f" (line {line})" if line else ""


def _flows(ctx: Context, origins: Origins, call: cst.Call) -> list[tuple[str, str, cst.CSTNode]]:
    found = []
    for a in call.args:
        walks = []
        read = False
        for node in origins.of(a.value):
            src = origins.source(node)
            if src is not None and src[0] == FILE:
                saved = saved_source(ctx, origins, node)  # `open("s.png")` of a screenshot
                if saved is not None:
                    found.append(saved)
            if src is not None:
                found.append((src[0], src[1], node))
                read = read or src[0] == FILE
            elif type(node) is cst.Call:
                root = _walk_root(ctx, node)
                if root is not None and PERSONAL_ROOT.match(root):
                    walks.append((WALKED, f"files found walking {root}", node))
        if read:  # the files' contents go out, not only their count or size
            found.extend(walks)
    return found


def _remember(ctx: Context, sink: cst.Call, source: cst.CSTNode, what: str, name: str) -> None:
    """Keep the path of a reported flow: the scan puts it on the finding (`Finding.flow`)."""
    paths = getattr(ctx, "flow_paths", None)
    if paths is None:
        paths = ctx.flow_paths = {}  # type: ignore[attr-defined]
    paths[id(sink)] = (source, what, name)


def _origins(ctx: Context) -> Origins:
    cached = getattr(ctx, "_origins", None)
    if cached is None:
        cached = Origins(ctx)
        ctx._origins = cached  # type: ignore[attr-defined]
    return cached


def _tail(call: cst.Call) -> str | None:
    func = call.func
    if type(func) is cst.Attribute:
        return func.attr.value
    return func.value if type(func) is cst.Name else None


def _network_flows(ctx: Context) -> list[tuple[cst.Call, str, list[tuple[str, str, cst.CSTNode]]]]:
    """Every network send with the sources its arguments come from (computed once)."""
    cached = getattr(ctx, "_network_flows", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    origins = _origins(ctx)
    out = []
    for site in ctx.collected.calls:
        call = site.node
        tail = _tail(call)
        if tail is None or not (tail in SINK_TAILS or tail.startswith("send")) or not call.args:
            continue  # cheap: only calls spelled like a send are resolved
        quals = quals_of(ctx, call.func)
        sink = next(
            (q for q in sorted(quals) if q.startswith(NETWORK_SINKS) and q not in NOT_SENDS), None
        )
        if sink is not None:
            out.append((call, sink, _flows(ctx, origins, call)))
    ctx._network_flows = out  # type: ignore[attr-defined]
    return out


def _network_hits(ctx: Context, strong: bool) -> list[CheckHit]:
    kinds = (*STRONG, WALKED) if strong else WEAK
    out: list[CheckHit] = []
    for call, sink, flows in _network_flows(ctx):
        if not strong and any(k in STRONG or k == WALKED for k, _, _ in flows):
            continue  # reported as exfiltration already
        for kind, what, node in flows:
            if kind in kinds:
                out.append((call, f"{what}{_where(ctx, node)} → {sink}", 0, 0))
                _remember(ctx, call, node, what, sink)
                break
    return out


def secret_to_network(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """Secrets, captured input or host reconnaissance reaching a network send."""
    return _network_hits(ctx, strong=True)


def credential_to_network(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """An environment variable, a keyring entry, a user's file or a command's output sent out."""
    return _network_hits(ctx, strong=False)


def drop_flow(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """Data from a source, or a value named like a secret, sent to a drop service or a
    hard-coded public IP address (analyzer/destinations.py)."""
    out: list[CheckHit] = []
    for call, sink, flows in _network_flows(ctx):
        if not flows:
            continue
        url = arg_value(call, 0, "url")
        dest = drop_destination(_texts(ctx, url), compiled.drop_hosts) if url is not None else None
        if dest is None:
            continue
        sent = flows if sink.startswith(DNS_SINKS) else _payload_flows(ctx, call, url)
        if not sent:
            continue
        _, what, node = next((f for f in sent if f[0] not in (NAMED, FILE)), sent[0])
        out.append((call, f"{what}{_where(ctx, node)} → {sink} to {dest}", 0, 0))
        _remember(ctx, call, node, what, f"{sink} to {dest}")
    return out


CREDENTIAL_ARGS = frozenset({"headers", "auth", "cert"})  # how a client proves who it is
DNS_SINKS = ("socket.gethostbyname", "socket.getaddrinfo", "dns.resolver.")  # the name is the data


def _payload_flows(
    ctx: Context, call: cst.Call, url: cst.BaseExpression
) -> list[tuple[str, str, cst.CSTNode]]:
    """Sources reaching what a send carries: not its URL (a bot token in the path is the
    credential of the service it names) nor its headers or auth."""
    origins = _origins(ctx)
    found = []
    for a in call.args:
        if a.value is url or (a.keyword is not None and a.keyword.value in CREDENTIAL_ARGS):
            continue
        for node in origins.of(a.value):
            src = origins.source(node)
            if src is not None:
                found.append((src[0], src[1], node))
    return found


def _texts(ctx: Context, expr: cst.BaseExpression) -> list[str]:
    """Texts `expr` may have; for a parameter of the snippet's own function, also those of
    the arguments its calls pass (`def wipe(top): os.walk(top)` … `wipe("/")`)."""
    texts = ctx.possible_texts(expr)
    if type(expr) is cst.Name:
        for b in ctx.names.bindings.get(expr.value, ()):
            if b.kind == "param" and isinstance(b.payload, str):
                for value in _origins(ctx)._arguments(b.payload, expr.value):
                    texts.extend(ctx.possible_texts(value))
    return texts


def _walk_root(ctx: Context, call: cst.Call) -> str | None:
    """The root of a directory walk, when it is `/`, home, a system or document tree."""
    memo = _origins(ctx).walk_roots
    key = id(call)
    if key not in memo:
        memo[key] = _find_walk_root(ctx, call)
    return memo[key]


def _find_walk_root(ctx: Context, call: cst.Call) -> str | None:
    quals = quals_of(ctx, call.func)
    func = call.func
    if quals & WALKERS:
        root = (
            arg_value(call, 0, "top")
            or arg_value(call, 0, "path")
            or arg_value(call, 0, "pathname")
        )
        texts = _texts(ctx, root) if root is not None else (["."] if "os.listdir" in quals else [])
    elif type(func) is cst.Attribute and func.attr.value in WALK_METHODS:
        texts = _texts(ctx, func.value)
    else:
        return None
    for t in texts:
        t = t.rstrip("*").rstrip("/\\") or "/"
        if ROOTED.match(t) and not TEMP_ROOT.match(t):
            return t
    return None


MOVERS = frozenset({"os.rename", "os.replace", "shutil.move"})
MOVE_METHODS = frozenset({"rename", "replace"})


def _inside(ctx: Context, destination: cst.BaseExpression, root: str) -> bool:
    """Every text `destination` may have names a path of its own (a hole for the entry's
    name) inside the walked tree `root`, after `..` is resolved; never for a walk of `/`
    or a drive."""
    prefix = posixpath.normpath(root.replace("\\", "/"))
    if prefix in ("/", ".") or re.fullmatch(r"[A-Za-z]:/?", prefix):
        return False
    texts = _texts(ctx, destination)
    return bool(texts) and all(
        HOLE in t and posixpath.normpath(t.replace("\\", "/")).startswith(prefix + "/")
        for t in texts
    )


def destructive_walk(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """Entries of a walk of `/`, home or a system tree fed to a destructive operation."""
    origins = _origins(ctx)
    out: list[CheckHit] = []
    for site in ctx.collected.calls:
        call = site.node
        if _tail(call) not in DESTROY_TAILS:
            continue
        quals = quals_of(ctx, call.func)
        func = call.func
        destination = None
        if quals & DESTROYERS:
            targets = [a.value for a in call.args[:2]]
            sink = sorted(quals & DESTROYERS)[0]
            if sink in MOVERS:
                destination = arg_value(call, 1, "dst")
        elif type(func) is cst.Attribute and func.attr.value in DESTROY_METHODS and not quals:
            targets = [func.value]
            sink = f"Path.{func.attr.value}"
            if func.attr.value in MOVE_METHODS:
                destination = arg_value(call, 0, "target")
        else:
            continue
        for target in targets:
            hit = next(
                (
                    (root, node)
                    for node in origins.of(target)
                    if type(node) is cst.Call and (root := _walk_root(ctx, node)) is not None
                ),
                None,
            )
            if hit is not None and destination is not None and _inside(ctx, destination, hit[0]):
                break  # files sorted into folders of the tree they are in: nothing is lost
            if hit is not None:
                _remember(ctx, call, hit[1], f"a walk of {hit[0]}", sink)
                out.append(
                    (call, f"entries of a walk of {hit[0]}{_where(ctx, hit[1])} → {sink}", 0, 0)
                )
                break
    return out
