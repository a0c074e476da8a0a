"""The dashboard's pure parts: URL filters, rule-set overlays, annotated code, what-if, demo mix."""

from __future__ import annotations

import ast
import contextlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.dashboard.detail import annotated_code
from airlock.dashboard.filters import OUTCOMES, REVIEW_STATES, SORTS, VERDICTS, ExecFilter
from airlock.dashboard.overlay import Overlay, OverlayError, save, saved_overlays
from airlock.dashboard.whatif import StoredScreening, replay
from airlock.demo.filler import AGENTS, KINDS, load_snippets, plan

# -- filters -----------------------------------------------------------------------------------

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
filters = st.builds(
    ExecFilter,
    verdicts=st.lists(st.sampled_from(VERDICTS), unique=True).map(tuple),
    agents=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), unique=True).map(tuple),
    rule=st.from_regex(r"([A-Z]{2,4}-[A-Z]{2,6}-\d{3})?", fullmatch=True),
    score_min=st.integers(0, 50),
    score_max=st.integers(50, 100),
    since=st.none() | st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    until=st.none() | st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    outcome=st.sampled_from(["", *OUTCOMES]),
    text=words.map(str.strip).filter(lambda t: "," not in t),
    review=st.lists(st.sampled_from(REVIEW_STATES), unique=True).map(tuple),
    sort=st.sampled_from(list(SORTS)),
    desc=st.booleans(),
    sha=st.none().map(lambda _: "") | st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
)


@given(filters)
def test_a_filter_survives_the_url(flt: ExecFilter) -> None:
    assert ExecFilter.from_params(flt.to_params()) == flt


@given(st.dictionaries(words, words | st.lists(words, max_size=3), max_size=8))
def test_any_url_parses_to_a_valid_filter(params: dict[str, object]) -> None:
    flt = ExecFilter.from_params(params)
    assert set(flt.verdicts) <= set(VERDICTS)
    assert 0 <= flt.score_min <= flt.score_max <= 100
    assert flt.outcome in ("", *OUTCOMES) and flt.sort in SORTS


def test_default_filter_has_no_parameters() -> None:
    assert ExecFilter().to_params() == {}
    assert ExecFilter().is_default()
    assert ExecFilter(until=date(2026, 1, 2)).until_dt.day == 3  # until is inclusive


# -- overlays ----------------------------------------------------------------------------------


def test_overlay_round_trips_through_yaml(tmp_path: Path) -> None:
    ov = Overlay(
        name="team",
        extends="strict",
        disable=["B311", "AIR-NET-004"],
        severity={"AIR-PROC-001": "low"},
        allow_modules=["requests"],
        extra={"AIR-FS-002": {"verdict": "review"}},
    )
    back = Overlay.from_yaml(ov.to_yaml())
    assert back.to_dict() == ov.to_dict()
    path = save(ov, tmp_path)
    assert path == tmp_path / "team.yaml" and saved_overlays(tmp_path) == [path]


def test_a_saved_overlay_loads_in_the_analyzer(tmp_path: Path) -> None:
    from airlock import analyzer

    path = save(Overlay(name="mine", disable=["AIR-PROC-001"], severity={"B311": "info"}), tmp_path)
    rs = analyzer.load_ruleset(str(path))
    assert "AIR-PROC-001" in rs.disable and str(rs.overrides["B311"].severity) == "info"


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        (Overlay(name="../x"), "rule set name"),
        (Overlay(name="default"), "cannot extend itself"),
        (Overlay(name="ok", allow_modules=["os; rm"]), "dotted module name"),
        (Overlay(name="ok", severity={"X": "huge"}), "severity"),
    ],
)
def test_invalid_overlays_are_refused(overlay: Overlay, message: str, tmp_path: Path) -> None:
    with pytest.raises(OverlayError, match=message):
        save(overlay, tmp_path)
    assert not list(tmp_path.iterdir())


@settings(max_examples=60)
@given(st.text(max_size=200))
def test_parsing_arbitrary_text_as_an_overlay_fails_cleanly(text: str) -> None:
    with contextlib.suppress(OverlayError):  # anything else propagates and fails the test
        Overlay.from_yaml(text)


# -- annotated code ----------------------------------------------------------------------------


