"""Flows through a file: data saved to a path, then that path's contents read back.

`pyautogui.screenshot("s.png")` then `requests.post(URL, files={"f": open("s.png", "rb")})`,
or `cv2.imwrite("c.jpg", frame)` of a camera frame, or `f.write(log)` of captured keys: the
value never reaches the send itself, the file it was saved to does. `saved_sources` maps the
names of files the source writes with strong data (analyzer/sources.py) to that data's
source, and `saved_source` answers for one read of a file's contents.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.dropper import opened_path, path_of
from airlock.analyzer.sources import STRONG, path_texts, quals_of

if TYPE_CHECKING:
    from airlock.analyzer.context import Context
    from airlock.analyzer.taint import Origins

WRITE_METHODS = frozenset({"write", "writelines"})
PATH_WRITE_METHODS = frozenset({"write_bytes", "write_text"})
FILE_NAME = re.compile(r"[^/\\]+\.[A-Za-z0-9]{1,5}$")  # `s.png`, `/tmp/.x/log.txt`


def _base(text: str) -> str | None:
    m = FILE_NAME.search(text.replace("{}", ""))
    return m.group() if m else None


def saved_sources(ctx: Context, origins: Origins) -> dict[str, tuple[str, str, cst.CSTNode]]:
    """File name → (kind, what, source node) for each file written with strong data."""
    cached = getattr(ctx, "_saved_sources", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    out: dict[str, tuple[str, str, cst.CSTNode]] = {}
    for site in ctx.collected.calls:
        call = site.node
        func = call.func
        names = _saved_names(ctx, call)  # cheap first: most calls write no named file
        if not names:
            continue
        own = origins.source(call)  # `pyautogui.screenshot("s.png")` captures and saves
        found = own if own is not None and own[0] in STRONG else None
        origin: cst.CSTNode = call
        data = [a.value for a in call.args]
        if type(func) is cst.Attribute:
            data.append(func.value)  # `ImageGrab.grab().save("s.png")`
        for expr in data if found is None else ():
            for node in origins.of(expr):
                src = origins.source(node)
                if src is not None and src[0] in STRONG:
                    found, origin = src, node
                    break
            if found is not None:
                break
        if found is not None:
            for name in names:
                out.setdefault(name, (found[0], found[1], origin))
    ctx._saved_sources = out  # type: ignore[attr-defined]
    return out


def _saved_names(ctx: Context, call: cst.Call) -> list[str]:
    """Names of the files `call` may write: the path a handle was opened on for
    `f.write(…)`, the receiver of `Path(p).write_bytes(…)`, else its arguments' texts."""
    func = call.func
    paths: list[cst.BaseExpression] = [a.value for a in call.args]  # `imwrite(p, frame)`
    if type(func) is cst.Attribute and func.attr.value in WRITE_METHODS:
        opened = opened_path(ctx, func.value)  # `f.write(log)` on `open(p, "a")`
        paths = [opened] if opened is not None else paths
    elif type(func) is cst.Attribute and func.attr.value in PATH_WRITE_METHODS:
        target = path_of(func.value)
        paths = [target] if target is not None else paths
    names = []
    for p in paths:
        if type(p) in (cst.Integer, cst.Float, cst.Call, cst.Lambda, cst.Dict, cst.List):
            continue  # no file name: skip the folding
        for text in ctx.possible_texts(p):
            name = _base(text)
            if name is not None:
                names.append(name)
    return names


def saved_source(
    ctx: Context, origins: Origins, read: cst.CSTNode
) -> tuple[str, str, cst.CSTNode] | None:
    """The strong source saved to the file `read` (a read of a file's contents) reads."""
    if type(read) is not cst.Call:
        return None
    texts = path_texts(ctx, read, quals_of(ctx, read.func))
    if not texts:
        return None
    saved = saved_sources(ctx, origins)
    for text in texts:
        name = _base(text)
        if name is not None and name in saved:
            kind, what, node = saved[name]
            return kind, f"{what} saved to {name[:60]}", node
    return None
