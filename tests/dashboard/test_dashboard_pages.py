"""Every page of the real app (AppTest) against a seeded store: content, filters, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_seed import Seeded
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"

App = Callable[..., AppTest]


def ok(at: AppTest) -> AppTest:
    """The run raised nothing and showed no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# -- Overview ----------------------------------------------------------------------------------


def test_overview_tiles_count_the_seeded_store(app: App, seeded: Seeded) -> None:
    at = ok(app())
    at.segmented_control(key="ov_period").set_value("all time").run()
    m = metrics(ok(at))
    assert m["Screenings"] == str(seeded.total)
    assert m["Blocked"] == str(len(seeded.block_ids))
    assert m["Held for review"] == str(len(seeded.held_ids))
    assert m["Open reviews"] == str(len(seeded.held_ids) - 3)  # 2 false positives, 1 denied
    assert m["Open alerts"] == "2"
    ran = len(seeded.allow_ids) + len(seeded.limit_ids)
    assert m["Runs hitting limits"] == f"{100 * len(seeded.limit_ids) / ran:.1f}%"
    assert len(at.get("vega_lite_chart")) == 4  # screenings, runs, top rules, agents
    from airlock.dashboard.data import insights

    runs = insights.outcomes_over_time(str(seeded.path), None)
    assert runs.groupby("outcome")["n"].sum().to_dict() == {"ok": 12, "timeout": 1, "memory": 1}


def test_overview_tiles_link_to_the_filtered_list(app: App) -> None:
    at = ok(app())
    at.segmented_control(key="ov_period").set_value("all time").run()
    links = {(p.proto.page, p.proto.query_string) for p in at.get("page_link")}
    assert ("executions", "verdicts=block") in links
    assert ("executions", "outcome=limit") in links
    assert ("review", "review=open") in links
    assert ("executions", "rule=AIR-PROC-002") in links  # the top rule


def test_overview_period_narrows_the_counts(app: App, seeded: Seeded) -> None:
    at = ok(app())
    at.segmented_control(key="ov_period").set_value("24 hours").run()
    # The newest record is the last blocked one; the day before it holds fewer than all.
    assert 0 < int(metrics(ok(at))["Screenings"]) < seeded.total


# -- Executions --------------------------------------------------------------------------------


def rows(at: AppTest) -> list[int]:
    return [int(i) for i in at.dataframe[0].value["id"]]