@settings(deadline=None)  # no clock: a loaded machine is not a failure
@given(
    st.lists(
        st.text(
            st.characters(exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
            max_size=20,
        ),
        max_size=12,
    ),
    st.lists(st.integers(0, 15), max_size=6),
)
def test_every_finding_is_printed_once_under_its_line(lines: list[str], at: list[int]) -> None:
    code = "\n".join(lines)
    findings = [
        {"rule_id": f"R{i}", "line": n, "severity": "high", "confidence": "low", "message": "m"}
        for i, n in enumerate(at)
    ]
    out = annotated_code(code, findings).splitlines()
    for i, n in enumerate(at):
        hits = [k for k, text in enumerate(out) if f"R{i} [" in text]
        assert len(hits) == 1
        if 1 <= n <= len(code.splitlines()):
            above = out[: hits[0]]
            source = [t for t in above if "│ " in t and "# ▲" not in t]
            assert source[-1].lstrip().startswith(f"{n} │")


# -- what-if -----------------------------------------------------------------------------------


def test_replay_rescans_each_distinct_code_once_and_reports_changes() -> None:
    from airlock import analyzer

    risky = "import pickle\npickle.loads(open('x', 'rb').read())\n"
    plain = "print(sum(range(10)))\n"
    stored = [
        StoredScreening(id=1, code=risky, code_sha256="a", verdict="allow", score=0),
        StoredScreening(id=2, code=risky, code_sha256="a", verdict="allow", score=0),
        StoredScreening(id=3, code=plain, code_sha256="b", verdict="block", score=90),
    ]
    ruleset = analyzer.load_ruleset("default")
    result = replay(stored, ruleset)
    assert result.distinct_codes == 2 and len(result.rows) == 3 and result.errors == 0
    now_risky = str(analyzer.scan(risky, ruleset=ruleset).verdict)
    assert now_risky != "allow"  # pickle.loads of file data is at least worth a look
    rows = result.rows.set_index("id")
    assert rows.loc[1, "change"] == rows.loc[2, "change"] == "stricter"
    assert rows.loc[3, "new_verdict"] == "allow" and rows.loc[3, "change"] == "looser"
    assert result.summary() == {"stricter": 2, "looser": 1, "same": 0}


def test_replay_stops_at_its_time_budget() -> None:
    from airlock import analyzer

    stored = [
        StoredScreening(id=i, code=f"x = {i}\n", code_sha256=str(i), verdict="allow", score=0)
        for i in range(50)
    ]
    result = replay(stored, analyzer.load_ruleset("default"), budget_s=0.0)
    assert result.stopped_early and result.distinct_codes <= 1


# -- demo mix ----------------------------------------------------------------------------------


def test_demo_snippets_are_python_and_cover_every_kind() -> None:
    snippets = load_snippets()
    assert all(snippets[k] for k in KINDS)
    names = [s.name for group in snippets.values() for s in group]
    assert len(names) == len(set(names))
    for group in snippets.values():
        for s in group:
            ast.parse(s.code)


def test_demo_snippets_screen_as_their_kind_says() -> None:
    """The demo shows the analyzer as it is: malicious blocks, risky reviews, the rest runs."""
    from airlock.analyzer import scan

    want = {"malicious": "block", "risky": "review", "benign": "allow", "limits": "allow"}
    wrong = [
        f"{s.name}: {kind} screened {scan(s.code).verdict}"
        for kind, group in load_snippets().items()
        for s in group
        if scan(s.code).verdict != want[kind]
    ]
    assert not wrong, wrong


def test_demo_plan_is_deterministic_and_spread_out() -> None:
    end = datetime(2026, 11, 20, tzinfo=UTC)
    a, b = plan(300, seed=3, end=end), plan(300, seed=3, end=end)
    assert [(p.at, p.snippet.name) for p in a] == [(p.at, p.snippet.name) for p in b]
    assert [p.at for p in a] == sorted(p.at for p in a)
    assert (a[-1].at - a[0].at).days >= 10
    assert {p.agent.agent_id for p in a} == {ag.agent_id for ag in AGENTS}
    assert {p.snippet.kind for p in a} == set(KINDS)
    # The agent that turns bad sends malicious code only in its last days.
    turning = next(ag for ag in AGENTS if ag.turns_bad_days)
    bad = [p for p in a if p.agent is turning and p.snippet.kind == "malicious"]
    assert bad and all((a[-1].at - p.at).days < turning.turns_bad_days + 1 for p in bad)


# -- the filter against a real store -----------------------------------------------------------


store_filters = st.builds(
    ExecFilter,
    verdicts=st.lists(st.sampled_from(VERDICTS), unique=True).map(tuple),
    agents=st.lists(st.sampled_from(["agent-a", "agent-b", "agent-c", "agent-d", "x"])).map(tuple),
    rule=st.sampled_from(["", "AIR-PROC-001", "AIR-PROC-002", "AIR-NET-001", "NOPE"]),
    score_min=st.integers(0, 100),
    score_max=st.just(100),
    since=st.none() | st.dates(date(2026, 11, 10), date(2026, 11, 18)),
    outcome=st.sampled_from(["", *OUTCOMES]),
    text=st.sampled_from(["", "subprocess", "os.", "%", "_", "\\", "'", "ls 3"]),
    review=st.lists(st.sampled_from(REVIEW_STATES), unique=True).map(tuple),
    sort=st.sampled_from(list(SORTS)),
    desc=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(flt=store_filters)
def test_count_list_and_bulk_ids_agree_for_any_filter(seeded_template, flt: ExecFilter) -> None:  # type: ignore[no-untyped-def]
    """What the list shows, what the count says and what a bulk action would touch are one set."""
    from airlock.dashboard.data import screenings

    url = str(seeded_template.path)
    for queue in (False, True):
        n = screenings.count(url, flt, queue)
        listed = [int(i) for i in screenings.page(url, flt, 1, 1000, queue)["id"]]
        assert n == len(listed) == len(set(listed)) <= seeded_template.total
        assert screenings.ids(url, flt, queue) == listed
        for sid in listed:  # every row really matches (free text is literal, not a pattern)
            row = screenings.detail(url, sid)
            assert row is not None and flt.text.lower() in row["code"].lower()
            assert not flt.verdicts or row["verdict"] in flt.verdicts
            assert row["score"] >= flt.score_min


def test_literal_keeps_agent_text_out_of_markdown() -> None:
    from airlock.dashboard.common import literal

    img = "![x](http://198.51.100.7/a.png)"
    assert literal(img) == f"`{img}`"  # a code span: never an image
    assert literal("a`b``c") == "```a`b``c```"  # a fence longer than any backtick run inside
    assert literal("`x`") == "`` `x` ``"
    assert literal(None) == literal("") == "`—`"
    assert literal("two\nlines") == "`two lines`"
