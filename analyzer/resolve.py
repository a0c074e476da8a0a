"""The alias table: which qualified names an expression can stand for.

Built during the engine's single traversal (bindings are recorded as they are seen)
and queried after it, so uses that precede their definitions resolve too. The table
is flow- and scope-insensitive on purpose: a name bound to `os.system` anywhere in
the snippet may be `os.system` everywhere, and a name the snippet binds itself (a
`def`, class, parameter, loop variable) is never a builtin.
"""

from __future__ import annotations

import builtins
import re
from functools import lru_cache

import libcst as cst

from airlock.analyzer.call_args import arg_value
from airlock.analyzer.flow import EMPTY, MAX_DEPTH, ValueFlow
from airlock.analyzer.fold import Folder
from airlock.analyzer.identifiers import norm
from airlock.analyzer.records import Binding

BUILTIN_NAMES = frozenset(dir(builtins)) - {"__builtins__"}
BUILTIN_FUNCTION_NAMES = frozenset(
    f"builtins.{n}"
    for n in BUILTIN_NAMES
    if type(getattr(builtins, n)).__name__ == "builtin_function_or_method"
)
BUILTINS_MODULE = frozenset({"builtins"})
IMPORTERS = frozenset({"builtins.__import__", "importlib.__import__"})
IMPORT_MODULE = frozenset({"importlib.import_module"})
# Resolvers of a dotted name to the object it names (`pydoc.locate("os.system")`,
# `pkgutil.resolve_name("os:system")`): importers that reach a function, not only a module.
NAME_RESOLVERS = frozenset(
    {"pydoc.locate", "pkgutil.resolve_name", "django.utils.module_loading.import_string"}
    | {"werkzeug.utils.import_string", "celery.utils.imports.symbol_by_name"}
    | {"hydra.utils.get_method", "hydra.utils.get_class", "hydra.utils.get_object"}
    | {"zope.dottedname.resolve.resolve", "kombu.utils.imports.symbol_by_name"}
)
NAMESPACE_READERS = frozenset({"builtins.globals", "builtins.locals"})
ATTR_FUNCS_SET = frozenset(
    {"builtins.getattr", "builtins.setattr", "builtins.hasattr", "builtins.delattr"}
)
GLOBALS = "<globals>"
SELF_NAMES = frozenset({"self", "cls"})  # an instance's attributes are what its methods store
INSTANCE = "()"  # marks "the value returned by calling" inside a qualified name
SPECIAL_CALLS = frozenset(
    {
        "functools.partial",
        "builtins.getattr",
        "builtins.vars",
        "builtins.globals",
        "builtins.locals",
        "builtins.__import__",
        "importlib.__import__",
        "importlib.import_module",
    }
    | NAME_RESOLVERS
)
# Modules other modules import and so re-export as attributes (`subprocess.os.system`).
REEXPORTED = frozenset(
    {"os", "sys", "subprocess", "socket", "builtins", "ctypes", "pickle", "marshal", "shutil"}
    | {"importlib", "pty", "posix", "signal", "tempfile", "urllib", "http", "codecs", "base64"}
)
# A parameter or a never-bound global spelled like one of these modules is taken to be it
# (`def run(cmd, *, os): os.system(cmd)`; a global injected by `exec(code, {"os": os})`):
# the caller decides what it is, and these are the spellings an escape hands in.
MODULE_LOOKALIKES = frozenset(
    {"os", "subprocess", "sys", "builtins", "socket", "pty", "ctypes", "importlib", "shutil"}
    | {"pickle", "marshal", "posix", "nt", "_posixsubprocess", "_imp", "runpy"}
)
# A global never bound anywhere in the snippet (a fragment that uses modules its reader
# imported elsewhere: `yaml.load(f, Loader=yaml.UnsafeLoader)`) may also be one of these:
# deserialisers, decoders and network clients whose rules must still see the call.
UNBOUND_LOOKALIKES = MODULE_LOOKALIKES | frozenset(
    {"yaml", "dill", "jsonpickle", "cPickle", "shelve", "base64", "zlib", "codecs", "binascii"}
    | {"requests", "urllib", "urllib2", "httpx", "telnetlib", "paramiko", "ftplib", "smtplib"}
)
# A function called but never bound in the snippet, spelled like a command runner or a
# socket helper, is one its host defines: a payload module run inside an implant's own
# namespace (`send(client_socket, run_command(cmd))`). It is taken to be what it is named
# for, at lower confidence (`guessed`), as the module lookalikes are.
UNBOUND_HELPERS = (
    (
        re.compile(
            r"(run|exec|execute|start|shell|do)_?(command|cmd|shell|powershell|process)s?|"
            r"(shell|cmd|command|system)_?(exec|execute|run)"
        ),
        "subprocess.getoutput",
    ),
    (re.compile(r"system|popen"), "os.{}"),
    (
        re.compile(r"send(_?all|_?(data|msg|message|output|result|response|file))?"),
        "socket.socket.send",
    ),
    (
        re.compile(r"(recv|receive)(_?(all|data|msg|message|command|cmd))?"),
        "socket.socket.recv",
    ),
)


