"""Every matcher kind and argument condition of the schema, on the fixture rule set."""

from __future__ import annotations

import pytest
from engine_helpers import RULES

from airlock.analyzer.scan import scan


def ids(source: str) -> set[str]:
    return {f.rule_id for f in scan(source, ruleset=RULES).findings if not f.suppressed}


CASES = [
    # call + keyword truthy
    ("import subprocess\nsubprocess.run('ls', shell=True)", "T-PROC-002", True),
    ("import subprocess as sp\nsp.Popen('ls', shell=1)", "T-PROC-002", True),
    ("import subprocess\nsubprocess.run(['ls'], shell=False)", "T-PROC-002", False),
    ("import subprocess\nsubprocess.run(['ls'])", "T-PROC-002", False),
    ("import subprocess\nflag = True\nsubprocess.run('ls', shell=flag)", "T-PROC-002", True),
    # matches / not_matches on two positions
    ("open('/etc/passwd', 'w')", "T-FS-001", True),
    ("open('~/x', mode)", "T-FS-001", False),  # mode unknown: `matches` needs a constant
    ("open('/tmp/x', 'w')", "T-FS-001", False),
    ("open('data.txt', 'w')", "T-FS-001", False),
    ("open('/etc/passwd')", "T-FS-001", False),
    ("p = '/etc/' + 'cron.d/x'\nopen(p, 'a')", "T-FS-001", True),
    # derived_from through calls, attributes, assignments
    ("import base64\nexec(base64.b64decode(s))", "T-EXEC-003", True),
    ("import base64\nd = base64.b64decode(s)\nexec(d.decode('utf-8'))", "T-EXEC-003", True),
    ("import zlib, base64\nexec(zlib.decompress(base64.b64decode(s)))", "T-EXEC-003", True),
    ("import codecs\nexec(codecs.decode(s, 'rot13'))", "T-EXEC-003", True),
    ("import marshal\nexec(marshal.loads(s))", "T-EXEC-003", True),
    ("exec(bytes.fromhex(h).decode())", "T-EXEC-003", True),
    ("from base64 import b64decode\nx = b64decode(s)\ny = x\nexec(y)", "T-EXEC-003", True),
    ("exec(compile(src, 'f', 'exec'))", "T-EXEC-003", False),
    # derived_from through the snippet's own functions, lambdas and class attributes
    (
        "import base64\ndef unpack(b):\n    b = base64.b64decode(b)\n    return b\nexec(unpack(p))",
        "T-EXEC-003",
        True,
    ),
    ("import zlib\nf = lambda s: zlib.decompress(s)\nexec(f(p))", "T-EXEC-003", True),
    (
        "import zlib\nclass K:\n    u = staticmethod(lambda s: zlib.decompress(s))\nexec(K.u(p))",
        "T-EXEC-003",
        True,
    ),
    ("def unpack(b):\n    return b.strip()\nexec(unpack(p))", "T-EXEC-003", False),
    # partial carries its keywords into the call
    (
        "import subprocess\nfrom functools import partial\nsh = partial(subprocess.run, shell=True)\nsh(c)",
        "T-PROC-002",
        True,
    ),
    (
        "import subprocess\nfrom functools import partial\nsh = partial(subprocess.run, check=True)\nsh(c)",
        "T-PROC-002",
        False,
    ),
    # matches on templates and on loop variables over literal sequences
    ("from pathlib import Path\nopen(Path('/etc') / 'cron.d' / name, 'w')", "T-FS-001", True),
    ("for p in ('/tmp/a', '/etc/b'):\n    open(p, 'w')", "T-FS-001", True),
    ("for p in ('/tmp/a', 'rel/b'):\n    open(p, 'w')", "T-FS-001", False),
    ("import base64\nimg = base64.b64encode(data)\nprint(img)", "T-EXEC-003", False),
    # import, dynamic import, submodules, from-imports
    ("import pickle", "T-DESER-001", True),
    ("import pickle as p", "T-DESER-001", True),
    ("from pickle import loads", "T-DESER-001", True),
    ("import marshal.sub", "T-DESER-001", True),
    ("__import__('pick' + 'le')", "T-DESER-001", True),
    ("import importlib\nimportlib.import_module('pickle')", "T-DESER-001", True),
    ("import pickletools", "T-DESER-001", False),
    # wildcard call names
    ("import ctypes\nctypes.CDLL('libc.so.6')", "T-NATIVE-001", True),
    ("from ctypes import cdll\ncdll.LoadLibrary('x')", "T-NATIVE-001", True),
    # attributes: direct, getattr with folded name, namespace keys, dunder names
    ("x.__class__.__subclasses__()", "T-ESC-001", True),
    ("getattr(f, '__glo' + 'bals__')", "T-ESC-001", True),
    ("f.__dict__['__globals__']", "T-ESC-001", False),  # f's dict is not a namespace we know
    ("g = (x for x in y)\ng.gi_frame.f_back", "T-ESC-001", True),
    ("b = __builtins__", "T-ESC-001", True),
    ("obj.frame_back = 1", "T-ESC-001", False),
    # literals after folding
    ("p = '/home/u/.ssh/id_rsa'", "T-SECRET-001", True),
    ("p = '/home/u/' + '.ss' + 'h/id_rsa'", "T-SECRET-001", True),
    ("p = '/etc/sha' 'dow'", "T-SECRET-001", True),
    ("p = 'ssh is a protocol'", "T-SECRET-001", False),
    ('"""Docs mention ~/.ssh/config."""', "T-SECRET-001", False),  # a docstring is not a value
    ("p = f'/home/{user}/.ssh/id_rsa'", "T-SECRET-001", True),  # template `/home/{}/.ssh/id_rsa`
    ("from pathlib import Path\np = Path.home() / '.ssh' / name", "T-SECRET-001", True),
    ("import os\np = os.path.join(os.path.expanduser('~'), '.ssh')", "T-SECRET-001", True),
    ("p = '{}/.ssh/x'.format(home)", "T-SECRET-001", True),
    ("b = 'QUJD' * 40", "T-BLOB-001", False),  # long but low entropy
    (
        "b = 'c2VjcmV0IHBheWxvYWQgdGhhdCBpcyBsb25nIGVub3VnaCB0byBsb29rIGxpa2UgYSBibG9iIG9mIGRhdGE='",
        "T-BLOB-001",
        True,
    ),
    # allow-listed lookalikes
    ("import ast\nast.literal_eval(s)", "T-EXEC-001", False),
    ("import re\nre.compile(p)", "T-EXEC-001", False),
    ("def eval_model(m): pass\neval_model(1)", "T-EXEC-001", False),
    (
        "class D:\n    def run(self, n):\n        return getattr(self, 'do_' + n)()",
        "T-OBF-004",
        False,
    ),
]


