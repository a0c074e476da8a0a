# Annotated examples for interpreter-escape rules (default set).
import gc
import inspect
import json
import sys
import threading
import types
import warnings

# ruleid: AIR-ESC-001
classes = ().__class__.__base__.__subclasses__()
# ruleid: AIR-ESC-001
walker = getattr(object, "__sub" + "classes__")()
# ok: AIR-ESC-001
subclasses_count = len([int, str])

# ruleid: AIR-ESC-002
g = warnings.catch_warnings.__init__.__globals__
# ruleid: AIR-ESC-002
b = __builtins__
# ruleid: AIR-ESC-002
code_obj = len.__code__ if hasattr(len, "__code__") else None
# ok: AIR-ESC-002
doc = len.__doc__

# ruleid: AIR-ESC-003
frame_globals = (x for x in []).gi_frame.f_globals
# ruleid: AIR-ESC-003
caller_locals = sys._getframe(1).f_locals
# ok: AIR-ESC-003
name = types.SimpleNamespace(f_name=1).f_name

# ruleid: AIR-ESC-004
caller = sys._getframe(1)
# ruleid: AIR-ESC-004
here = inspect.currentframe()
# ok: AIR-ESC-004
sig = inspect.signature(print)

# ruleid: AIR-ESC-005
root = ().__class__.__mro__[-1]
# ruleid: AIR-ESC-005
bases = int.__bases__
# ok: AIR-ESC-005
is_int = isinstance(1, int)

# ruleid: AIR-ESC-006
modules = [o for o in gc.get_objects() if type(o).__name__ == "module"]
# ok: AIR-ESC-006
gc.collect()

# ruleid: AIR-ESC-007
sys.modules.pop("os")
# ok: AIR-ESC-007
loaded = "os" in sys.modules
# ruleid: AIR-ESC-007
sys.modules["ssl"] = types.ModuleType("ssl")
# ruleid: AIR-ESC-007
del sys.modules["os"]
registry = {}
# ok: AIR-ESC-007
registry["os"] = types.ModuleType("os")

# ruleid: AIR-ESC-008
sys.addaudithook(lambda event, args: None)
# ok: AIR-ESC-008
sys.audit("agent.event")

# ruleid: AIR-ESC-009
sys.settrace(lambda *a: None)
# ruleid: AIR-ESC-009
threading.setprofile(lambda *a: None)
# ok: AIR-ESC-009
trace_enabled = sys.gettrace() is not None


def f():
    return 1


# ruleid: AIR-ESC-010
consts = f.__code__.co_consts
# ok: AIR-ESC-010
fname = f.__name__

import builtins


def spy_open(*args, **kwargs):
    return None


# ruleid: AIR-ESC-007
builtins.open = spy_open
# ruleid: AIR-ESC-007
setattr(builtins, "input", spy_open)
# ok: AIR-ESC-007
registry.opener = spy_open

# ruleid: AIR-ESC-017
import _imp  # noqa: E402
# ruleid: AIR-ESC-017
import _posixsubprocess  # noqa: E402
# ok: AIR-ESC-017
from importlib.machinery import BuiltinImporter  # noqa: E402
# ruleid: AIR-ESC-017
from importlib import _bootstrap_external  # noqa: E402

# ruleid: AIR-ESC-011
posix_mod = _imp.create_builtin(types.SimpleNamespace(name="posix"))
# ruleid: AIR-ESC-011
_posixsubprocess.fork_exec([b"/bin/sh"], [b"/bin/sh"], True, (), None, None, -1, -1, -1, -1, -1, -1, -1, -1, False, False, None, None, None, -1, None, False)
# ruleid: AIR-ESC-011
os_mod = BuiltinImporter.load_module("os")
# ok: AIR-ESC-011
lock_held = _imp.lock_held()

# ruleid: AIR-ESC-012
loaded = __loader__.load_module("posix")
# ruleid: AIR-ESC-012
via_builtin = print.__self__.__loader__
# ok: AIR-ESC-012
spec_name = __spec__.name if __spec__ else None


def run_with(cmd, *, os):
    # ruleid: AIR-PROC-001
    os.system(cmd)


def spawn(subprocess):
    # ruleid: AIR-PROC-003
    return subprocess.Popen(["sh"])


def shout(text):
    # ok: AIR-PROC-001
    return text.system()


class Config:
    def __init__(self):
        self.name = "app"


cfg = Config()
# ruleid: AIR-ESC-013
leak = "{0.__init__.__globals__}".format(cfg)
# ok: AIR-ESC-013
label = "{0.name}".format(cfg)


class Frame:
    def query(self, expr):
        return expr


df = Frame()
# ruleid: AIR-ESC-014
df.query("@__import__('os').system('id')")
# ok: AIR-ESC-014
df.query("price > 10 and qty < 3")
# ok: AIR-ESC-013
shown = "{0.__class__.__name__}({0.name!r})".format(cfg)


def render(template, obj):
    # ruleid: AIR-ESC-013
    return template.format(user=obj)


page = render("{user.__init__.__globals__[SECRET]}", cfg)


def greet(template, obj):
    # ok: AIR-ESC-013
    return template.format(user=obj)


hello = greet("Hello {user.name}", cfg)


def merge(src, dst):
    for key, value in src.items():
        if isinstance(value, dict) and hasattr(dst, key):
            merge(value, getattr(dst, key))
        else:
            setattr(dst, key, value)


polluted = {
    # ruleid: AIR-ESC-015
    "__class__": {"__base__": {"command": "id"}},
}
merge(polluted, cfg)
# ruleid: AIR-ESC-015
merge(json.loads('{"__init__": {"__globals__": {"CMD": "id"}}}'), cfg)
# ok: AIR-ESC-015
merge({"__class__": "Config", "settings": {"__init__": False}}, cfg)
# ok: AIR-ESC-015
merge({"display": {"name": "x"}, "__version__": "1.0"}, cfg)

# ruleid: AIR-ESC-016
loader = len.__self__.__import__("os")
# ruleid: AIR-ESC-016
reached = abs.__self__


class Greeter:
    def hello(self):
        return "hi"


# ok: AIR-ESC-016
owner = Greeter().hello.__self__

# ruleid: AIR-ESC-018
license._Printer__filenames = ["/flag"]
# ok: AIR-ESC-018
license_text = "MIT"