@lru_cache(maxsize=4096)
def helper_for(name: str) -> str | None:
    """What a never-bound global spelled like a runner or socket helper is taken to be."""
    if name in BUILTIN_NAMES:
        return None
    low = name.lower()
    for spelling, meaning in UNBOUND_HELPERS:
        if spelling.fullmatch(low):
            return meaning.format(low)
    return None


# Bounds that keep resolution linear on adversarial code (`h = h.set(k)` rebound hundreds
# of times makes every chain of methods a candidate): calls on call results are followed
# MAX_CALL_CHAIN deep, names have at most MAX_SEGMENTS parts, and an expression resolves to
# at most MAX_NAMES names. Hitting the last bound sets `NameTable.overflowed`, which the
# scan reports as an incomplete analysis (never `allow`).
MAX_CALL_CHAIN = 4
MAX_SEGMENTS = 16
MAX_NAMES = 256


def canonical(qualname: str) -> str:
    """The name rules are written in: `socket.socket().listen` → `socket.socket.listen`,
    `posix.system` (the module behind os) → `os.system`."""
    if INSTANCE in qualname:
        qualname = qualname.replace(INSTANCE, "")
    head, dot, rest = qualname.partition(".")
    return f"os.{rest}" if dot and head in OS_BACKENDS else qualname


OS_BACKENDS = frozenset({"posix", "nt"})  # os re-exports these modules' functions


def is_instance(qualname: str) -> bool:
    """True for the value of a call (an instance or a result), not a module or function."""
    return INSTANCE in qualname


