"""Texts a name may hold when it is bound several times: every binding of its own scope,
read once, whatever the bindings' shape."""

from __future__ import annotations

from airlock.analyzer.context import Context
from airlock.analyzer.scan import scan


def _rules(source: str) -> set[str]:
    return {f.rule_id for f in scan(source, ruleset="default").active_findings}


def _chain(n: int, width: int = 2) -> str:
    """`a0` bound `width` times, each `a{i}` bound `width` times to `a{i-1}`: `width**n`
    paths from the last name to the first, `n * width` bindings in all."""
    lines = ["import os"] + [f"a0 = 'sh -c \"id{j}; uname -a\" #'" for j in range(width)]
    for i in range(1, n + 1):
        lines += [f"a{i} = a{i - 1}"] * width
    lines.append(f"os.environ['PAGER'] = a{n}")
    return "\n".join(lines) + "\n"


def test_each_name_is_read_once_not_once_per_path(monkeypatch) -> None:
    """A chain of doubly bound names has 2**24 paths; the texts of each name are read once,
    so the work grows with the bindings (negative control: the same count for a chain of
    4 shows what one name costs)."""
    calls = {"n": 0, "limit": 10**9}
    original = Context.possible_texts

    def counting(self, expr):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > calls["limit"]:  # fail at once rather than after 2**24 reads
            raise AssertionError(f"{calls['n']} reads of texts for {calls['limit']} allowed")
        return original(self, expr)

    monkeypatch.setattr(Context, "possible_texts", counting)
    scan(_chain(4))
    small = calls["n"]
    assert small > 0
    calls.update(n=0, limit=small * 12)
    report = scan(_chain(24))
    assert calls["n"] <= calls["limit"], calls  # (the engine reports a raise as its own error)
    assert "AIR-PERS-014" in {f.rule_id for f in report.active_findings}


def test_a_binding_in_another_function_lends_the_name_nothing() -> None:
    source = (
        "import os\n"
        "def configure_pager():\n"
        "    value = 'less -R'\n"
        "    os.environ['PAGER'] = value\n"
        "def run_checks():\n"
        "    value = 'sh -c \"lint; test\"'\n"
        "    print('running', value)\n"
    )
    assert "AIR-PERS-014" not in _rules(source)
    # control: the same command set in the function that stores it is reported
    assert "AIR-PERS-014" in _rules(source.replace("'less -R'", "'sh -c \"id; uname\" #'"))


def test_branches_of_one_function_each_count() -> None:
    source = (
        "import os\n"
        "from pathlib import Path\n"
        "def install(shell):\n"
        "    if shell == 'zsh':\n"
        "        rc = Path.home() / '.zshrc'\n"
        "    else:\n"
        "        rc = Path.home() / '.bashrc'\n"
        "    with rc.open('a') as fh:\n"
        "        fh.write('python3 ~/.cache/agent.py &\\n')\n"
    )
    assert "AIR-PERS-010" in _rules(source)
