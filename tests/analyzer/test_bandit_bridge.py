"""bandit's checks in-process: same results as bandit's own manager, Airlock's weights, no nosec."""

from __future__ import annotations

import ast
import logging
import sysconfig
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.analyzer.bandit_bridge import (
    BanditError,
    bandit_findings,
    bandit_rules,
    shipped_test_ids,
)
from airlock.analyzer.models import Confidence, Severity
from airlock.rules import RULES_DIR

STDLIB = Path(sysconfig.get_paths()["stdlib"])
CATEGORIES = {
    "process", "code-exec", "network", "filesystem", "secrets", "deserialization", "native",
    "escape", "obfuscation", "resource", "persistence", "privilege", "suppression", "parse",
    "bandit",
}  # fmt: skip


def ids(source: str) -> list[str]:
    return [f.rule_id for f in bandit_findings(source)]


def test_every_shipped_bandit_test_has_an_airlock_weight() -> None:
    table = bandit_rules()
    assert shipped_test_ids() <= set(table), shipped_test_ids() - set(table)
    assert set(table) <= shipped_test_ids(), "stale ids in rules/bandit.yaml"
    for rule in table.values():
        assert rule.category in CATEGORIES, rule
        assert rule.why and rule.title and rule.cwe and rule.cwe.startswith("CWE-")
        assert rule.verdict in (None, "review", "block")
        assert rule.references and rule.references[0].startswith("https://bandit.readthedocs.io/")


def test_bandit_yaml_is_well_formed() -> None:
    data = yaml.safe_load((RULES_DIR / "bandit.yaml").read_text())
    assert data["version"]
    for test_id, entry in data["tests"].items():
        assert Severity(entry["severity"]) and Confidence(entry["confidence"]), test_id


@pytest.mark.parametrize(
    ("source", "rule_id", "severity"),
    [
        ("import hashlib\nh = hashlib.md5(b'x').hexdigest()\n", "B324", Severity.info),
        ("import random\nx = random.random()\n", "B311", Severity.info),
        ("assert 1 + 1 == 2\n", "B101", Severity.info),
        ("password = 'hunter2'\n", "B105", Severity.low),
        ("import subprocess\nsubprocess.run(cmd, shell=True)\n", "B602", Severity.high),
        ("import subprocess\nsubprocess.run('ls', shell=True)\n", "B602", Severity.medium),
        ("import pickle\npickle.loads(data)\n", "B301", Severity.medium),
        ("import yaml\nyaml.load(text)\n", "B506", Severity.medium),
        ("x = eval(text)\n", "B307", Severity.low),
        ("import requests\nrequests.get('https://example.org')\n", "B113", Severity.info),
    ],
)
def test_bandit_hits_carry_airlock_weights(source: str, rule_id: str, severity: Severity) -> None:
    hits = [f for f in bandit_findings(source) if f.rule_id == rule_id]
    assert hits, ids(source)
    assert hits[0].severity == severity
    assert hits[0].origin == "bandit"
    assert hits[0].cwe == bandit_rules()[rule_id].cwe


def test_positions_and_source_line() -> None:
    source = "import subprocess\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n"
    (hit,) = [f for f in bandit_findings(source) if f.rule_id == "B602"]
    assert (hit.line, hit.column) == (4, 4)
    assert hit.end_line == 4 and hit.end_column == len("    subprocess.call(cmd, shell=True)")
    assert hit.source_line == "    subprocess.call(cmd, shell=True)"
    assert "shell=True" in hit.message


def test_nosec_is_never_honoured() -> None:
    plain = ids("import subprocess\nsubprocess.run(cmd, shell=True)\n")
    hidden = ids("import subprocess  # nosec\nsubprocess.run(cmd, shell=True)  # nosec B602\n")
    assert plain == hidden and "B602" in hidden


def test_trojan_source_is_a_block_floor_with_a_zero_based_column() -> None:
    source = 'access = "user\u202e \u2066# admin\u2069 \u2066"\n'
    (hit,) = [f for f in bandit_findings(source) if f.rule_id == "B613"]
    assert hit.column == source.index("\u202e")
    assert bandit_rules()["B613"].verdict == "block"


