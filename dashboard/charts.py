"""Altair charts the pages share: one colour per verdict everywhere."""

from __future__ import annotations

import altair as alt
import pandas as pd

VERDICT_COLORS = alt.Scale(
    domain=["allow", "review", "block"], range=["#2e9d5b", "#e8a33d", "#d64545"]
)
STATE_COLORS = alt.Scale(
    domain=["open", "acknowledged", "resolved"], range=["#d64545", "#e8a33d", "#7f8c8d"]
)


OUTCOME_COLORS = alt.Scale(
    domain=["ok", "failed", "timeout", "memory", "killed", "signal", "refused", "error"],
    range=["#2e9d5b", "#9aa5b1", "#e8a33d", "#d64545", "#a83232", "#7b3294", "#5e6b78", "#333333"],
)


def verdicts_over_time(
    df: pd.DataFrame, *, unit: str = "day", key: str = "verdict", what: str = "screenings"
) -> alt.Chart:
    """Stacked bars per time bucket, coloured by verdict or by run outcome
    (columns bucket, <key>, n)."""
    scale = VERDICT_COLORS if key == "verdict" else OUTCOME_COLORS
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("bucket:T", title=None, timeUnit=_time_unit(unit)),
            y=alt.Y("sum(n):Q", title=what),
            color=alt.Color(f"{key}:N", scale=scale, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("bucket:T", title=unit),
                f"{key}:N",
                alt.Tooltip("sum(n):Q", title="count"),
            ],
        )
        .properties(height=220)
    )


def ranked_bars(df: pd.DataFrame, *, label: str, value: str, title: str) -> alt.Chart:
    """Horizontal bars, largest first (e.g. top rules by hits, agents by risk)."""
    return (
        alt.Chart(df)
        .mark_bar(color="#4c78a8")
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X(f"{value}:Q", title=title),
            tooltip=[f"{label}:N", alt.Tooltip(f"{value}:Q", title=title)],
        )
        .properties(height=alt.Step(26))
    )


def stacked_agent_bars(df: pd.DataFrame, order: list[str]) -> alt.Chart:
    """Agents in the given (risk) order, their screenings split by verdict
    (columns agent_id, verdict, n)."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("agent_id:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("sum(n):Q", title="screenings"),
            color=alt.Color("verdict:N", scale=VERDICT_COLORS, legend=alt.Legend(orient="top")),
            tooltip=["agent_id:N", "verdict:N", alt.Tooltip("sum(n):Q", title="count")],
        )
        .properties(height=alt.Step(28))
    )


def trend_bars(
    df: pd.DataFrame, *, series: str, recent_start: object, unit: str = "day"
) -> alt.Chart:
    """Hits per time bucket stacked by series, with a rule where the recent window starts
    (columns bucket, <series>, n)."""
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("bucket:T", title=None, timeUnit=_time_unit(unit)),
            y=alt.Y("sum(n):Q", title="hits"),
            color=alt.Color(f"{series}:N", legend=alt.Legend(orient="right")),
            tooltip=[
                alt.Tooltip("bucket:T", title=unit),
                f"{series}:N",
                alt.Tooltip("sum(n):Q", title="hits"),
            ],
        )
    )
    start = pd.DataFrame({"at": [pd.Timestamp(recent_start).tz_localize(None)]})  # type: ignore[arg-type]
    rule = alt.Chart(start).mark_rule(strokeDash=[4, 4], color="#888").encode(x="at:T")
    return (bars + rule).properties(height=260)


def diverging_bars(df: pd.DataFrame, *, label: str, value: str, title: str) -> alt.Chart:
    """Horizontal bars of a signed change: growth in red, decline in grey."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X(f"{value}:Q", title=title),
            color=alt.condition(alt.datum[value] > 0, alt.value("#d64545"), alt.value("#9aa5b1")),
            tooltip=[f"{label}:N", alt.Tooltip(f"{value}:Q", title=title)],
        )
        .properties(height=alt.Step(22))
    )


def change_bars(df: pd.DataFrame) -> alt.Chart:
    """What-if: old verdict → new verdict counts (columns old_verdict, new_verdict, n)."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("old_verdict:N", title="recorded verdict", sort=["allow", "review", "block"]),
            x=alt.X("n:Q", title="screenings"),
            color=alt.Color("new_verdict:N", scale=VERDICT_COLORS, title="verdict under edit"),
            tooltip=["old_verdict:N", "new_verdict:N", "n:Q"],
        )
        .properties(height=alt.Step(34))
    )


def _time_unit(unit: str) -> str:
    return {"hour": "yearmonthdatehours", "day": "yearmonthdate", "week": "yearweek"}.get(
        unit, "yearmonthdate"
    )
