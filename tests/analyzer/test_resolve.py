"""Names are resolved, not guessed: every aliasing form reaches the qualified name."""

from __future__ import annotations

import pytest
from engine_helpers import call_names

POSITIVE = [
    ("import os as o\no.system(x)", "os.system"),
    ("from os import system as s\ns(x)", "os.system"),
    ("import os\nf = os.system\nf(x)", "os.system"),
    ("__import__('os').system(x)", "os.system"),
    ("import importlib\nimportlib.import_module('os').system(x)", "os.system"),
    ("import importlib\nm = importlib.import_module('o' + 's')\nm.system(x)", "os.system"),
    ("m = __import__('os')\nm.system(x)", "os.system"),
    ("import os\ngetattr(os, 'system')(x)", "os.system"),
    ("import os\ngetattr(os, 'sys' + 'tem')(x)", "os.system"),
    ("import builtins\ne = getattr(builtins, 'eval')\ne(x)", "builtins.eval"),
    ("b = __builtins__\nb.eval(x)", "builtins.eval"),
    ("__builtins__.eval(x)", "builtins.eval"),
    ("__builtins__['eval'](x)", "builtins.eval"),
    ("globals()['__builtins__']['eval'](x)", "builtins.eval"),
    ("import builtins\nvars(builtins)['exec'](x)", "builtins.exec"),
    ("import builtins\nbuiltins.__dict__['exec'](x)", "builtins.exec"),
    ("import builtins\nbuiltins.__dict__.get('exec')(x)", "builtins.exec"),
    ("import sys\nsys.modules['os'].system(x)", "os.system"),
    ("import os.path\nos.path.join(a, b)", "os.path.join"),
    ("import os.path as p\np.join(a, b)", "os.path.join"),
    ("from subprocess import Popen\nPopen(x)", "subprocess.Popen"),
    ("eval(x)", "builtins.eval"),
    ("print.__self__.exec(x)", "builtins.exec"),  # a builtin function's __self__: builtins
    ("len.__self__.__import__('os').system(x)", "os.system"),
    ("ｅｖａｌ(x)", "builtins.eval"),  # NFKC: the interpreter sees `eval`
    ("def run():\n    s(x)\nfrom os import system as s", "os.system"),  # use before binding
    ("import os\n(f := os.system)(x)", "os.system"),
    ("import os\nf = print\nf = os.system\nf(x)", "os.system"),  # any binding may hold
    ("__import__('os.path').path.join(a)", "os.path.join"),
    ("__import__('os.path', fromlist=['x']).join(a)", "os.path.join"),
    ("import os\nos.__getattribute__('system')(x)", "os.system"),
    ("import importlib\nimportlib.__import__('os').system(x)", "os.system"),
    ("from os import *\nsystem(x)", "os.system"),  # star import: unbound names come from it
    ("import os\nclass T:\n    run = os.system\nT.run(x)", "os.system"),
    ("import os\nclass T:\n    run = os.system\nT().run(x)", "os.system"),
    ("import os\nops = {'go': os.system}\nops['go'](x)", "os.system"),
    ("import os\nops = [print, os.system]\nops[1](x)", "os.system"),
    ("import os\nfrom functools import partial\nsh = partial(os.system)\nsh(x)", "os.system"),
    (
        "import functools, subprocess\nfunctools.partial(subprocess.run, shell=True)(x)",
        "subprocess.run",
    ),
]


@pytest.mark.parametrize(("source", "name"), POSITIVE)
def test_resolves(source: str, name: str) -> None:
    assert name in call_names(source)


INSTANCES = [
    ("import socket\ns = socket.socket()\ns.listen(5)", "socket.socket.listen"),
    ("import cffi\nffi = cffi.FFI()\nffi.dlopen(None)", "cffi.FFI.dlopen"),
    ("import psutil\npsutil.Process(1).kill()", "psutil.Process.kill"),
    ("from socket import socket as S\nS().connect(a)", "socket.socket.connect"),
]


@pytest.mark.parametrize(("source", "name"), INSTANCES)
def test_methods_of_call_results_resolve_canonically(source: str, name: str) -> None:
    from airlock.analyzer.resolve import canonical

    assert name in {canonical(q) for q in call_names(source)}


def test_wildcards_do_not_cover_methods_of_results() -> None:
    from airlock.analyzer.matchers import name_matches

    assert name_matches("requests.get", ("requests.*",))
    assert not name_matches("requests.get().json", ("requests.*",))
    assert name_matches("requests.get().json", ("requests.get.json",))


NEGATIVE = [
    ("class T:\n    def m(self): pass\nT().m.__self__.exec(x)", "builtins.exec"),  # own method
    ("def system(x): pass\nsystem(x)", "os.system"),
    ("def system(x): pass\nsystem(x)", "builtins.system"),
    ("def eval_model(m): pass\neval_model(m)", "builtins.eval"),
    ("def eval(x): return x\neval(x)", "builtins.eval"),
    ("class exec: pass\nexec()", "builtins.exec"),
    ("def f(eval):\n    eval(x)", "builtins.eval"),
    ("eval = len\neval(x)", "builtins.eval"),
    ("from mylib import eval\neval(x)", "builtins.eval"),
    ("for eval in fs:\n    eval(x)", "builtins.eval"),
    ("with ctx() as exec:\n    exec(x)", "builtins.exec"),
    ("import ast\nast.literal_eval(x)", "builtins.eval"),
    ("import re\nre.compile(x)", "builtins.compile"),
    ("self.system(x)", "os.system"),
    ("obj = Thing()\ngetattr(obj, 'system')(x)", "os.system"),
    ("from . import os\nos.system(x)", "os.system"),
    ("import os\ngetattr(os, name)(x)", "os.system"),  # computed: no name, but a check fires
    ("from os import *\nprint(x)", "os.print"),  # builtins stay builtins
    ("from os import *\ndef system(c): pass\nsystem(x)", "os.system"),  # bound locally
    ("import os\nops = {'go': os.system}\nops['stop'](x)", "os.system"),
    ("import os\nclass T:\n    def run(self):\n        cmd = os.system\nT.cmd(x)", "os.system"),
]