def test_executions_lists_everything_newest_first(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py"))
    ids = rows(at)
    assert len(ids) == seeded.total
    assert ids == sorted(ids, reverse=True)


def test_executions_filter_from_the_url_seeds_the_widgets(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py", verdicts="block"))
    assert sorted(rows(at)) == seeded.block_ids
    assert at.multiselect(key="ex_verdicts").value == ["block"]


@pytest.mark.parametrize(
    ("key", "value", "expect"),
    [
        ("ex_agents", ["agent-b"], "held_b_ids"),
        ("ex_text", "subprocess", "held_ids"),
        ("ex_rule", "AIR-NET-001", "block_ids"),
        ("ex_outcome", "limit", "limit_ids"),
        ("ex_outcome", "held", "held_ids"),
    ],
)
def test_executions_filters_select_exactly_their_rows(
    app: App, seeded: Seeded, key: str, value: object, expect: str
) -> None:
    at = ok(app("views/executions.py"))
    widget = at.get("multiselect") + at.get("selectbox") + at.get("text_input")
    next(w for w in widget if w.key == key).set_value(value).run()
    assert sorted(rows(ok(at))) == sorted(getattr(seeded, expect))
    assert at.query_params  # the filter is in the URL


def test_executions_filters_combine_and_land_in_the_url(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py"))
    at.multiselect(key="ex_verdicts").set_value(["review", "block"])
    at.slider(key="ex_score").set_value((50, 100)).run()
    assert sorted(rows(ok(at))) == seeded.block_ids
    assert at.query_params["score_min"] == "50"
    assert at.query_params["verdicts"] == ["review", "block"]


def test_executions_sort_by_score_ascending(app: App) -> None:
    at = ok(app("views/executions.py", sort="score", desc="0"))
    scores = list(at.dataframe[0].value["score"])
    assert scores == sorted(scores)


def test_executions_time_range(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py", since="2026-11-16", until="2026-11-16"))
    assert rows(at)
    assert set(rows(at)) < set(seeded.block_ids + seeded.held_ids)


def test_execution_detail_puts_findings_on_their_lines(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py", id=str(seeded.block_ids[0])))
    code = at.code[0].value.splitlines()
    at_line = next(i for i, line in enumerate(code) if "os.system" in line)
    assert "AIR-PROC-001" in code[at_line + 1] and "AIR-NET-001" in code[at_line + 2]
    assert "Blocked: it never ran." in [c.value for c in at.caption]


def test_execution_detail_shows_the_run(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py", id=str(seeded.limit_ids[0])))
    assert any("Killed: `wall-clock timeout`" in w.value for w in at.warning)
    assert metrics(at)["Timed out"] == "yes"
    layers = [df.value for df in at.dataframe if "status" in df.value.columns]
    assert layers and "unavailable" in set(layers[0]["status"])


def test_execution_detail_lists_egress_attempts(app: App, seeded: Seeded) -> None:
    """An allow-list run's attempts as the proxy recorded them; other runs show none."""
    from dashboard_seed import Verdict, _report

    from airlock.audit.store import Store
    from airlock.executor.models import EgressAttempt, ExecutionResult, Limits

    limits = Limits(network="allow:api.example.com")
    attempts = [
        EgressAttempt(host="api.example.com", port=443, method="CONNECT", allowed=True,
                      address="93.184.215.14", bytes_out=517, bytes_in=4096),
        EgressAttempt(host="evil.example", port=443, method="CONNECT", allowed=False,
                      reason="not on the allow-list"),
    ]  # fmt: skip
    result = ExecutionResult(exit_code=0, limits=limits, egress=attempts, egress_count=2)
    with Store(str(seeded.path)) as store:
        row = store.record(
            code="import requests\n", report=_report(Verdict.allow, 0, []),
            gate_decision="ran", result=result, limits=limits,
        )  # fmt: skip
    at = ok(app("views/executions.py", id=str(row.id)))
    assert "Egress through the proxy: 2 attempt(s), 1 denied" in [m.value for m in at.markdown]
    [frame] = [df.value for df in at.dataframe if "bytes_in" in df.value.columns]
    assert list(frame["host"]) == ["api.example.com", "evil.example"]
    assert list(frame["reason"].fillna("")) == ["", "not on the allow-list"]
    other = ok(app("views/executions.py", id=str(seeded.limit_ids[0])))  # control
    assert not any("Egress" in m.value for m in other.markdown)


def test_open_a_row_then_go_back_to_the_same_filtered_list(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py", verdicts="block"))
    at.selectbox(key="ex_open").set_value(seeded.block_ids[0]).run()
    ok(at)
    assert at.query_params["id"] == str(seeded.block_ids[0])
    assert any("Screening #" in h.value for h in at.subheader)
    at.button[0].click().run()  # "back to the list"
    assert "id" not in ok(at).query_params
    assert sorted(rows(at)) == seeded.block_ids
    assert at.multiselect(key="ex_verdicts").value == ["block"]


@pytest.mark.parametrize(
    ("raw", "message"), [("999999", "no screening #999999"), ("x1", "not a screening id")]
)
def test_execution_detail_bad_ids_are_messages(app: App, raw: str, message: str) -> None:
    at = app("views/executions.py", id=raw)
    assert not at.exception
    assert message in at.error[0].value


def test_executions_bad_url_values_fall_back_to_defaults(app: App, seeded: Seeded) -> None:
    at = ok(app("views/executions.py", verdicts="nonsense", score_min="lots", since="yesterday"))
    assert len(rows(at)) == seeded.total


# -- Patterns ----------------------------------------------------------------------------------


def test_patterns_finds_repeats_rising_rules_and_shifted_agents(app: App, seeded: Seeded) -> None:
    at = ok(app("views/patterns.py"))
    at.segmented_control(key="pt_window").set_value("14 days").run()
    frames = [df.value for df in ok(at).dataframe]
    repeated = next(f for f in frames if "code_sha256" in f.columns)
    assert int(repeated["times"].max()) == len(seeded.block_ids)
    rising = next(f for f in frames if "rule_id" in f.columns and "change" in f.columns)
    assert {"AIR-PROC-001", "AIR-PROC-002", "AIR-NET-001"} <= set(rising["rule_id"])
    shifts = next(f for f in frames if "shift" in f.columns)
    assert "agent-c" in set(shifts["agent_id"])


# -- errors ------------------------------------------------------------------------------------

PAGES = [
    "views/overview.py",
    "views/executions.py",
    "views/review.py",
    "views/alerts.py",
    "views/patterns.py",
    "views/rules.py",
]


def _run_with_db(db: str, page: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("AIRLOCK_DB", db)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_a_missing_database_is_a_message(
    page: str,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    at = _run_with_db(str(tmp_path / "nope.db"), page, monkeypatch)
    assert not at.exception
    assert "no database at" in at.error[0].value
    assert not (tmp_path / "nope.db").exists()  # the dashboard never creates a store


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "bad database URL"),
        ("postgresql+psycopg://u:secret@127.0.0.1:1/x", "cannot"),
        ("sqlite+weird:///x.db", "bad database URL"),
    ],
)
def test_bad_urls_are_messages(url: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run_with_db(url, "views/executions.py", monkeypatch)
    assert not at.exception
    assert message in at.error[0].value
    assert "secret" not in at.error[0].value


def test_a_file_that_is_not_a_database_is_a_message(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    at = _run_with_db(str(path), "views/overview.py", monkeypatch)
    assert not at.exception
    assert at.error and "database" in at.error[0].value


def test_a_database_without_airlock_tables_is_a_message(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (x)")
    at = _run_with_db(str(path), "views/review.py", monkeypatch)
    assert not at.exception
    assert "no Airlock tables" in at.error[0].value


@pytest.mark.parametrize("page", PAGES)
def test_an_empty_store_says_so(page: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from airlock.audit.store import Store

    path = tmp_path / "empty.db"
    Store(str(path)).close()
    at = _run_with_db(str(path), page, monkeypatch)
    assert not at.exception and not at.error, [e.value for e in at.error]
    if page in ("views/alerts.py", "views/rules.py"):
        return  # these pages are useful on an empty store (no alerts; edit a rule set)
    assert "empty" in at.info[0].value


# -- pagination and PostgreSQL -----------------------------------------------------------------


def test_pages_of_the_list_are_disjoint_and_cover_it(seeded: Seeded) -> None:
    from airlock.dashboard.data import screenings
    from airlock.dashboard.filters import ExecFilter

    url = str(seeded.path)
    flt = ExecFilter(sort="score")
    seen: list[int] = []
    for page_no in range(1, 5):
        seen += [int(i) for i in screenings.page(url, flt, page_no, 8)["id"]]
    assert len(seen) == len(set(seen)) == seeded.total == screenings.count(url, flt)
    assert screenings.ids(url, flt) == seen


@pytest.mark.postgres
def test_every_page_renders_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import uuid

    from dashboard_seed import seed
    from sqlalchemy import create_engine

    base = os.environ.get("AIRLOCK_TEST_PG_URL")
    if not base:
        print("SKIP: $AIRLOCK_TEST_PG_URL is not set (no PostgreSQL server)")
        pytest.skip("$AIRLOCK_TEST_PG_URL is not set (no PostgreSQL server)")
    schema = "dash_" + uuid.uuid4().hex[:10]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        seeded = seed(url)
        for page in PAGES:
            at = _run_with_db(url, page, monkeypatch)
            assert not at.exception and not at.error, [e.value for e in at.exception or at.error]
        at = _run_with_db(url, "views/executions.py", monkeypatch)
        assert len(at.dataframe[0].value) == seeded.total
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_execution_detail_shows_its_session_as_a_timeline(app: App, seeded: Seeded) -> None:
    """A session's calls in order, the open one marked; a record outside a session has none."""
    from dashboard_seed import Verdict, _report

    from airlock.audit.store import Store
    from airlock.executor.models import ExecutionResult, Limits

    ids = []
    with Store(str(seeded.path)) as store:
        for n, code in enumerate(["x = 40", "x + 2", "print(x)"], start=1):
            row = store.record(
                code=code, report=_report(Verdict.allow, 0, []), gate_decision="ran",
                result=ExecutionResult(exit_code=0), agent_id="agent-s", session_id="s-timeline",
                call_index=n, limits=Limits(),
            )  # fmt: skip
            ids.append(int(row.id or 0))
    at = ok(app("views/executions.py", id=str(ids[1])))
    timeline = next(df.value for df in at.dataframe if "call" in df.value.columns)
    assert list(timeline["id"]) == ids and list(timeline["call"]) == [1, 2, 3]
    assert list(timeline["this"]) == ["", "▶", ""]
    assert list(timeline["code"]) == ["x = 40", "x + 2", "print(x)"]
    alone = ok(app("views/executions.py", id=str(seeded.block_ids[0])))  # control
    assert not any("call" in df.value.columns for df in alone.dataframe)