class NameTable(ValueFlow):
    """Bindings of the snippet and the resolution of expressions to qualified names.

    The table owns the snippet's constant folder (keys, module names and attribute
    names fold through it); the folder reads the table's bindings back.
    """

    def __init__(self) -> None:
        self.bindings: dict[str, list[Binding]] = {}
        self.folder = Folder(self)
        self._memo: dict[int, frozenset[str]] = {}
        self._active: set[int] = set()
        self._taint_memo: dict[int, frozenset[str]] = {}
        self.class_attrs: dict[tuple[str, str], list[cst.BaseExpression]] = {}
        self.returns: dict[str, list[cst.BaseExpression]] = {}
        self.functions: dict[str, list[cst.FunctionDef]] = {}
        self.class_methods: dict[str, list[str]] = {}  # each own class → its methods' names
        self.decorated_classes: list[cst.ClassDef] = []  # `@exec` runs on a class as on a def
        self.scope: str | None = None  # the `def` the traversal is in, for the bindings it records
        # values stored into an attribute of anything (`self.token = v`), by attribute name,
        # and into a named container (`d[k] = v`, `d.append(v)`), by the container's name
        self.attr_values: dict[str, list[cst.BaseExpression]] = {}
        self.stored_into: dict[str, list[cst.BaseExpression]] = {}
        # a name used inside a loop that binds it → that loop's iterable (id of the use)
        self.loop_use: dict[int, cst.BaseExpression] = {}
        self.loop_iters: set[int] = set()
        self.star_modules: list[str] = []
        self.overflowed = False  # resolution hit a bound: the scan reports it, never allows
        self._resolving: list[str] = []  # the names being resolved, outermost first

    # -- recording (during the traversal) -------------------------------------------------
    def bind(self, name: str, kind: str, payload: object = None) -> None:
        """Record that `name` is bound (NFKC-normalised, as the interpreter sees it)."""
        self.bindings.setdefault(norm(name), []).append(Binding(kind, payload, self.scope))

    def bind_class_attr(self, cls: str, attr: str, value: cst.BaseExpression) -> None:
        """`class T: run = os.system` makes `T.run` (and `T().run`) mean `os.system`."""
        self.class_attrs.setdefault((norm(cls), norm(attr)), []).append(value)

    def bind_target(self, target: cst.BaseExpression, kind: str, value: object) -> None:
        """Bind every name in an assignment target; only plain names keep `value`."""
        if isinstance(target, cst.Name):
            self.bind(target.value, kind, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                inner = el.value
                self.bind_target(inner, "flow" if kind == "value" else kind, value)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, "flow", value)

    # -- queries (after the traversal) -----------------------------------------------------
    def qualnames(self, expr: cst.BaseExpression) -> frozenset[str]:
        """Qualified names `expr` may evaluate to (empty if unknown or the snippet's own)."""
        key = id(expr)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if key in self._active:  # a cycle (`x = x.y`): its other bindings still resolve
            return EMPTY
        if len(self._active) > MAX_DEPTH:
            # A chain of distinct aliases this deep is hiding something: say so, never allow.
            # `df = df.dropna()` rebound again and again is not; its meanings are all found
            # through the name's own bindings at a shallower depth.
            if len(set(self._resolving)) == len(self._resolving):
                self.overflowed = True
            return EMPTY
        self._active.add(key)
        try:
            out = self._qualnames(expr)
        finally:
            self._active.discard(key)
        if len(out) > MAX_NAMES:  # keep the plainest names: modules and functions first
            self.overflowed = True
            out = frozenset(sorted(out, key=lambda q: (q.count(INSTANCE), len(q), q))[:MAX_NAMES])
        self._memo[key] = out
        return out

    def name_qualnames(self, name: str) -> frozenset[str]:
        """Resolution of a bare name: its bindings, else a builtin, else nothing."""
        name = norm(name)
        binds = self.bindings.get(name)
        if binds is None:
            if name == "__builtins__":
                return frozenset({"builtins"})
            if name in BUILTIN_NAMES:
                return frozenset({f"builtins.{name}"})
            # never bound here: with `from m import *` it can only come from m
            star = frozenset(f"{m}.{name}" for m in self.star_modules)
            helper = helper_for(name)
            if helper is not None:
                star |= {helper}
            return star | {name} if name in UNBOUND_LOOKALIKES else star
        out: set[str] = set()
        self._resolving.append(name)
        try:
            for b in binds:
                if b.kind == "import":
                    out.add(b.payload)  # type: ignore[arg-type]
                elif b.kind == "param" and name in MODULE_LOOKALIKES:
                    out.add(name)
                elif b.kind == "value":
                    out |= self.qualnames(b.payload)  # type: ignore[arg-type]
        finally:
            self._resolving.pop()
        return frozenset(out)

    def guessed(self, expr: cst.BaseExpression) -> str | None:
        """The root name when `expr` resolves only because that name is spelled like a
        module the snippet never imports (a parameter or a never-bound global), or like a
        never-bound helper (`UNBOUND_HELPERS`): the caller decides what it is, so rules
        matched through it are less sure. None otherwise."""
        while type(expr) in (cst.Attribute, cst.Call, cst.Subscript):
            expr = expr.func if type(expr) is cst.Call else expr.value  # type: ignore[attr-defined]
        if type(expr) is not cst.Name:
            return None
        name = norm(expr.value)  # type: ignore[attr-defined]
        binds = self.bindings.get(name)
        if binds is None:
            in_table = name in UNBOUND_LOOKALIKES and name not in BUILTIN_NAMES
            return name if in_table or helper_for(name) is not None else None
        lookalike = name in MODULE_LOOKALIKES and all(b.kind == "param" for b in binds)
        return name if lookalike else None

    def _qualnames(self, expr: cst.BaseExpression) -> frozenset[str]:
        tp = type(expr)  # exact types: isinstance on libcst's ABCs is slow
        if tp is cst.Name:
            return self.name_qualnames(expr.value)  # type: ignore[attr-defined]
        if tp is cst.Attribute:
            attr = norm(expr.attr.value)  # type: ignore[attr-defined]
            owner = expr.value  # type: ignore[attr-defined]
            if type(owner) is cst.Call:  # `T().run`: an instance sees class attributes
                owner = owner.func
            if type(owner) is cst.Name and self.class_attrs:
                values = self.class_attrs.get((norm(owner.value), attr))
                if values:
                    return frozenset().union(*(self.qualnames(v) for v in values))
            if type(owner) is cst.Name and owner.value in SELF_NAMES:
                # `self.sock = socket.socket()` in one method, `self.sock.recv()` in another
                values = self.attr_values.get(attr)
                if values:
                    return frozenset().union(*(self.qualnames(v) for v in values))
            base = self.qualnames(expr.value)  # type: ignore[attr-defined]
            if not base:
                return EMPTY
            if attr == "__self__" and base & BUILTIN_FUNCTION_NAMES:
                return BUILTINS_MODULE  # `print.__self__` is the builtins module
            out = {f"{q}.{attr}" for q in base if q.count(".") < MAX_SEGMENTS}
            if attr in REEXPORTED and any(not is_instance(q) for q in base):
                out.add(attr)  # `subprocess.os`, `os.path.os`: the module itself
            return frozenset(out)
        if tp is cst.Call:
            return self._call_qualnames(expr)  # type: ignore[arg-type]
        if tp is cst.Subscript:
            sl = expr.slice  # type: ignore[attr-defined]
            if len(sl) != 1 or type(sl[0].slice) is not cst.Index:
                return EMPTY
            index = sl[0].slice.value
            entry = self.container_entry(expr.value, index)  # type: ignore[attr-defined]
            if entry is not None:
                return self.qualnames(entry)
            key = self.const_str(index)
            if key is None:
                return EMPTY
            return self._lookup(self.qualnames(expr.value), key)  # type: ignore[attr-defined]
        if tp is cst.NamedExpr:
            return self.qualnames(expr.value)  # type: ignore[attr-defined]
        return EMPTY

    def _call_qualnames(self, call: cst.Call) -> frozenset[str]:
        funcs = self.qualnames(call.func)
        out: set[str] = set()
        func = call.func
        if (
            type(func) is cst.Call
            and call.args
            and "operator.attrgetter" in self.qualnames(func.func)
        ):
            attr = self.const_str(arg_value(func, 0, None))  # `attrgetter("system")(os)`
            if attr is not None:
                out |= {f"{q}.{attr}" for q in self.qualnames(call.args[0].value)}
        if type(func) is cst.Attribute and func.attr.value in ("get", "__getitem__", "pop"):
            # `d.get("eval")` on a namespace mapping (`builtins.__dict__`, `globals()`)
            key = self.const_str(arg_value(call, 0, None))
            if key is not None:
                out |= self._lookup(self.qualnames(func.value), key)
        if not funcs:
            return frozenset(out)
        for f in funcs:
            if f == "functools.partial" and call.args:
                out |= self.qualnames(call.args[0].value)
            elif f in IMPORTERS or f in IMPORT_MODULE:
                mod = self.const_str(arg_value(call, 0, "name"))
                if mod and not mod.startswith("."):
                    fromlist = arg_value(call, 3, "fromlist")
                    if f in IMPORTERS and (fromlist is None or not self._truthy(fromlist)):
                        mod = mod.split(".")[0]
                    out.add(mod)
            elif f in NAME_RESOLVERS:
                target = self.const_str(arg_value(call, 0, None))
                if target and not target.startswith("."):
                    out.add(target.replace(":", "."))
            elif f == "builtins.getattr":
                attr = self.const_str(arg_value(call, 1, None))
                if attr is not None:
                    obj = arg_value(call, 0, None)
                    if obj is not None:
                        out |= {f"{q}.{attr}" for q in self.qualnames(obj)}
            elif f == "builtins.vars":
                obj = arg_value(call, 0, None)
                if obj is None:
                    out.add(GLOBALS)
                else:
                    out |= {f"{q}.__dict__" for q in self.qualnames(obj)}
            elif f in NAMESPACE_READERS:
                out.add(GLOBALS)
            elif f.endswith(".__getattribute__"):
                attr = self.const_str(arg_value(call, 0, None))
                if attr is not None:
                    out.add(f"{f[: -len('.__getattribute__')]}.{attr}")
            elif f not in SPECIAL_CALLS and f.count(INSTANCE) < MAX_CALL_CHAIN:
                # the value a call returns: `socket.socket()` → an instance whose methods
                # resolve as `socket.socket.listen` (see `canonical`)
                out.add(f"{f}{INSTANCE}")
        return frozenset(out)

    def container_entry(
        self, container: cst.BaseExpression, index: cst.BaseExpression
    ) -> cst.BaseExpression | None:
        """`{'k': os.system}['k']` / `[os.system][0]`, also through a name bound once."""
        if type(container) is cst.Name:
            binds = self.bindings.get(norm(container.value))
            if not binds or len(binds) != 1 or binds[0].kind != "value":
                return None
            container = binds[0].payload  # type: ignore[assignment]
        tp = type(container)
        if tp not in (cst.Dict, cst.List, cst.Tuple):
            return None
        key = self.folder.fold(index)
        if key is None:
            return None
        if tp is cst.Dict:
            for el in container.elements:  # type: ignore[attr-defined]
                if type(el) is cst.DictElement and self.folder.fold(el.key) == key:
                    return el.value
            return None
        elements = container.elements  # type: ignore[attr-defined]
        if type(key) is int and -len(elements) <= key < len(elements):
            el = elements[key]
            return None if type(el) is cst.StarredElement else el.value
        return None

    def partial_target(self, func: cst.BaseExpression) -> cst.Call | None:
        """The `functools.partial(f, ...)` call a name is bound to, if it is one."""
        if type(func) is cst.Call:
            call = func
        elif type(func) is cst.Name:
            binds = self.bindings.get(norm(func.value))
            if not binds or len(binds) != 1 or binds[0].kind != "value":
                return None
            call = binds[0].payload  # type: ignore[assignment]
            if type(call) is not cst.Call:
                return None
        else:
            return None
        if not call.args or "functools.partial" not in self.qualnames(call.func):
            return None
        return call

    def effective_call(self, call: cst.Call) -> cst.Call:
        """`sh = partial(run, shell=True); sh(x)` → the call `run(x, shell=True)`."""
        partial = self.partial_target(call.func)
        if partial is None:
            return call
        merged = (*partial.args[1:], *call.args)
        positional = [a for a in merged if a.keyword is None and not a.star]
        rest = [a for a in merged if a.keyword is not None or a.star]
        try:
            return cst.Call(func=partial.args[0].value, args=(*positional, *rest))
        except Exception:
            return call

    def _lookup(self, bases: frozenset[str], key: str) -> frozenset[str]:
        """`ns[key]` for namespaces we understand: module dicts, globals(), sys.modules."""
        out: set[str] = set()
        for q in bases:
            if q.endswith(".__dict__"):
                out.add(f"{q[: -len('.__dict__')]}.{key}")
            elif q == GLOBALS:
                out |= self.name_qualnames(key)
            elif q == "builtins":  # `__builtins__` is a dict outside __main__
                out.add(f"builtins.{key}")
            elif q == "sys.modules":
                out.add(key)
        return frozenset(out)

    def const_str(self, expr: cst.BaseExpression | None) -> str | None:
        """The folded string value of `expr`, or None."""
        if expr is None:
            return None
        value = self.folder.fold(expr)
        if isinstance(value, bytes):
            try:
                return value.decode("ascii")
            except UnicodeDecodeError:
                return None
        return value if isinstance(value, str) else None

    def _truthy(self, expr: cst.BaseExpression) -> bool:
        value = self.folder.fold(expr)
        return value is None or bool(value)


__all__ = [
    "ATTR_FUNCS_SET",
    "GLOBALS",
    "IMPORTERS",
    "IMPORT_MODULE",
    "MAX_NAMES",
    "Binding",
    "NameTable",
    "arg_value",
    "canonical",
    "is_instance",
    "norm",
]
