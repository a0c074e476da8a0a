"""One screening in full: code with its findings on their lines, reasons, runs, reviews."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from airlock.dashboard.common import (
    VERDICT_BADGE,
    literal,
    screening_columns,
    when,
    with_links,
)

SEVERITY_MARK = {"critical": "!!!", "high": "!!", "medium": "!", "low": ".", "info": " "}


def annotated_code(code: str, findings: list[dict[str, Any]]) -> str:
    """The code with each finding printed under the line it is on (suppressed ones marked)."""
    by_line: dict[int, list[dict[str, Any]]] = {}
    for f in findings:
        by_line.setdefault(int(f.get("line") or 0), []).append(f)
    lines = code.splitlines() or [""]
    width = len(str(len(lines)))
    out: list[str] = []
    for f in by_line.pop(0, []):  # findings about the whole source (parse errors, file-level)
        out.append(f"{'':>{width}}   # ▲ {_describe(f)}")
    for no, text in enumerate(lines, start=1):
        out.append(f"{no:>{width}} │ {text}")
        for f in by_line.pop(no, []):
            pad = " " * max(0, int(f.get("column") or 0))
            out.append(f"{'':>{width}} │ {pad}# ▲ {_describe(f)}")
    for line_no, rest in sorted(by_line.items()):  # lines past the end (should not happen)
        for f in rest:
            out.append(f"{line_no:>{width}}   # ▲ {_describe(f)}")
    return "\n".join(out)


def _describe(f: dict[str, Any]) -> str:
    mark = SEVERITY_MARK.get(str(f.get("severity")), " ")
    sup = f" (suppressed: {f.get('suppression') or 'yes'})" if f.get("suppressed") else ""
    return f"{mark} {f.get('rule_id')} [{f.get('severity')}/{f.get('confidence')}] {f.get('message')}{sup}"


def show_detail(r: dict[str, Any]) -> None:
    """Render a screening record as returned by `data.executions.detail`."""
    st.subheader(f"Screening #{r['id']} · {VERDICT_BADGE.get(r['verdict'], r['verdict'])}")
    m = st.columns(4)
    m[0].metric("Score", r["score"])
    m[1].metric("Gate", r["gate_decision"])
    m[2].metric("Review", r.get("review_state") or "—")
    m[3].metric("Lines", r.get("lines") or len(r["code"].splitlines()))
    st.markdown(
        f"Agent {literal(r.get('agent_id'))} · user {literal(r.get('user_id'))} · "
        f"session {literal(r.get('session_id'))} · outcome {literal(r.get('outcome'))}"
    )
    st.caption(
        f"{when(r['created_at'])} UTC · rule set "
        f"{literal(r['ruleset'])} {literal(r.get('ruleset_version'))} · scanned in {r.get('scan_ms', 0):.1f} ms"
        f" · sha256 `{r['code_sha256']}`"
    )
    if r.get("error"):
        st.warning(f"Analyzer error: {literal(r['error'])}")

    code_col, why_col = st.columns([3, 2])
    with code_col:
        st.markdown("**Code, with findings on their lines**")
        st.code(annotated_code(r["code"], r["findings"]), language="python")
    with why_col:
        st.markdown("**Why this verdict**")
        reasons = r.get("reasons") or []
        if not reasons:
            st.caption("No reasons recorded (nothing counted towards the score).")
        for reason in reasons:
            pts = reason.get("points")
            ids = ", ".join(reason.get("rule_ids") or [])
            st.markdown(
                f"- {literal(reason.get('text', ''))}"
                + (f" — `{ids}`" if ids else "")
                + (f" (+{pts:.0f})" if pts else "")
            )
        if r["findings"]:
            st.markdown("**Findings**")
            st.dataframe(
                pd.DataFrame(r["findings"])[
                    [
                        "line",
                        "rule_id",
                        "severity",
                        "confidence",
                        "category",
                        "suppressed",
                        "message",
                    ]
                ],
                hide_index=True,
                width="stretch",
            )
        if r.get("limits"):
            with st.expander("Limits requested"):
                st.json(r["limits"])

    st.markdown("**Runs**")
    if not r["executions"]:
        st.caption(
            {
                "blocked": "Blocked: it never ran.",
                "held_for_review": "Held for review: it has not run.",
            }.get(r["gate_decision"], "It did not run.")
        )
    for run in r["executions"]:
        _show_run(run)

    st.markdown("**Review history**")
    if not r["reviews"]:
        st.caption("No review decisions.")
    else:
        st.dataframe(
            pd.DataFrame(r["reviews"])[["created_at", "state", "by", "note", "expires_at"]],
            hide_index=True,
            width="stretch",
        )


def _show_run(run: dict[str, Any]) -> None:
    title = (
        f"Run #{run['id']} ({run.get('trigger', 'gate')}"
        + (f", approved by {literal(run['approved_by'])}" if run.get("approved_by") else "")
        + f") · {run['outcome']} · exit {run.get('exit_code')}"
    )
    with st.expander(title, expanded=True):
        c = st.columns(5)
        c[0].metric("Wall", f"{run.get('wall_s', 0):.2f} s")
        c[1].metric("CPU", f"{run.get('cpu_s', 0):.2f} s")
        peak = run.get("peak_memory_mb")
        c[2].metric("Peak memory", f"{peak:.0f} MB" if peak is not None else "—")
        c[3].metric("Timed out", "yes" if run.get("timed_out") else "no")
        c[4].metric("Memory exceeded", "yes" if run.get("memory_exceeded") else "no")
        if run.get("killed_reason"):
            st.warning(f"Killed: {literal(run['killed_reason'])}")
        if run.get("refused"):
            st.error(f"Refused: {literal(run['refused'])}")
        if run.get("error"):
            st.error(f"Sandbox error: {literal(run['error'])}")
        out_col, err_col = st.columns(2)
        trunc = " (truncated)"
        out_col.markdown("stdout" + (trunc if run.get("stdout_truncated") else ""))
        out_col.code(run.get("stdout") or "", language=None)
        err_col.markdown("stderr" + (trunc if run.get("stderr_truncated") else ""))
        err_col.code(run.get("stderr") or "", language=None)
        layers = run.get("layers") or []
        if layers:
            st.markdown("Isolation layers" + (" — **degraded**" if run.get("degraded") else ""))
            st.dataframe(pd.DataFrame(layers), hide_index=True, width="stretch")
        if run.get("limits"):
            st.markdown("Limits in force")
            st.json(run["limits"], expanded=False)
        if run.get("files"):
            st.markdown("Files left in the working directory")
            st.dataframe(pd.DataFrame(run["files"]), hide_index=True)
        if run.get("egress") is not None:  # an allow-list run: what the host-side proxy saw
            denied = sum(1 for a in run["egress"] if not a.get("allowed"))
            st.markdown(
                f"Egress through the proxy: {run.get('egress_count', 0)} attempt(s), "
                f"{denied} denied"
            )
            if run["egress"]:
                cols = ["allowed", "method", "host", "port", "address", "bytes_out", "bytes_in"]
                frame = pd.DataFrame(run["egress"]).reindex(columns=[*cols, "reason"])
                st.dataframe(frame, hide_index=True, width="stretch")


def show_timeline(calls: pd.DataFrame, current: int) -> None:
    """A session's calls in order (the one shown marked), each linking to its detail."""
    st.markdown(f"**Session timeline** · {len(calls)} call{'s' if len(calls) != 1 else ''}")
    shown = with_links(calls)
    shown.insert(1, "this", ["▶" if i == current else "" for i in shown["id"]])
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={**screening_columns(), "this": st.column_config.TextColumn("", width="small")},
        column_order=[
            "open", "this", "call", "id", "created_at", "verdict", "score", "gate_decision",
            "outcome", "rules", "code",
        ],
    )  # fmt: skip
