"""Each shipped alert rule fires on its case and stays quiet on the near miss."""

from __future__ import annotations

from pathlib import Path

from airlock.audit.alerts import evaluate, load_alert_rules
from airlock.audit.events import AlertDraft

AWS_KEY_ID = "AKIA" + "J7Q2ZK4M9XW3PLRT"  # assembled so the repository holds no key
PRIVATE_KEY = (
    "-----BEGIN OPENSSH " + "PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH " + "PRIVATE KEY-----\n"
)


def fired(drafts: list[AlertDraft]) -> dict[str, AlertDraft]:
    return {d.rule_id: d for d in drafts}


def test_a_clean_allowed_run_raises_nothing(make_event, history) -> None:
    assert evaluate(make_event(), history) == []


def test_blocked_attempt(make_event, history) -> None:
    event = make_event(verdict="block", gate_decision="blocked", ran=False, score=95)
    draft = fired(evaluate(event, history))["blocked-attempt"]
    assert draft.severity == "high"
    assert draft.event_ids == [event.id]
    assert draft.agent_id == "agent-1"
    assert event.code_sha256[:12] in draft.detail


def test_blocked_attempt_near_miss_review(make_event, history) -> None:
    event = make_event(verdict="review", gate_decision="held_for_review", ran=False)
    assert "blocked-attempt" not in fired(evaluate(event, history))


def test_blocked_attempt_dedups_per_agent_and_code(make_event, history) -> None:
    blocked = {"verdict": "block", "gate_decision": "blocked", "ran": False}
    first = fired(evaluate(make_event(**blocked), history))["blocked-attempt"]
    again = fired(evaluate(make_event(minutes=1, **blocked), history))["blocked-attempt"]
    other_agent = make_event(minutes=2, agent_id="agent-2", **blocked)
    other_code = make_event(minutes=3, code="import os\n", **blocked)
    assert first.dedup_key == again.dedup_key
    assert fired(evaluate(other_agent, history))["blocked-attempt"].dedup_key != first.dedup_key
    assert fired(evaluate(other_code, history))["blocked-attempt"].dedup_key != first.dedup_key


def test_limit_kill_on_timeout_memory_and_other_kills(make_event, history) -> None:
    cases = [
        ({"timed_out": True, "exit_code": None}, "wall-clock timeout"),
        ({"memory_exceeded": True, "exit_code": -9}, "memory limit"),
        ({"killed_reason": "process limit reached", "exit_code": -9}, "process limit reached"),
    ]
    for fields, expected in cases:
        draft = fired(evaluate(make_event(**fields), history))["limit-kill"]
        assert draft.severity == "medium"
        assert expected in draft.detail


def test_limit_kill_near_miss_plain_failure(make_event, history) -> None:
    event = make_event(exit_code=1, stderr="Traceback ...\nValueError: bad\n")
    assert evaluate(event, history) == []


def test_limit_kill_reasons_parameter(make_event, history, tmp_path: Path) -> None:
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: limit-kill\n    params: {reasons: [memory]}\n")
    rules = load_alert_rules(user)
    assert "limit-kill" not in fired(evaluate(make_event(timed_out=True), history, rules))
    assert "limit-kill" in fired(evaluate(make_event(memory_exceeded=True), history, rules))


def flagged(make_event, minutes: float, **fields):
    return make_event(minutes=minutes, verdict="review", gate_decision="held_for_review", **fields)


def test_agent_burst_fires_on_the_third_flagged_attempt(make_event, history) -> None:
    first, second = flagged(make_event, 1), flagged(make_event, 2)
    assert "agent-burst" not in fired(evaluate(second, history))
    third = make_event(minutes=3, verdict="block", gate_decision="blocked", ran=False)
    draft = fired(evaluate(third, history))["agent-burst"]
    assert draft.severity == "high"
    assert draft.event_ids == [third.id, second.id, first.id]
    assert "3 attempts" in draft.detail


def test_agent_burst_is_one_alert_per_agent_and_window(make_event, history) -> None:
    drafts = [fired(evaluate(flagged(make_event, m), history)) for m in (1, 2, 3, 4, 5)]
    keys = {d["agent-burst"].dedup_key for d in drafts if "agent-burst" in d}
    assert len(keys) == 1
    assert len(drafts[-1]["agent-burst"].event_ids) == 5
    later = flagged(make_event, 6, agent_id="agent-2")
    assert "agent-burst" not in fired(evaluate(later, history))  # other agents do not count


