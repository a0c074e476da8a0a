"""Review, alert and rule-editing actions in the real app (AppTest) and their effect on the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_seed import Seeded
from streamlit.testing.v1 import AppTest

from airlock.audit.store import Store

App = Callable[..., AppTest]


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def states(seeded: Seeded, ids: list[int]) -> dict[int, str | None]:
    with Store(str(seeded.path), upgrade=False) as store:
        return {i: store.get(i).screening.review_state for i in ids}


def queue_ids(at: AppTest) -> list[int]:
    return [int(i) for i in at.dataframe[0].value["id"]]


# -- Review queue ------------------------------------------------------------------------------


def test_queue_lists_open_items_oldest_first(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py"))
    open_ids = seeded.held_b_ids[3:] + seeded.held_d_ids
    assert queue_ids(at) == open_ids


def test_one_decision_is_recorded_with_who_when_and_why(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py"))
    target = seeded.held_d_ids[0]
    at.selectbox(key="rv_decision").set_value("false-positive")
    at.text_input(key="rv_note").set_value("only lists a directory")
    at.selectbox(key="rv_one").set_value(target)
    at.button(key="rv_apply_one").click().run()
    ok(at)
    assert any("recorded for 1 screening" in s.value for s in at.success)
    with Store(str(seeded.path), upgrade=False) as store:
        review = store.get(target).reviews[-1]
    assert (review.state, review.by, review.note) == (
        "false-positive",
        "tester",
        "only lists a directory",
    )
    assert review.created_at is not None
    assert target not in queue_ids(at)
    # Everything else is untouched.
    others = [i for i in seeded.held_b_ids[3:] + seeded.held_d_ids if i != target]
    assert set(states(seeded, others).values()) == {"open"}


def test_the_signed_in_reviewer_is_who_decides(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py", token=seeded.dana_token))
    assert any("Signed in as dana" in t.value for t in at.sidebar.text)
    assert not [i for i in at.text_input if i.key == "reviewer"]  # no "Acting as" box
    at.selectbox(key="rv_decision").set_value("denied")
    at.selectbox(key="rv_one").set_value(seeded.held_d_ids[1])
    at.button(key="rv_apply_one").click().run()
    with Store(str(seeded.path), upgrade=False) as store:
        assert store.get(seeded.held_d_ids[1]).reviews[-1].by == "dana"


def test_without_a_valid_token_nothing_is_decided(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py", token="airlock_not-a-token"))
    assert any("not valid" in w.value for w in at.sidebar.warning)
    at.selectbox(key="rv_decision").set_value("denied")
    at.selectbox(key="rv_one").set_value(seeded.held_d_ids[1])
    at.button(key="rv_apply_one").click().run()
    assert any("sign in" in w.value for w in at.warning)
    with Store(str(seeded.path), upgrade=False) as store:
        assert store.get(seeded.held_d_ids[1]).reviews == []
    at = ok(app("views/review.py"))  # negative control: signed in, the same click decides
    at.selectbox(key="rv_decision").set_value("denied")
    at.selectbox(key="rv_one").set_value(seeded.held_d_ids[1])
    with Store(str(seeded.path), upgrade=False) as store:
        store.revoke_reviewer("tester")  # revoked while signed in: the token stops working
    at.button(key="rv_apply_one").click().run()
    assert any("revoked" in w.value for w in at.warning)
    with Store(str(seeded.path), upgrade=False) as store:
        assert store.get(seeded.held_d_ids[1]).reviews == []
    at = app("views/review.py", token=seeded.dana_token)
    at.selectbox(key="rv_decision").set_value("denied")
    at.selectbox(key="rv_one").set_value(seeded.held_d_ids[1])
    at.button(key="rv_apply_one").click().run()
    with Store(str(seeded.path), upgrade=False) as store:
        assert [r.by for r in store.get(seeded.held_d_ids[1]).reviews] == ["dana"]


def test_bulk_acts_only_on_the_rows_the_filter_selects(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py", agents="agent-d"))
    assert queue_ids(at) == seeded.held_d_ids
    at.selectbox(key="rv_decision").set_value("denied")
    at.text_input(key="rv_note").set_value("no shell from agent-d")
    assert at.button(key="rv_apply_bulk").disabled  # not without the confirmation
    at.checkbox(key="rv_confirm").check().run()
    at.button(key="rv_apply_bulk").click().run()
    ok(at)
    assert set(states(seeded, seeded.held_d_ids).values()) == {"denied"}
    assert set(states(seeded, seeded.held_b_ids[3:]).values()) == {"open"}
    assert set(states(seeded, seeded.fp_ids).values()) == {"false-positive"}
    assert "Nothing is waiting" in at.info[0].value


def test_bulk_on_a_free_text_filter(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py"))
    at.text_input(key="rv_text").set_value("ls 3").run()
    assert queue_ids(ok(at)) == [seeded.held_b_ids[3]]
    at.selectbox(key="rv_decision").set_value("false-positive")
    at.checkbox(key="rv_confirm").check().run()
    at.button(key="rv_apply_bulk").click().run()
    assert states(seeded, [seeded.held_b_ids[3]]) == {seeded.held_b_ids[3]: "false-positive"}
    assert states(seeded, [seeded.held_b_ids[4]]) == {seeded.held_b_ids[4]: "open"}


def test_accepted_risk_carries_its_expiry(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py"))
    target = seeded.held_b_ids[4]
    at.selectbox(key="rv_decision").set_value("accepted-risk").run()
    at.selectbox(key="rv_one").set_value(target)
    at.button(key="rv_apply_one").click().run()
    ok(at)
    with Store(str(seeded.path), upgrade=False) as store:
        review = store.get(target).reviews[-1]
    assert review.state == "accepted-risk" and review.expires_at is not None


def test_approve_runs_held_code_and_a_second_approval_is_refused(app: App, seeded: Seeded) -> None:
    target = seeded.held_b_ids[3]
    at = ok(app("views/review.py"))
    at.selectbox(key="rv_decision").set_value("approved")
    at.selectbox(key="rv_one").set_value(target)
    at.button(key="rv_apply_one").click().run()
    ok(at)
    with Store(str(seeded.path), upgrade=False) as store:
        detail = store.get(target)
    assert detail.screening.review_state == "approved"
    assert [(e.trigger, e.approved_by) for e in detail.executions] == [("review", "tester")]
    # Approving it again from the decided list is refused by the review flow: a message.
    at.radio(key="rv_view").set_value("Decided (filter by review state)").run()
    at.multiselect(key="rv_review").set_value(["approved"]).run()
    assert queue_ids(ok(at)) == [target]
    at.selectbox(key="rv_decision").set_value("approved")
    at.selectbox(key="rv_one").set_value(target)
    at.button(key="rv_apply_one").click().run()
    assert not at.exception
    assert any("refused" in w.value and "already run" in w.value for w in at.warning)
    with Store(str(seeded.path), upgrade=False) as store:
        assert len(store.get(target).executions) == 1


def test_decided_view_filters_by_state(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py", review="false-positive"))
    at.radio(key="rv_view").set_value("Decided (filter by review state)").run()
    assert sorted(queue_ids(ok(at))) == seeded.fp_ids


# -- Alerts ------------------------------------------------------------------------------------


def test_alerts_show_the_events_behind_them(app: App, seeded: Seeded) -> None:
    at = ok(app("views/alerts.py", alert=str(seeded.alert_ids[0])))
    assert at.metric[0].value == "2"  # open
    events = [df.value for df in at.dataframe if "verdict" in df.value.columns]
    assert sorted(int(i) for i in events[0]["id"]) == seeded.block_ids


def test_acknowledge_then_resolve(app: App, seeded: Seeded) -> None:
    alert_id = seeded.alert_ids[1]
    at = ok(app("views/alerts.py", alert=str(alert_id)))
    at.text_input(key="al_note").set_value("looking into it")
    at.button(key="al_acknowledged").click().run()
    ok(at)
    at.button(key="al_resolved").click().run()
    ok(at)
    with Store(str(seeded.path), upgrade=False) as store:
        detail = store.get_alert(alert_id)
    assert detail.alert.state == "resolved"
    actions = [(c.action, c.by) for c in detail.changes]
    assert ("acknowledged", "tester") in actions and ("resolved", "tester") in actions
    # Resolved alerts leave the default view; the other one is still there.
    assert list(at.dataframe[0].value["id"]) == [seeded.alert_ids[0]]


def test_resolved_alerts_can_be_listed(app: App, seeded: Seeded) -> None:
    with Store(str(seeded.path), upgrade=False) as store:
        store.change_alert(seeded.alert_ids[0], "resolved", by="someone")
    at = ok(app("views/alerts.py", state="resolved"))
    assert list(at.dataframe[0].value["id"]) == [seeded.alert_ids[0]]
    assert at.button(key="al_resolved").disabled


# -- Rules -------------------------------------------------------------------------------------


def test_rule_evidence_has_the_false_positive_rate(app: App) -> None:
    at = ok(app("views/rules.py"))
    ev = at.dataframe[0].value.set_index("rule_id")
    assert ev.loc["AIR-PROC-002", "hits"] == 8
    assert ev.loc["AIR-PROC-002", "fp_rate"] == pytest.approx(66.7)  # 2 of 3 decided
    assert ev.loc["AIR-NET-001", "fp_rate"] != ev.loc["AIR-NET-001", "fp_rate"]  # NaN: none decided


def test_what_if_replay_matches_the_analyzer(app: App, seeded: Seeded, tmp_path: Path) -> None:
    from airlock import analyzer
    from airlock.dashboard.overlay import Overlay
    from airlock.dashboard.whatif import load_overlay

    at = ok(app("views/rules.py"))
    at.text_input(key="ru_(new overlay)_name").set_value("lenient")
    at.multiselect(key="ru_(new overlay)_disable").set_value(["AIR-PROC-001"]).run()
    assert "AIR-PROC-001" in at.code[0].value  # the YAML preview
    at.button(key="ru_replay").click().run()
    ok(at)
    m = {x.label: x.value for x in at.metric}
    assert m["Replayed"] == str(seeded.total)
    # Independently: the same overlay through the analyzer, compared with what was recorded.
    ruleset = load_overlay(Overlay(name="lenient", extends="default", disable=["AIR-PROC-001"]))
    with Store(str(seeded.path), upgrade=False) as store:
        recorded = store.list_screenings(None, limit=1000)
    changed = {
        s.id for s in recorded if str(analyzer.scan(s.code, ruleset=ruleset).verdict) != s.verdict
    }
    shown = [df.value for df in at.dataframe if "new_verdict" in df.value.columns]
    assert set(shown[0]["id"]) == changed if changed else not shown
    assert int(m["Stricter"]) + int(m["Looser"]) == len(changed)


def test_save_writes_an_overlay_the_analyzer_loads(app: App, tmp_path: Path) -> None:
    from airlock import analyzer

    at = ok(app("views/rules.py"))
    k = "ru_(new overlay)"
    at.text_input(key=f"{k}_name").set_value("team")
    at.multiselect(key=f"{k}_disable").set_value(["AIR-NET-001"])
    at.multiselect(key=f"{k}_reweigh").set_value(["AIR-PROC-002"]).run()
    at.selectbox(key=f"{k}_sev_AIR-PROC-002").set_value("low")
    at.text_input(key=f"{k}_modules").set_value("requests, numpy").run()
    at.button(key="ru_save").click().run()
    ok(at)
    path = tmp_path / "rules" / "team.yaml"
    assert path.is_file()
    rs = analyzer.load_ruleset(str(path))
    assert "AIR-NET-001" in rs.disable
    assert str(rs.overrides["AIR-PROC-002"].severity) == "low"
    assert set(rs.allow_modules) == {"requests", "numpy"}
    # It is now offered for editing, with its changes listed.
    at.run()
    assert "team" in at.selectbox(key="ru_source").options


def test_an_invalid_overlay_cannot_be_saved(app: App) -> None:
    at = ok(app("views/rules.py"))
    at.text_input(key="ru_(new overlay)_name").set_value("../../etc/evil").run()
    assert not at.exception
    assert "rule set name" in at.error[0].value
    assert at.button(key="ru_save").disabled and at.button(key="ru_replay").disabled


def test_decided_view_without_a_state_lists_only_decided_items(app: App, seeded: Seeded) -> None:
    at = ok(app("views/review.py"))
    at.radio(key="rv_view").set_value("Decided (filter by review state)").run()
    assert sorted(queue_ids(ok(at))) == sorted([*seeded.fp_ids, seeded.held_b_ids[2]])


# -- OIDC identities ---------------------------------------------------------------------------


def test_a_bound_oidc_identity_decides_and_changes_alerts_as_its_account(seeded: Seeded) -> None:
    """What the sidebar hands the pages after an OIDC sign-in: the identity, checked by the
    store on every action (the browser flow is in test_dashboard_oidc.py)."""
    from airlock.audit.accounts import OidcIdentity
    from airlock.dashboard.data import DataError, actions

    url = str(seeded.path)
    bound = OidcIdentity("https://idp.example.com", "sub-7")
    with Store(url, upgrade=False) as store:
        store.add_reviewer("olga", bound)
    stranger = OidcIdentity("https://idp.example.com", "sub-8")
    with pytest.raises(DataError, match="not a reviewer"):
        actions.decide(url, [seeded.held_d_ids[0]], "denied", token=stranger)
    assert actions.change_alert(url, seeded.alert_ids[0], "acknowledged", token=stranger)
    assert actions.oidc_reviewer(url, bound) == "olga"
    result = actions.decide(url, [seeded.held_d_ids[0]], "denied", token=bound)
    assert result.done == [seeded.held_d_ids[0]]
    assert actions.change_alert(url, seeded.alert_ids[0], "acknowledged", token=bound) is None
    with Store(url, upgrade=False) as store:
        assert [r.by for r in store.get(seeded.held_d_ids[0]).reviews] == ["olga"]
        assert [c.by for c in store.get_alert(seeded.alert_ids[0]).changes][-1:] == ["olga"]
        store.revoke_reviewer("olga")
    with pytest.raises(DataError, match="revoked"):
        actions.oidc_reviewer(url, bound)