@pytest.mark.parametrize(("source", "name"), NEGATIVE)
def test_does_not_resolve(source: str, name: str) -> None:
    assert name not in call_names(source)


def test_local_eval_model_is_allowed_by_scan() -> None:
    from engine_helpers import RULES

    from airlock.analyzer.scan import scan

    src = "def eval_model(m):\n    return m\n\ndef system(c):\n    return c\n\nsystem(eval_model(1))\n"
    assert scan(src, ruleset=RULES).verdict == "allow"


def test_resolution_cycles_terminate() -> None:
    names = call_names("a = b\nb = a\na(x)\nc = c.d\nc(x)")
    assert "builtins.eval" not in names


def test_never_bound_module_spellings_reach_their_rules() -> None:
    """A fragment's `yaml` (imported by its reader) is taken to be the module; the same
    name bound by the snippet itself is not."""
    from airlock.analyzer.scan import scan

    fragment = "data = yaml.load(open('c.yml'), Loader=yaml.UnsafeLoader)\n"
    assert "AIR-DESER-013" in {f.rule_id for f in scan(fragment).active_findings}
    own = (
        "class yaml:\n    UnsafeLoader = None\n    def load(f, Loader):\n        return f\n"
        + fragment
    )
    assert "AIR-DESER-013" not in {f.rule_id for f in scan(own).active_findings}


def test_module_spelled_parameters_match_at_lower_confidence_never_not_at_all() -> None:
    from airlock.analyzer.scan import scan

    def proc001(code: str) -> list[str]:
        return [
            f.confidence.value for f in scan(code).active_findings if f.rule_id == "AIR-PROC-001"
        ]

    assert proc001("def run(cmd, *, os):\n    os.system(cmd)\n") == ["medium"]
    assert proc001("import os\ndef run(cmd):\n    os.system(cmd)\n") == ["high"]
    assert proc001("def run(cmd, *, shell):\n    shell.system(cmd)\n") == []


def test_never_bound_runner_and_socket_helpers_are_read_as_named_at_lower_confidence() -> None:
    """A payload module run inside its implant's namespace calls helpers it never defines:
    a command received, run and answered over the socket is remote command execution."""
    from airlock.analyzer.models import Verdict
    from airlock.analyzer.scan import scan

    payload = (
        "name = receive(client_socket)\n"
        "resp = run_command('attrib -H {}'.format(name))\n"
        "send(client_socket, resp)\n"
    )
    report = scan(payload)
    proc008 = [f for f in report.active_findings if f.rule_id == "AIR-PROC-008"]
    assert report.verdict == Verdict.block and len(proc008) == 1
    assert proc008[0].confidence.value == "medium"
    assert "run_command is not defined in this source" in proc008[0].message
    assert "AIR-FLOW-002" in {f.rule_id for f in report.active_findings}
    # negative control: the same calls to helpers the snippet defines itself are its own
    own = (
        "def receive(s):\n    return 'x'\n"
        "def run_command(c):\n    return c.upper()\n"
        "def send(s, d):\n    print(d)\n"
    )
    assert scan(own + payload).verdict == Verdict.allow
    # a never-bound name not spelled like a runner or a socket helper stays unknown
    assert scan("resp = compute_total('attrib -H x')\nshow(resp)\n").verdict == Verdict.allow


def test_dotted_name_resolvers_are_importers_that_reach_functions() -> None:
    from airlock.analyzer.models import Verdict
    from airlock.analyzer.scan import scan

    assert "os.system" in call_names("import pydoc\npydoc.locate('os.system')(x)")
    assert "os.system" in call_names("import pkgutil\npkgutil.resolve_name('os:system')(x)")
    report = scan(
        "import pkgutil\nf = pkgutil.resolve_name('subprocess.check_output')\nf(['id'])\n"
    )
    assert report.verdict == Verdict.block
    assert "AIR-OBF-013" in {f.rule_id for f in report.active_findings}
    # control: resolving an ordinary function by name is a plugin loader, not an escape
    ordinary = scan("import pydoc\npydoc.locate('json.dumps')({})\n")
    assert ordinary.verdict == Verdict.allow
    assert {f.rule_id for f in ordinary.active_findings} == {"AIR-EXEC-006"}


def test_an_instance_attribute_is_what_the_methods_store_in_it() -> None:
    """The reverse shell's socket lives on `self`: its reads are network input."""
    from airlock.analyzer.models import Verdict
    from airlock.analyzer.scan import scan

    agent = (
        "import socket, subprocess\n"
        "class Agent:\n"
        "    def __init__(self):\n"
        "        self.sock = {value}\n"
        "    def loop(self):\n"
        "        while True:\n"
        "            cmd = self.sock.recv(1024).decode()\n"
        "            subprocess.run(cmd.split(), capture_output=True)\n"
    )
    report = scan(agent.format(value="socket.socket()"))
    assert report.verdict == Verdict.block
    assert "AIR-PROC-008" in {f.rule_id for f in report.active_findings}
    # control: the same loop over the agent's own queue runs what the program itself queued
    own = scan(agent.format(value="Queue()").replace("import socket", "from queue import Queue"))
    assert "AIR-PROC-008" not in {f.rule_id for f in own.active_findings}