@pytest.mark.parametrize(("source", "rule", "expected"), CASES)
def test_matcher(source: str, rule: str, expected: bool) -> None:
    assert (rule in ids(source)) is expected


CHECKS = [
    ("s = 'a\u202eb'", "T-OBF-001", True),
    ("s = 'plain'", "T-OBF-001", False),
    ("ｅｘｅｃ('1')", "T-OBF-002", True),
    ("größe = 1\nprint(größe)", "T-OBF-002", False),  # non-ASCII but NFKC-stable: fine
    ("__import__('o' + 's')", "T-OBF-003", True),
    ("__import__(name)", "T-OBF-003", True),
    ("__import__('os')", "T-OBF-003", False),
    ("import os\ngetattr(os, name)", "T-OBF-004", True),
    ("getattr(__builtins__, ''.join(['ev', 'al']))", "T-OBF-004", True),
    ("globals()[name]", "T-OBF-004", True),
    ("getattr(self, name)", "T-OBF-004", False),
    ("import os\ngetattr(os, 'path')", "T-OBF-004", False),
    ("f = 'ev' + 'al'", "T-OBF-005", True),
    ("f = 'metsys'[::-1]", "T-OBF-005", True),
    ("f = ''.join(chr(c) for c in (101, 120, 101, 99))", "T-OBF-005", True),
    ("f = 'eval'", "T-OBF-005", False),  # spelled literally: not hidden
    ("f = 'hello' + ' world'", "T-OBF-005", False),
    ("import os\nwhile True:\n    os.fork()", "T-RES-001", True),
    ("import os\nfor i in range(3):\n    os.fork()", "T-RES-001", True),
    ("import threading\nwhile 1:\n    threading.Thread(target=f).start()", "T-RES-001", True),
    (
        "import threading\nfor i in range(4):\n    threading.Thread(target=f).start()",
        "T-RES-001",
        False,
    ),
    ("x = 'a' * 10**10", "T-RES-002", True),
    ("x = bytearray(2 ** 40)", "T-RES-002", True),
    ("import numpy as np\nx = np.zeros((100000, 100000))", "T-RES-002", True),
    ("x = bytearray(1024)", "T-RES-002", False),
]


@pytest.mark.parametrize(("source", "rule", "expected"), CHECKS)
def test_check(source: str, rule: str, expected: bool) -> None:
    assert (rule in ids(source)) is expected


def test_one_finding_per_template() -> None:
    report = scan("p = '{}/.ssh/x'.format(home)\n", ruleset=RULES)
    assert len([f for f in report.findings if f.rule_id == "T-SECRET-001"]) == 1


def test_environment_read_by_iteration_is_a_source() -> None:
    from engine_helpers import context

    ctx = context("import os\nsnap = {k: os.environ[k] for k in os.environ}\npost(json=snap)\n")
    call = ctx.collected.calls[-1].node
    assert "os.environ" in ctx.names.sources(call.args[0].value)


def test_resolves_to_is_the_name_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    overlay = tmp_path / "env.yaml"
    overlay.write_text(
        f"""extends: {RULES}
rules:
  - id: ENV-DUMP
    title: Whole environment
    category: secrets
    severity: high
    confidence: high
    match:
      call:
        names: [builtins.str, builtins.dict]
        args: [{{position: 0, resolves_to: [os.environ]}}]
"""
    )

    def hit(src: str) -> bool:
        return any(f.rule_id == "ENV-DUMP" for f in scan(src, ruleset=overlay).findings)

    assert hit("import os\nstr(os.environ)")
    assert hit("from os import environ as e\ndict(e)")
    assert not hit("import os\nstr(os.environ['HOME'])")
    assert not hit("import os\nstr(os.getcwd())")


def test_message_uses_resolved_name() -> None:
    report = scan("import os as o\no.system('ls')", ruleset=RULES)
    f = next(f for f in report.findings if f.rule_id == "T-PROC-001")
    assert f.message == "os.system runs a shell command"
