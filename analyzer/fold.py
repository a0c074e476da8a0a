"""Constant folding: the value a string/bytes expression evaluates to, within bounds.

`'ev' + 'al'`, `''.join(chr(c) for c in (101, 118))`, `'lave'[::-1]`,
`base64.b64decode('ZXZhbA==')`, `codecs.decode('riny', 'rot13')`, f-strings, `%`
and `.format` of constants, and names bound once to a constant all fold. Every
intermediate is capped (`MAX_LEN` characters, `MAX_DEPTH` nesting, `MAX_INT_BITS`)
so `'a' * 10**9` is refused before anything is allocated.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import libcst as cst

from airlock.analyzer.call_args import arg_value
from airlock.analyzer.fold_ops import (
    BINOPS,
    DECODERS,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_LEN,
    NOFOLD,
    STR_METHODS,
    NoFold,
    check_size,
    multiply,
    no_wide_fields,
    power,
    simple_string,
)
from airlock.analyzer.identifiers import norm
from airlock.analyzer.records import Binding


class Names(Protocol):
    """What folding reads of the snippet's name table (`resolve.NameTable` is one)."""

    bindings: dict[str, list[Binding]]

    def qualnames(self, expr: cst.BaseExpression) -> frozenset[str]: ...


class Folder:
    """Folds expressions of one snippet, with the snippet's name table for callee names."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self._memo: dict[int, Any] = {}
        self._env: list[dict[str, Any]] = []
        self._depth = 0
        self._active: set[str] = set()
        self.touched: set[int] | None = None
        self._unfoldable: set[int] = set()  # runs of adjacent literals known not to fold

    def fold(self, expr: cst.BaseExpression) -> Any:
        """The constant value of `expr`, or None when it is not a bounded constant."""
        try:
            return self._fold(expr)
        except (NoFold, RecursionError) as exc:
            # NOFOLD is one shared instance: each raise chains its frames onto the old
            # traceback, which would keep every scan's frames and trees alive.
            exc.__traceback__ = None
            return None
        except Exception:  # decoding errors, bad literals: simply not a constant
            return None

    @contextmanager
    def bound(self, name: str, value: Any) -> Iterator[None]:
        """Fold with `name` bound to `value` (one element of a loop over literals)."""
        self._env.append({norm(name): value})
        try:
            yield
        finally:
            self._env.pop()

    def fold_tracking(self, expr: cst.BaseExpression) -> tuple[Any, set[int]]:
        """`fold`, plus the ids of every node the value was computed from."""
        self.touched = set()
        try:
            value = self.fold(expr)
            return value, self.touched
        finally:
            self.touched = None

    def _fold(self, expr: cst.BaseNode) -> Any:
        key = id(expr)
        if self.touched is not None:
            self.touched.add(key)
        if not self._env and self.touched is None and key in self._memo:
            value = self._memo[key]
            if value is NOFOLD:
                raise NOFOLD
            return value
        if self._depth > MAX_DEPTH:
            raise NOFOLD
        self._depth += 1
        try:
            value = check_size(self._eval(expr))
        except NoFold:
            if not self._env and self.touched is None:
                self._memo[key] = NOFOLD
            raise
        finally:
            self._depth -= 1
        if not self._env and self.touched is None:
            self._memo[key] = value
        return value

    def _concatenated(self, e: cst.ConcatenatedString) -> Any:
        """`'a' 'b' 'c'`: libcst nests adjacent literals to the right, one level per piece;
        they are folded as one flat sequence, so a long run is not cut off by `MAX_DEPTH`.
        A tail found not to fold (a piece that does not, or too long) is remembered, so the
        tails of a long run are not each folded again."""
        if id(e) in self._unfoldable:
            raise NOFOLD
        chain: list[cst.ConcatenatedString] = []
        node: cst.BaseNode = e
        while type(node) is cst.ConcatenatedString:
            chain.append(node)  # type: ignore[arg-type]
            node = node.right  # type: ignore[attr-defined]
        pieces = [c.left for c in chain] + [node]
        if self.touched is not None:
            self.touched.update(id(c) for c in chain)  # the tails are part of this value
        value: Any = None
        lengths: list[int] = []
        for i, piece in enumerate(pieces):
            try:
                part = self._fold(piece)
            except NoFold:
                if not self._env:  # every tail holding this piece fails with it
                    self._unfoldable.update(id(c) for c in chain[: i + 1])
                raise
            lengths.append(len(part) if isinstance(part, (str, bytes)) else 0)
            try:
                value = part if value is None else check_size(value + part)
            except NoFold:
                if not self._env:
                    self._mark_too_long(chain, pieces, lengths)
                raise
        return value

    def _mark_too_long(
        self, chain: list[cst.ConcatenatedString], pieces: list[Any], lengths: list[int]
    ) -> None:
        """After a run of literals came out too long: the lengths of the pieces not yet
        read, then every tail longer than `MAX_LEN` on its own is remembered as such."""
        for piece in pieces[len(lengths) :]:
            try:
                part = self._fold(piece)
            except NoFold:
                self._unfoldable.update(id(c) for c in chain[: len(lengths) + 1])
                return
            lengths.append(len(part) if isinstance(part, (str, bytes)) else 0)
        run = sum(lengths)
        for c, n in zip(chain, lengths, strict=False):  # the last piece is no tail
            if run <= MAX_LEN:
                return
            self._unfoldable.add(id(c))
            run -= n

    def _eval(self, e: cst.BaseNode) -> Any:
        # exact-type dispatch: isinstance on libcst's ABCs is several times slower
        tp = type(e)
        if tp is cst.SimpleString:
            return simple_string(e)  # type: ignore[arg-type]
        if tp is cst.BinaryOperation:
            return self._binop(e)  # type: ignore[arg-type]
        if tp is cst.Name:
            return self._name(e.value)  # type: ignore[attr-defined]
        if tp is cst.Call:
            return self._call(e)  # type: ignore[arg-type]
        if tp is cst.ConcatenatedString:
            return self._concatenated(e)  # type: ignore[arg-type]
        if tp is cst.Integer or tp is cst.Float:
            return e.evaluated_value  # type: ignore[attr-defined]
        if tp is cst.FormattedString:
            return self._fstring(e)  # type: ignore[arg-type]
        if tp is cst.UnaryOperation and type(e.operator) is cst.Minus:  # type: ignore[attr-defined]
            return -self._fold(e.expression)  # type: ignore[attr-defined]
        if tp is cst.List or tp is cst.Tuple:
            out = []
            for el in e.elements:  # type: ignore[attr-defined]
                if type(el) is cst.StarredElement:
                    out.extend(self._fold(el.value))
                else:
                    out.append(self._fold(el.value))
            return out if tp is cst.List else tuple(out)
        if tp is cst.Subscript:
            return self._subscript(e)  # type: ignore[arg-type]
        if tp is cst.GeneratorExp or tp is cst.ListComp:
            return self._comprehension(e)  # type: ignore[arg-type]
        raise NOFOLD

    def _binop(self, e: cst.BinaryOperation) -> Any:
        a, b = self._fold(e.left), self._fold(e.right)
        op = type(e.operator)
        if op is cst.Multiply:
            return multiply(a, b)
        if op is cst.Power:
            return power(a, b)
        fn = BINOPS.get(op)
        if fn is None:
            raise NOFOLD
        if op is cst.Modulo and isinstance(a, (str, bytes)):
            b = tuple(b) if isinstance(b, list) else b
            no_wide_fields(a, b if isinstance(b, tuple) else (b,))
        return fn(a, b)

    def _name(self, name: str) -> Any:
        name = norm(name)
        for frame in reversed(self._env):
            if name in frame:
                return frame[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        binds = self.names.bindings.get(name)
        if not binds or len(binds) != 1 or binds[0].kind != "value" or name in self._active:
            raise NOFOLD
        self._active.add(name)
        try:
            return self._fold(binds[0].payload)  # type: ignore[arg-type]
        finally:
            self._active.discard(name)

    def _fstring(self, e: cst.FormattedString) -> str:
        out = []
        for part in e.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("{{", "{").replace("}}", "}")
                if "\\" in text and "r" not in e.prefix.lower():
                    text = ast.literal_eval(f'"""{text}"""') if '"""' not in text else text
                out.append(text)
            else:
                if part.format_spec:
                    raise NOFOLD
                value = self._fold(part.expression)
                out.append(repr(value) if part.conversion == "r" else str(value))
        return "".join(out)

    def _subscript(self, e: cst.Subscript) -> Any:
        if len(e.slice) != 1:
            raise NOFOLD
        base = self._fold(e.value)
        s = e.slice[0].slice
        if isinstance(s, cst.Index):
            return base[self._fold(s.value)]
        if isinstance(s, cst.Slice):
            parts = [None if p is None else self._fold(p) for p in (s.lower, s.upper, s.step)]
            return base[slice(*parts)]
        raise NOFOLD

    def _args(self, call: cst.Call) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for a in call.args:
            if a.star:
                raise NOFOLD
            if a.keyword is not None:
                kwargs[a.keyword.value] = self._fold(a.value)
            else:
                args.append(self._fold(a.value))
        return args, kwargs

    def _call(self, call: cst.Call) -> Any:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in STR_METHODS:
            try:
                receiver = self._fold(func.value)
            except NoFold as exc:
                exc.__traceback__ = None
                receiver = NOFOLD
            if isinstance(receiver, (str, bytes)):
                args, kwargs = self._args(call)
                if func.attr.value == "format":
                    no_wide_fields(receiver, (*args, *kwargs.values()))
                if func.attr.value == "join" and args:
                    items = list(args[0])
                    if len(receiver) * len(items) + sum(len(i) for i in items) > MAX_LEN:
                        raise NOFOLD
                    args = [items]
                method = func.attr.value
                if (
                    method == "replace"
                    and len(args) >= 2
                    and (len(receiver) + 1) * (len(args[1]) + 1) > MAX_LEN
                ):
                    raise NOFOLD
                if (
                    method in ("center", "ljust", "rjust", "zfill")
                    and args
                    and (not isinstance(args[0], int) or args[0] > MAX_LEN)
                ):
                    raise NOFOLD
                return getattr(receiver, func.attr.value)(*args, **kwargs)
        names = self.names.qualnames(func)
        if "builtins.map" in names and len(call.args) == 2:
            fn = self.names.qualnames(call.args[0].value)
            impl = next((DECODERS[f] for f in fn if f in DECODERS), None)
            if impl is None:
                raise NOFOLD
            seq = self._fold(call.args[1].value)
            if len(seq) > MAX_ITEMS:
                raise NOFOLD
            return [check_size(impl(x)) for x in seq]
        for name in names:
            impl = DECODERS.get(name)
            if impl is not None:
                args, kwargs = self._args(call)
                value = impl(*args, **kwargs)
                if value is NOFOLD:
                    raise NOFOLD
                return value
        raise NOFOLD

    def _comprehension(self, e: cst.GeneratorExp | cst.ListComp) -> list[Any]:
        comp = e.for_in
        if comp.inner_for_in is not None or comp.asynchronous is not None:
            raise NOFOLD
        if not isinstance(comp.target, cst.Name):
            raise NOFOLD
        seq = self._fold(comp.iter)
        if isinstance(seq, int) or len(seq) > MAX_ITEMS:
            raise NOFOLD
        out = []
        frame: dict[str, Any] = {}
        self._env.append(frame)
        try:
            for item in seq:
                frame[norm(comp.target.value)] = item
                if all(self._fold(cond.test) for cond in comp.ifs):
                    out.append(self._fold(e.elt))
        finally:
            self._env.pop()
        return out


def is_plain_literal(expr: cst.BaseExpression) -> bool:
    """True when `expr` is spelled as a literal (no computation hides its value)."""
    while isinstance(expr, cst.ConcatenatedString):
        if not is_plain_literal(expr.left):  # type: ignore[arg-type]
            return False
        expr = expr.right  # type: ignore[assignment]
    if isinstance(expr, cst.SimpleString):
        return True
    if isinstance(expr, cst.FormattedString):
        return all(isinstance(p, cst.FormattedStringText) for p in expr.parts)
    return False


__all__ = [
    "DECODERS",
    "MAX_DEPTH",
    "MAX_LEN",
    "STR_METHODS",
    "Folder",
    "NoFold",
    "arg_value",
    "is_plain_literal",
    "simple_string",
]
