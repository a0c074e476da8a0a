"""Rules: hit counts and false-positive rates, user overlays, an editor and a what-if replay."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from airlock.dashboard import charts, rulesets
from airlock.dashboard.common import run_query, store
from airlock.dashboard.data import insights
from airlock.dashboard.overlay import SEVERITIES, Overlay, OverlayError, save
from airlock.dashboard.whatif import StoredScreening, load_overlay, replay

REPLAY_SIZES = (200, 1000, 5000)
REPLAY_BUDGET_S = 20.0

info = store(allow_empty=True)
st.title("Rules")

# -- evidence --------------------------------------------------------------------------------
evidence = run_query(insights.rule_evidence, info.url)
st.subheader("How each rule fares")
if evidence.empty:
    st.caption("No rule has fired yet.")
else:
    ev_left, ev_right = st.columns([2, 3])
    with ev_left:
        st.altair_chart(
            charts.ranked_bars(evidence.head(15), label="rule_id", value="hits", title="live hits"),
            width="stretch",
        )
    with ev_right:
        try:
            known_rules = rulesets.rules_of("default").set_index("rule_id")
            evidence.insert(1, "title", evidence["rule_id"].map(known_rules["title"]).fillna(""))
        except Exception:  # titles are a convenience; the counts stand without them
            pass
        st.dataframe(
            evidence,
            hide_index=True,
            width="stretch",
            height=min(420, 38 + 35 * len(evidence)),
            column_config={
                "fp_rate": st.column_config.ProgressColumn(
                    "false-positive %", min_value=0, max_value=100, format="%.0f%%"
                ),
                "reviewed": "decided",
                "false_positive": "false positive",
                "accepted_risk": "accepted risk",
            },
        )
        st.caption("False-positive % = screenings reviewers marked false positive / decided ones.")

# -- editor ----------------------------------------------------------------------------------
st.subheader("Edit a user rule set")
saved = rulesets.saved()
try:
    shipped = rulesets.shipped()
except RuntimeError as exc:
    st.error(f"The analyzer's shipped rule sets could not be loaded: {exc}")
    st.stop()
source = st.selectbox(
    "Start from",
    ["(new overlay)", *saved],
    key="ru_source",
    help="Edit a saved overlay, or start a new one on a shipped rule set.",
)
if source != "(new overlay)":
    try:
        loaded = Overlay.from_yaml(saved[source].read_text(encoding="utf-8"))
    except (OverlayError, OSError) as exc:
        st.error(f"Cannot read {saved[source]}: {exc}")
        st.stop()
else:
    loaded = Overlay(name="my-rules", extends=shipped[0])

k = f"ru_{source}"  # widget keys per source, so switching source re-seeds the editor
c1, c2 = st.columns(2)
name = c1.text_input("Name", value=loaded.name, key=f"{k}_name")
bases = shipped if loaded.extends in shipped else [*shipped, loaded.extends]
extends = c2.selectbox("Extends", bases, index=bases.index(loaded.extends), key=f"{k}_extends")
try:
    base_rules = rulesets.rules_of(extends)
except Exception as exc:  # the analyzer's RuleSetError: a bad base named in a saved file
    st.error(f"Cannot load the base rule set {extends!r}: {exc}")
    st.stop()
fired = set(evidence["rule_id"]) if not evidence.empty else set()
known = sorted(set(base_rules["rule_id"]) | fired | set(loaded.disable) | set(loaded.severity))
titles = dict(zip(base_rules["rule_id"], base_rules["title"], strict=True))


def label(rule_id: str) -> str:
    return f"{rule_id} · {titles[rule_id]}" if rule_id in titles else rule_id


disable = st.multiselect(
    "Disable rules", known, default=loaded.disable, format_func=label, key=f"{k}_disable"
)
reweigh = st.multiselect(
    "Change severity of",
    known,
    default=list(loaded.severity),
    format_func=label,
    key=f"{k}_reweigh",
)
severity: dict[str, str] = {}
if reweigh:
    cols = st.columns(min(4, len(reweigh)))
    current = dict(zip(base_rules["rule_id"], base_rules["severity"], strict=True))
    for i, rule_id in enumerate(reweigh):
        start = loaded.severity.get(rule_id) or current.get(rule_id, "medium")
        severity[rule_id] = cols[i % len(cols)].selectbox(
            rule_id, SEVERITIES, index=SEVERITIES.index(start), key=f"{k}_sev_{rule_id}"
        )
modules_text = st.text_input(
    "Allow-listed modules (comma-separated)",
    value=", ".join(loaded.allow_modules),
    key=f"{k}_modules",
    help="Imports of these modules, and calls into them, raise no finding.",
)
edited = Overlay(
    name=name.strip(),
    extends=extends,
    disable=disable,
    severity=severity,
    allow_modules=[m.strip() for m in modules_text.split(",") if m.strip()],
    extra=loaded.extra,
)
problem = None
try:
    edited.validate()
except OverlayError as exc:
    problem = str(exc)
    st.error(problem)
with st.expander("YAML that will be saved", expanded=False):
    st.code(edited.to_yaml(), language="yaml")

# -- what-if ---------------------------------------------------------------------------------
st.subheader("What if: re-score stored history under this rule set")
w1, w2 = st.columns([1, 3])
size = w1.selectbox("Newest screenings", REPLAY_SIZES, key="ru_replay_size")
w2.caption(
    f"Each distinct code is scanned once; the replay stops after {REPLAY_BUDGET_S:.0f} s. "
    "Nothing is written to the store."
)
if st.button("Run the what-if replay", disabled=problem is not None, key="ru_replay"):
    try:
        ruleset = load_overlay(edited)
    except OverlayError as exc:
        st.error(str(exc))
        st.stop()
    source_rows = run_query(insights.replay_source, info.url, int(size))
    items = [StoredScreening(**row) for row in source_rows]  # type: ignore[arg-type]
    with st.spinner(f"Re-scoring {len(items):,} screenings…"):
        st.session_state["ru_result"] = (
            edited.to_yaml(),
            replay(items, ruleset, budget_s=REPLAY_BUDGET_S),
        )

stored = st.session_state.get("ru_result")
if stored is not None:
    yaml_then, result = stored
    if yaml_then != edited.to_yaml():
        st.info("The rule set changed since this replay; run it again to see the effect.")
    s = result.summary()
    m = st.columns(5)
    m[0].metric("Replayed", f"{len(result.rows):,}")
    m[1].metric("Distinct codes", f"{result.distinct_codes:,}")
    m[2].metric("Stricter", f"{s['stricter']:,}")
    m[3].metric("Looser", f"{s['looser']:,}")
    m[4].metric("Unchanged", f"{s['same']:,}")
    st.caption(
        f"{result.seconds:.1f} s"
        + (" · stopped at the time budget" if result.stopped_early else "")
        + (f" · {result.errors} could not be re-scored" if result.errors else "")
    )
    changed = result.changed
    if changed.empty:
        st.success("No verdict would change.")
    else:
        flows = changed.groupby(["old_verdict", "new_verdict"]).size().reset_index(name="n")
        st.altair_chart(charts.change_bars(flows), width="stretch")
        view = changed.copy()
        view.insert(0, "open", [f"./executions?id={i}" for i in view["id"]])
        st.dataframe(
            view,
            hide_index=True,
            width="stretch",
            column_config={
                "open": st.column_config.LinkColumn("", display_text="open", width="small"),
                "id": st.column_config.NumberColumn("#", format="%d"),
                "created_at": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm"),
                "agent_id": "agent",
                "old_verdict": "recorded verdict",
                "new_verdict": "verdict under edit",
                "old_score": "recorded score",
                "new_score": "score under edit",
            },
        )

# -- save ------------------------------------------------------------------------------------
s1, s2 = st.columns([1, 3])
if s1.button("Save rule set", type="primary", disabled=problem is not None, key="ru_save"):
    try:
        path = save(edited)
        rulesets.rules_of.clear()
        st.success(f"Saved {path}. Use it with `--ruleset {path}`.")
    except OverlayError as exc:
        st.error(str(exc))
s2.download_button(
    "Download YAML", edited.to_yaml(), file_name=f"{edited.name or 'rules'}.yaml", key="ru_dl"
)

# -- overlays in use -------------------------------------------------------------------------
st.subheader("Saved user rule sets")
if not saved:
    st.caption("None yet.")
for overlay_name, path in saved.items():
    try:
        disabled, overrides, allowed = rulesets.describe_changes(str(path))
    except Exception as exc:  # a saved file the analyzer rejects is shown, not fatal
        st.warning(f"{overlay_name}: {exc}")
        continue
    st.markdown(f"**{overlay_name}** · `{path}`")
    st.dataframe(
        pd.DataFrame(
            [(r, "disabled") for r in disabled]
            + [(r, f"re-weighted: {o}") for r, o in overrides.items()]
            + [(m, "allow-listed module") for m in allowed],
            columns=["rule or module", "change"],
        ),
        hide_index=True,
        width="stretch",
    )
