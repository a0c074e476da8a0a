"""Partial folding: a string's constant parts, with `{}` for each part that is unknown.

Literal rules see these templates, and `matches` argument conditions fall back to
them, so a hole in the middle of a path (`f"/proc/{pid}/environ"`,
`Path.home() / ".ssh" / name`) does not hide the path.
"""

from __future__ import annotations

import re

import libcst as cst

from airlock.analyzer.fold import MAX_DEPTH, MAX_LEN, Folder

HOLE = "{}"
HOME_CALLS = frozenset({"pathlib.Path.home", "pathlib.PosixPath.home", "os.path.expanduser"})
TEMP_DIR_CALLS = frozenset({"tempfile.gettempdir", "tempfile.gettempdirb"})  # → /tmp
ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
PATH_JOINS = frozenset(
    {
        "os.path.join",
        "posixpath.join",
        "ntpath.join",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.PurePosixPath",
    }
)
SAME_PATH_METHODS = frozenset({"expanduser", "resolve", "absolute", "as_posix", "strip"})
FIELD = re.compile(r"\{[^{}]*\}")


class Templater:
    """Partial folding: the constant parts of a string, with `{}` for what is unknown.

    `f'/proc/{pid}/environ'` → `/proc/{}/environ`; `Path.home() / '.ssh' / name` →
    `~/.ssh/{}`. Literal rules see these templates, so a hole in the middle of a path
    does not hide the path.
    """

    def __init__(self, folder: Folder) -> None:
        self.folder = folder
        self.names = folder.names
        self.touched: set[int] = set()
        self._depth = 0

    def template(self, expr: cst.BaseExpression) -> str | None:
        """The template of `expr` if it has at least one constant part, else None."""
        self.touched = set()
        text = self._t(expr)
        if text is None or not text.replace(HOLE, "").strip("/"):
            return None
        return text[:MAX_LEN]

    def _t(self, e: cst.BaseExpression) -> str | None:
        self.touched.add(id(e))
        value = self.folder.fold(e)
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if self._depth > MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._partial(e)
        finally:
            self._depth -= 1

    def _hole(self, e: cst.BaseExpression | None) -> str:
        if e is None:
            return HOLE
        part = self._t(e)
        return HOLE if part is None else part

    def _partial(self, e: cst.BaseExpression) -> str | None:
        tp = type(e)
        if tp is cst.FormattedString:
            out = []
            for part in e.parts:  # type: ignore[attr-defined]
                if type(part) is cst.FormattedStringText:
                    out.append(part.value)
                else:
                    out.append(self._hole(part.expression))
            return "".join(out)
        if tp is cst.BinaryOperation:
            op = type(e.operator)  # type: ignore[attr-defined]
            if op is cst.Add:
                return self._hole(e.left) + self._hole(e.right)  # type: ignore[attr-defined]
            if op is cst.Divide:
                return f"{self._hole(e.left)}/{self._hole(e.right)}"  # type: ignore[attr-defined]
            if op is cst.Modulo:
                left = self.folder.fold(e.left)  # type: ignore[attr-defined]
                self.touched.add(id(e.left))  # type: ignore[attr-defined]
                if isinstance(left, str):
                    return re.sub(r"%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]", HOLE, left)
            return None
        if tp is cst.Name:
            binds = self.names.bindings.get(e.value)  # type: ignore[attr-defined]
            if binds and len(binds) == 1 and binds[0].kind == "value":
                return self._t(binds[0].payload)  # type: ignore[arg-type]
            return None
        if tp is cst.Subscript:
            if self.names.qualnames(e.value) & {"os.environ"}:  # type: ignore[attr-defined]
                key = self.names.const_str(e.slice[0].slice.value) if len(e.slice) == 1 else None  # type: ignore[attr-defined,union-attr]
                return "~" if key == "HOME" else None
            return None
        if tp is cst.Call:
            return self._call(e)  # type: ignore[arg-type]
        return None

    def _call(self, call: cst.Call) -> str | None:
        func = call.func
        quals = self.names.qualnames(func)
        args = [a.value for a in call.args if not a.keyword and not a.star]
        self.touched.update(id(a) for a in args)
        if quals & HOME_CALLS:
            first = self.folder.fold(args[0]) if args else "~"
            return first if isinstance(first, str) else "~"
        if quals & TEMP_DIR_CALLS:
            return "/tmp"
        if quals & ENV_READS:
            key = self.names.const_str(args[0]) if args else None
            return "~" if key == "HOME" else None
        if quals & PATH_JOINS:
            return "/".join(self._hole(a) for a in args) if args else None
        if type(func) is cst.Attribute:
            method = func.attr.value
            if method == "joinpath":
                return "/".join([self._hole(func.value), *(self._hole(a) for a in args)])
            if method in SAME_PATH_METHODS and not args:
                return self._t(func.value)
            if method == "format":
                receiver = self.folder.fold(func.value)
                self.touched.add(id(func.value))
                if isinstance(receiver, str):
                    return FIELD.sub(HOLE, receiver)
        return None