def test_agent_burst_near_misses(make_event, history) -> None:
    # Spread over 25 minutes: never three within ten.
    for minutes in (0, 11, 22):
        assert "agent-burst" not in fired(evaluate(flagged(make_event, minutes), history))
    # Allowed attempts do not count, and an allowed attempt does not raise a burst.
    make_event(minutes=23)
    flagged(make_event, 24)
    assert "agent-burst" not in fired(evaluate(make_event(minutes=25), history))


def test_agent_burst_ignores_anonymous_events_unless_asked(make_event, history, tmp_path) -> None:
    events = [flagged(make_event, m, agent_id=None) for m in (1, 2, 3)]
    assert "agent-burst" not in fired(evaluate(events[-1], history))
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: agent-burst\n    params: {include_anonymous: true}\n")
    draft = fired(evaluate(events[-1], history, load_alert_rules(user)))["agent-burst"]
    assert draft.agent_id is None


def test_agent_burst_threshold_and_window_from_user_rules(make_event, history, tmp_path) -> None:
    user = tmp_path / "alerts.yaml"
    user.write_text(
        "rules:\n"
        "  - id: agent-burst\n    params: {threshold: 2, window_minutes: 30}\n"
        "  - id: slow-burst\n    kind: agent-burst\n    title: Slow burst\n"
        "    severity: critical\n    params: {threshold: 3, window_minutes: 60}\n"
    )
    rules = load_alert_rules(user)
    flagged(make_event, 0)
    second = fired(evaluate(flagged(make_event, 25), history, rules))
    assert "agent-burst" in second
    assert "slow-burst" not in second
    third = fired(evaluate(flagged(make_event, 50), history, rules))
    assert third["slow-burst"].severity == "critical"
    assert third["slow-burst"].dedup_key.startswith("slow-burst:")


def test_secret_in_code(make_event, history) -> None:
    event = make_event(code=f"import boto3\nKEY = '{AWS_KEY_ID}'\n")
    draft = fired(evaluate(event, history))["secret-in-code"]
    assert draft.severity == "high"
    assert AWS_KEY_ID not in draft.detail
    assert "AWS access key id at line 2" in draft.detail
    assert "AKIA… (20 chars)" in draft.detail


def test_secret_in_code_private_key_is_critical(make_event, history) -> None:
    draft = fired(evaluate(make_event(code=f"KEY = '''{PRIVATE_KEY}'''"), history))
    assert draft["secret-in-code"].severity == "critical"
    assert "b3BlbnNzaC1rZXkt" not in draft["secret-in-code"].detail


def test_secret_in_code_near_misses(make_event, history) -> None:
    code = (
        "KEY_ID = 'AKIAXXXXXXXXXXXXXXXX'\n"
        "api_key = 'your-api-key-here'\n"
        "password = 'hunter2'\n"
        "run_id = '123e4567-e89b-12d3-a456-426614174000'\n"
        "digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n"
        "cert = '-----BEGIN CERTIFICATE-----'\n"
    )
    assert evaluate(make_event(code=code), history) == []


def test_secret_detail_lists_a_few_and_counts_the_rest(make_event, history) -> None:
    keys = [f"AKIA{n:04d}" + "Q7ZK4M9XW3PL" for n in range(25)]
    draft = fired(evaluate(make_event(code="\n".join(keys)), history))["secret-in-code"]
    assert "20+ secret-looking string(s)" in draft.detail
    assert draft.detail.count("AWS access key id at line") == 5
    assert draft.detail.endswith("and 15 more")
    assert not any(key in draft.detail for key in keys)


def test_secret_detectors_can_be_chosen(make_event, history, tmp_path) -> None:
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: secret-in-code\n    params: {detectors: [github-token]}\n")
    event = make_event(code=f"KEY = '{AWS_KEY_ID}'\n")
    assert evaluate(event, history, load_alert_rules(user)) == []


def test_secret_in_output(make_event, history) -> None:
    token = "gh" + "p_" + "R8kq2Lm9Vx4Tz7Wb3Nc6Hd1Jf5Gs0Ap8Ye2U"
    event = make_event(stdout="ok\n", stderr=f"warning\nusing token {token}\n")
    drafts = fired(evaluate(event, history))
    assert "secret-in-code" not in drafts
    draft = drafts["secret-in-output"]
    assert "GitHub token at stderr line 2" in draft.detail
    assert token not in draft.detail


