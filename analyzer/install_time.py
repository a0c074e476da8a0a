"""Install-time payloads: a setup script that downloads, runs programs or executes code.

`pip install` of a source distribution runs its `setup.py` with the installing user's
rights, so malicious packages put their payload there — beside the `setup()` call, after
it, or in a command class it registers. A setup script has no business talking to the
network, starting anything but a build tool, or executing code it built: `install_payload`
reports each such call in a source that calls `setuptools.setup` / `distutils.core.setup`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.resolve import arg_value
from airlock.analyzer.sinks import NETWORK_SINKS
from airlock.analyzer.sources import quals_of

if TYPE_CHECKING:
    from airlock.analyzer.checks import CheckHit
    from airlock.analyzer.context import Context
    from airlock.analyzer.matchers import CompiledRules

SETUP_CALLS = frozenset(
    {"setuptools.setup", "distutils.core.setup", "setuptools._distutils.core.setup"}
)
FETCHERS = (
    "urllib.request.urlretrieve",
    "urllib.urlretrieve",
    "wget.download",
    "pip._internal.main",
)
SHELLS = frozenset(
    {"os.system", "os.popen", "os.startfile", "webbrowser.open", "webbrowser.open_new", "pty.spawn"}
)
LAUNCHERS = re.compile(
    r"^(subprocess\.(Popen|call|run|check_call|check_output|getoutput|getstatusoutput)|"
    r"os\.(spawn|exec)[a-z]*|os\.posix_spawnp?|asyncio\.create_subprocess_(exec|shell))$"
)
EXECS = frozenset({"builtins.exec", "builtins.eval", "builtins.compile"})
# Programs a build legitimately starts from setup.py (compilers, generators, version control).
BUILD_TOOLS = frozenset(
    {
        "git", "hg", "svn", "cmake", "make", "ninja", "meson", "pkg-config", "gcc", "cc", "c++",
        "g++", "clang", "clang++", "nvcc", "swig", "cython", "protoc", "ar", "ld", "xcrun",
        "autoreconf", "configure", "./configure", "sh ./configure", "bazel", "cargo", "rustc", "go",
    }
)  # fmt: skip


def _is_setup_script(ctx: Context) -> bool:
    return any(quals_of(ctx, site.node.func) & SETUP_CALLS for site in ctx.collected.calls)


def _program(ctx: Context, call: cst.Call) -> str | None:
    """The program a launcher starts, when it is a constant first word."""
    command = arg_value(call, 0, "args")
    if command is None:
        return None
    for text in ctx.possible_texts(command):
        word = text.strip().split(" ", 1)[0].strip("\"'")
        if word and "{}" not in word:
            return word.rsplit("/", 1)[-1]
    return None


def _shell_true(call: cst.Call) -> bool:
    value = arg_value(call, None, "shell")
    return type(value) is cst.Name and value.value == "True"


def _payload(ctx: Context, call: cst.Call, quals: set[str]) -> str | None:
    for q in sorted(quals):
        if q.startswith(NETWORK_SINKS) or q.startswith(FETCHERS):
            return f"{q} (network)"
        if q in SHELLS:
            return q
        if q in EXECS:
            arg = arg_value(call, 0, "source")
            if arg is not None and not isinstance(ctx.folder.fold(arg), (str, bytes)):
                return f"{q} of code built at run time"
        if LAUNCHERS.match(q):
            program = _program(ctx, call)
            if _shell_true(call) or program is None or program not in BUILD_TOOLS:
                return f"{q} starting {program or 'a computed program'}"
    return None


def install_payload(ctx: Context, compiled: CompiledRules) -> list[CheckHit]:
    """Network, program starts and dynamic code in a setup script."""
    if not _is_setup_script(ctx):
        return []
    out: list[CheckHit] = []
    statements: set[int] = set()  # one per statement: `urlopen(u).read()` is one call
    for site in ctx.collected.calls:
        call = site.node
        quals = quals_of(ctx, call.func)
        if not quals or quals & SETUP_CALLS:
            continue
        what = _payload(ctx, call, quals)
        stmt = id(ctx.collected.stmt_of.get(id(call)) or call)
        if what is not None and stmt not in statements:
            statements.add(stmt)
            out.append((call, what, 0, 0))
    return out
