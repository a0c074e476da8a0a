"""The rule sets the Rules page offers: shipped ones, saved user overlays, and their rules."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from airlock.dashboard.overlay import saved_overlays


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Import the analyzer and load the shipped rule sets in the background, once per server,
    so that the Rules page does not pay for it on its first visit."""

    def work() -> None:
        try:
            from airlock import analyzer

            for name in ("default", "strict"):
                analyzer.load_ruleset(name)
        except Exception:  # the Rules page reports the same failure when it is opened
            pass

    thread = threading.Thread(target=work, name="airlock-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_data(ttl=600, show_spinner=False)
def shipped() -> list[str]:
    """Names of the shipped rule sets that load (e.g. default, strict).

    Raises RuntimeError (not cached) when none loads, with the analyzer's reason.
    """
    from airlock import analyzer
    from airlock.rules import RULES_DIR

    names: list[str] = []
    problems: dict[str, str] = {}
    for path in sorted(Path(RULES_DIR).glob("*.yaml")):
        try:
            analyzer.load_ruleset(path.stem)
        except Exception as exc:  # data files that are not rule sets (e.g. bandit's table)
            problems[path.stem] = str(exc)
            continue
        names.append(path.stem)
    if not names:
        raise RuntimeError(problems.get("default") or f"no rule set in {RULES_DIR}")
    return sorted(names, key=lambda n: (n != "default", n))


def saved() -> dict[str, Path]:
    """User overlays saved so far, by name."""
    return {p.stem: p for p in saved_overlays()}


@st.cache_data(ttl=60, show_spinner=False)
def rules_of(name_or_path: str) -> pd.DataFrame:
    """Every rule of a rule set with its effective state (columns id, title, category, severity,
    confidence, enabled, overridden)."""
    from airlock import analyzer

    rs = analyzer.load_ruleset(name_or_path)
    active = {r.id: r for r in rs.effective_rules}
    rows = []
    for r in rs.rules:
        eff = active.get(r.id, r)
        rows.append(
            {
                "rule_id": r.id,
                "title": r.title,
                "category": r.category,
                "severity": str(eff.severity),
                "confidence": str(eff.confidence),
                "enabled": r.id not in rs.disable,
                "overridden": r.id in rs.overrides,
            }
        )
    return pd.DataFrame(rows)


def describe_changes(name_or_path: str) -> tuple[list[str], dict[str, str], list[str]]:
    """(disabled ids, id -> override summary, allow-listed modules) of a loaded rule set."""
    from airlock import analyzer

    rs = analyzer.load_ruleset(name_or_path)
    overrides = {
        rid: ", ".join(f"{k} {v}" for k, v in ov.model_dump(exclude_none=True).items())
        for rid, ov in sorted(rs.overrides.items())
    }
    return sorted(rs.disable), overrides, list(rs.allow_modules)