def test_bytes_and_coding_cookies() -> None:
    assert ids(b"import pickle\npickle.loads(b)\n") == ["B403", "B301"]
    assert "B301" in ids("# -*- coding: latin-1 -*-\nimport pickle\npickle.loads(b)\n")
    assert "B301" in ids("# coding: no-such-codec\nimport pickle\npickle.loads(b)\n")


@pytest.mark.parametrize("bad", ["def f(:\n", "print 'py2'\n", "x = 1\x00\n"])
def test_unparsable_source_raises_a_clear_error(bad: str) -> None:
    with pytest.raises(BanditError, match="could not parse"):
        bandit_findings(bad)


def test_invalid_utf8_bytes_raise_a_clear_error() -> None:
    with pytest.raises(BanditError, match="UTF-8"):
        bandit_findings(b"x = '\xff'\n")


def test_deep_nesting_raises_rather_than_crashing() -> None:
    with pytest.raises(BanditError):
        bandit_findings("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")


def test_a_crashing_check_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from bandit.core import context as b_context

    def boom(self: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(b_context.Context, "call_function_name_qual", property(boom))
    with pytest.raises(BanditError, match="raised on line 1: RuntimeError: boom"):
        bandit_findings("print('hi')\n")


def test_bandit_logging_stays_silent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        bandit_findings("x = 1\n")
    assert not [r for r in caplog.records if r.name.startswith("bandit")]


def _manager_issues(path: Path) -> list[tuple[str, int, int]]:
    from bandit.core import config, manager

    mgr = manager.BanditManager(config.BanditConfig(), "file", quiet=True, ignore_nosec=True)
    mgr.discover_files([str(path)])
    mgr.run_tests()
    return sorted((i.test_id, i.lineno, i.col_offset) for i in mgr.get_issue_list())


@pytest.mark.parametrize(
    "name",
    ["subprocess.py", "tempfile.py", "pickle.py", "shutil.py", "ftplib.py", "random.py",
     "tarfile.py", "smtplib.py", "http/server.py", "xml/dom/minidom.py"],
)  # fmt: skip
def test_same_issues_as_bandits_own_manager(name: str) -> None:
    path = STDLIB / name
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    ours = sorted(
        (f.rule_id, f.line, f.column + (1 if f.rule_id == "B613" else 0))
        for f in bandit_findings(path.read_bytes(), filename=str(path))
    )
    assert ours == _manager_issues(path)


def test_machinery_is_built_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the first call, a scan builds no bandit config, test set or plugin registry."""
    from bandit.core import config, test_set

    bandit_findings("import pickle\n")

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("bandit machinery rebuilt for one source")

    monkeypatch.setattr(config.BanditConfig, "__init__", forbidden)
    monkeypatch.setattr(test_set.BanditTestSet, "__init__", forbidden)
    assert ids("import pickle\npickle.loads(b)\n") == ["B403", "B301"]


def test_a_given_tree_is_visited_and_left_without_parent_cycles() -> None:
    source = 'import subprocess\npassword = "hunter2"\nsubprocess.call("ls " + x, shell=True)\n'
    tree = ast.parse(source)
    with_tree = bandit_findings(source, tree=tree)
    assert with_tree == bandit_findings(source)
    assert {"B404", "B105", "B602"} <= {f.rule_id for f in with_tree}
    # `Load`, `Add` and the like are process-wide singletons (bandit's own manager,
    # run by other tests, links them); every node of this tree is unlinked.
    shared = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    nodes = [n for n in ast.walk(tree) if not isinstance(n, shared)]
    assert len(nodes) > 10
    assert all(getattr(n, "_bandit_parent", None) is None for n in nodes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_gives_findings_or_a_bandit_error(text: str) -> None:
    try:
        findings = bandit_findings(text)
    except BanditError:
        return
    for finding in findings:
        assert finding.origin == "bandit"
        assert finding.line >= 0 and finding.column >= 0


def test_a_shared_tree_gives_the_same_findings() -> None:
    import ast

    source = "import pickle\n\ndef load(b):\n    return pickle.loads(b)\n"
    assert bandit_findings(source, tree=ast.parse(source)) == bandit_findings(source)


def test_columns_are_code_points_on_non_ascii_lines() -> None:
    source = "import subprocess\nnom = 'é'; subprocess.run(cmd, shell=True)\n"
    (hit,) = [f for f in bandit_findings(source) if f.rule_id == "B602"]
    assert hit.column == source.splitlines()[1].index("subprocess")
    assert hit.end_column == len(source.splitlines()[1])


def _trojan_plugin_chars() -> tuple[str, ...]:
    from bandit.plugins import trojansource

    return trojansource.BIDI_CHARACTERS


def _b613(findings: list) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.message) for f in findings if f.rule_id == "B613"]


@pytest.mark.parametrize("char", _trojan_plugin_chars())
def test_every_trojan_source_character_is_still_reported(char: str) -> None:
    """The check is skipped only without its characters: each of them is still found,
    in code, in a comment, on a later line, as bytes, after a BOM or a coding cookie."""
    body = f'x = 1\ns = "ab{char}c"  # {char}\n'
    bom = b"\xef\xbb\xbf" + body.encode()
    for source in (body, body.encode(), bom, "# -*- coding: latin-1 -*-\n" + body):
        hits = _b613(bandit_findings(source))
        assert len(hits) == 1, (char, source)
        line, column, message = hits[0]
        text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
        assert line == text[: text.index(char)].count("\n") + 1
        assert column == text.splitlines()[line - 1].index(char)
        assert repr(char) in message


def _spied_trojansource(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the calls of B613 (the test set's own reference to the plugin)."""
    from airlock.analyzer.bandit_bridge import _machinery

    tests = _machinery().test_set.tests["File"]
    (plugin,) = [t for t in tests if getattr(t, "_test_id", "") == "B613"]
    calls: list[int] = []

    def spy(context: object) -> object:
        calls.append(1)
        return plugin(context)

    spy._test_id = "B613"  # type: ignore[attr-defined]
    monkeypatch.setitem(_machinery().test_set.tests, "File", [spy])
    return calls


def test_trojan_source_check_runs_only_on_text_with_its_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _spied_trojansource(monkeypatch)
    bandit_findings("x = 'plain ascii'\n")
    bandit_findings(
        "nom = 'é ü 漢字 \u200e \u061c'\n"
    )  # not B613's characters (Airlock's own check)
    assert calls == []
    assert _b613(bandit_findings("s = 'a\u202eb'\n")) and calls == [1]
    assert _b613(bandit_findings("# \u2067\ns = 1\n".encode())) and calls == [1, 1]
    # Bytes that tokenize reads with another codec (a second cookie on the line outlives
    # the neutralised first one) go through the check as before, whatever it finds.
    bandit_findings("# coding: coding: latin-1\ns = 'plain'\n")
    assert calls == [1, 1, 1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(
            [
                *("x", " ", "=", "'", "#", "\n", "\r", "é", "漢", "\ufeff"),
                *("\u200e", "\u061c", "\ud800"),
                *_trojan_plugin_chars(),
            ]
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_skipping_the_trojan_source_check_changes_no_result(text: str, as_bytes: bool) -> None:
    """With and without the skip: the same findings, or the same error."""
    from airlock.analyzer import bandit_bridge

    source: str | bytes = f"s = '''{text}'''\n"
    if as_bytes:
        try:
            source = source.encode()
        except UnicodeEncodeError:
            return

    def outcome() -> object:
        try:
            return bandit_findings(source)
        except BanditError as exc:
            return type(exc)

    skipping = outcome()
    machinery = bandit_bridge._machinery()
    saved = machinery.bidi
    machinery.bidi = None  # B613 on every source, as before the skip
    try:
        always = outcome()
    finally:
        machinery.bidi = saved
    assert skipping == always