def test_secret_in_output_near_miss(make_event, history) -> None:
    event = make_event(stdout="sha1 0123456789abcdef0123456789abcdef01234567\nxoxb-your-token\n")
    assert evaluate(event, history) == []


def test_layer_unavailable(make_event, history) -> None:
    event = make_event(unavailable_layers=["landlock", "cgroup"])
    draft = fired(evaluate(event, history))["layer-unavailable"]
    assert draft.severity == "medium"
    assert "cgroup, landlock" in draft.detail
    assert draft.agent_id is None  # a host condition, shared by all agents
    degraded = make_event(degraded=True, agent_id="agent-9")
    assert "layer-unavailable" in fired(evaluate(degraded, history))


def test_layer_unavailable_near_miss_and_ignore_list(make_event, history, tmp_path) -> None:
    assert evaluate(make_event(unavailable_layers=[]), history) == []
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: layer-unavailable\n    params: {ignore_layers: [cgroup]}\n")
    rules = load_alert_rules(user)
    assert evaluate(make_event(unavailable_layers=["cgroup"]), history, rules) == []


def test_repeat_blocked_hash(make_event, history) -> None:
    code = "import os; os.system('rm -rf /')\n"
    first = make_event(code=code, verdict="block", gate_decision="blocked", ran=False)
    again = make_event(minutes=30, code=code, agent_id="agent-2", verdict="review", ran=False)
    draft = fired(evaluate(again, history))["repeat-blocked-hash"]
    assert draft.event_ids == [first.id, again.id]
    assert draft.severity == "high"
    assert f"was blocked before (event(s) {first.id})" in draft.detail


def test_repeat_blocked_hash_near_misses(make_event, history) -> None:
    code = "import os\n"
    make_event(code=code, verdict="review", gate_decision="held_for_review", ran=False)
    make_event(code="import sys\n", verdict="block", gate_decision="blocked", ran=False)
    assert "repeat-blocked-hash" not in fired(evaluate(make_event(code=code), history))
    # A first block is a blocked attempt, not a repeat.
    first_block = make_event(code="import shutil\n", verdict="block", gate_decision="blocked")
    assert "repeat-blocked-hash" not in fired(evaluate(first_block, history))


def test_sandbox_error_and_refusal(make_event, history) -> None:
    error = make_event(gate_decision="error", ran=False, exit_code=None)
    assert fired(evaluate(error, history))["sandbox-error"].severity == "medium"
    refused = make_event(gate_decision="refused", ran=False, unavailable_layers=["seccomp"])
    draft = fired(evaluate(refused, history))["sandbox-error"]
    assert "refused" in draft.detail
    assert "seccomp" in draft.detail


def test_sandbox_error_near_miss(make_event, history) -> None:
    assert evaluate(make_event(gate_decision="ran", exit_code=3), history) == []


def test_egress_denied_names_the_refused_attempts(make_event, history) -> None:
    denied = [f"h{i}.example:443: not on the allow-list" for i in range(7)]
    draft = fired(evaluate(make_event(egress_denied=denied), history))["egress-denied"]
    assert draft.severity == "medium" and "7 connection(s)" in draft.detail
    assert "h0.example:443: not on the allow-list" in draft.detail and "and 2 more" in draft.detail
    assert "h6.example" not in draft.detail


def test_egress_denied_near_miss_only_allowed_attempts(make_event, history) -> None:
    assert evaluate(make_event(egress_denied=[]), history) == []


def test_disabled_rules_do_not_run(make_event, history, tmp_path) -> None:
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: blocked-attempt\n    enabled: false\n")
    event = make_event(verdict="block", gate_decision="blocked", ran=False)
    assert "blocked-attempt" not in fired(evaluate(event, history, load_alert_rules(user)))
    assert "blocked-attempt" in fired(evaluate(event, history))


def test_severity_override(make_event, history, tmp_path) -> None:
    user = tmp_path / "alerts.yaml"
    user.write_text("rules:\n  - id: sandbox-error\n    severity: critical\n")
    event = make_event(gate_decision="error", ran=False)
    assert fired(evaluate(event, history, load_alert_rules(user)))["sandbox-error"].severity == (
        "critical"
    )
