"""A session's kernel: the program a Session runs, inside the sandbox, to serve its calls.

Not imported by Airlock: ``session.py`` runs this file's source as the confined program.
Standard library only. Requests arrive one JSON object per line on stdin (a FIFO only the
host writes); each call runs in one namespace kept between calls. After a call the kernel
flushes the program's streams and writes an end mark on stderr, then the same mark on
stdout followed by a one-line JSON reply. The mark carries a fresh nonce per call, so
output cannot end a call by accident; code in the sandbox can still read the nonce from
this process, so the reply (value, display, exit status) is the program's claim, as its
stdout is, and nothing the host observes (its clock, the process's death, the cgroup)
comes from here.
"""

import ast
import base64
import builtins
import contextlib
import io
import json
import linecache
import os
import stat
import sys
import traceback
import types
import warnings

MAX_VALUE = 100_000  # characters of a value's repr
MAX_DISPLAY_BYTES = 16 * 1024 * 1024  # all rich outputs of one call
MAX_LISTED = 1000

_requests = os.fdopen(os.dup(0), "rb")
_out_fd, _err_fd = os.dup(1), os.dup(2)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)  # the program's own stdin is empty
os.close(_null)
warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
_PID = os.getpid()
_main_module = types.ModuleType("__main__")  # the calls' namespace is __main__ (pickle finds it)
_main_module.__builtins__ = builtins
sys.modules["__main__"] = _main_module
_ns = _main_module.__dict__


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()


def _compile(code, filename):
    """The cell's statements, and its final expression (if it ends with one) apart."""
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    return body, None if last is None else compile(last, filename, "eval")


def _without_kernel(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return exc.with_traceback(tb)


def _figures(display, budget):
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return budget
    try:
        for num in plt.get_fignums():
            buf = io.BytesIO()
            plt.figure(num).savefig(buf, format="png")
            budget = _add(display, "image/png", buf.getvalue(), budget)
        plt.close("all")
    except Exception as exc:
        print(f"airlock: a figure could not be saved: {exc!r}", file=sys.stderr)
    return budget


def _add(display, mime, data, budget):
    if len(data) <= budget:
        display.append({"mime": mime, "data": base64.b64encode(data).decode("ascii")})
        return budget - len(data)
    return budget


def _rich(value, display, budget):
    html = getattr(type(value), "_repr_html_", None)
    if callable(html):
        try:
            text = html(value)
        except Exception:
            text = None
        if isinstance(text, str):
            budget = _add(display, "text/html", text.encode("utf-8", "replace"), budget)
            rendered = repr(value)[:MAX_VALUE].encode("utf-8", "replace")
            budget = _add(display, "text/plain", rendered, budget)
    return budget


def _exec(number, code):
    filename = f"<cell {number}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    reply = {"exit": 0, "value": None, "display": []}
    try:
        body, last = _compile(code, filename)
        exec(body, _ns)
        if last is not None:
            value = eval(last, _ns)
            if value is not None:
                _ns["_"] = value
                reply["value"] = repr(value)[:MAX_VALUE]
                _rich(value, reply["display"], MAX_DISPLAY_BYTES)
    except SystemExit as exc:
        code_ = exc.code
        reply["exit"] = code_ if isinstance(code_, int) else (0 if code_ is None else 1)
        if code_ is not None and not isinstance(code_, int):
            print(code_, file=sys.stderr)
    except BaseException as exc:  # KeyboardInterrupt too: the call fails, the session lives
        reply["exit"] = 1
        traceback.print_exception(_without_kernel(exc))
    if os.getpid() != _PID:  # a fork of the kernel that came back from the cell
        os._exit(0)
    spent = sum(len(d["data"]) * 3 // 4 for d in reply["display"])
    _figures(reply["display"], MAX_DISPLAY_BYTES - spent)
    return reply


def _path(name):
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    parts = name.split("/")
    try:
        for part in parts[:-1]:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fd)
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd, parts[-1]


def _put(name, data):
    fd, leaf = _path(name)
    try:
        with open(leaf, "wb", opener=lambda p, f: os.open(p, f | os.O_NOFOLLOW, dir_fd=fd)) as f:
            f.write(data)
    finally:
        os.close(fd)
    return {}


def _get(name, cap):
    fd, leaf = _path(name)
    try:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        with open(leaf, "rb", opener=lambda p, f: os.open(p, flags, dir_fd=fd)) as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return {"error": f"{name} is not a regular file"}
            data = f.read(cap + 1)
    finally:
        os.close(fd)
    if len(data) > cap:
        return {"error": f"{name} is larger than {cap} bytes"}
    return {"data": base64.b64encode(data).decode("ascii")}


def _list():
    found = []
    for top, dirs, files in os.walk("."):
        dirs.sort()
        for leaf in sorted(files):
            path = os.path.join(top, leaf)[2:]
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and path != "main.py":
                found.append([path, info.st_size])
            if len(found) >= MAX_LISTED:
                return {"files": found, "more": True}
    return {"files": found}


def _serve(request):
    op = request["op"]
    if op == "exec":
        reply = _exec(request["call"], request["code"])
        if request.get("list"):  # the files the call left, in the same reply
            try:
                reply["listing"] = _list()
            except OSError as exc:
                reply["listing"] = {"error": f"{exc.strerror or exc}"}
        return reply
    try:
        if op == "put":
            return _put(request["name"], base64.b64decode(request["data"]))
        if op == "get":
            return _get(request["name"], request["cap"])
        if op == "list":
            return _list()
    except OSError as exc:
        return {"error": f"{request.get('name', '')}: {exc.strerror or exc}"}
    return {"error": f"unknown request {op!r}"}


def _main():
    while True:
        line = _requests.readline()
        if not line:
            return
        request = json.loads(line)
        reply = _serve(request)
        _flush()
        mark = b"\x1eairlock:" + request["nonce"].encode("ascii") + b"\x1e"
        _write_all(_err_fd, mark)
        _write_all(_out_fd, mark + json.dumps(reply).encode("ascii") + b"\n")


_main()
