"""`airlock history | show | export`: read the recorded screenings.

Every command takes `--db`; failures print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from airlock.cli.common import (
    EXIT_USAGE,
    ID_MAX,
    DbOpt,
    command_group,
    dump,
    fail,
    handled,
    open_store,
    parse_when,
    print_json,
    print_table,
    say,
    stamp,
)
from airlock.cli.detail import detail_data, detail_lines
from airlock.cli.reviewers import app as reviewers_app
from airlock.vocabulary import VERDICTS

app = command_group()
app.add_typer(reviewers_app, name="reviewers")  # `airlock reviewers …` (a top-level group)


class Fmt(StrEnum):
    """Output formats of listing commands."""

    table = "table"
    json = "json"


@app.command("history")
def history(
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent id.")] = None,
    verdict: Annotated[
        list[str] | None, typer.Option("--verdict", help="allow, review or block (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="2026-11-01, 2026-11-01T12:00 or 24h / 7d.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 50,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    db: DbOpt = None,
) -> None:
    """List recorded screenings, newest first (outcome "interrupted": decided to run, no
    result recorded; "running": still under way)."""
    from airlock.audit.intents import shown_outcome
    from airlock.audit.queries import ScreeningFilter

    with handled():
        for v in verdict or []:
            if v not in VERDICTS:
                fail(f"unknown verdict {v!r} (allow, review or block)", EXIT_USAGE)
        f = ScreeningFilter(
            agent_ids=[agent] if agent else None,
            verdicts=verdict or None,
            since=parse_when(since) if since else None,
        )
        with open_store(db) as store:
            rows = store.list_screenings(f, limit=limit)
            rules = store.rules_for([r.id for r in rows if r.id is not None])
            live = store.running([r.id for r in rows if r.outcome == "interrupted" and r.id])
        for r in rows:  # shown, not stored: an interrupted-looking run still alive is running
            r.outcome = shown_outcome(r, live)
        if fmt is Fmt.json:
            out = []
            for r in rows:
                item = dump(r)
                item["rule_ids"] = rules.get(r.id or 0, [])
                out.append(item)
            print_json(out)
            return
        print_table(
            None,
            [
                "id",
                "when (UTC)",
                "agent",
                "verdict",
                "score",
                "decision",
                "outcome",
                "review",
                "rules",
            ],
            [
                [
                    r.id,
                    stamp(r.created_at),
                    r.agent_id,
                    r.verdict,
                    r.score,
                    r.gate_decision,
                    r.outcome,
                    r.review_state,
                    ", ".join(sorted(set(rules.get(r.id or 0, [])))) or None,
                ]
                for r in rows
            ],
        )


@app.command("show")
def show(
    record_id: Annotated[
        int, typer.Argument(help="Screening id (from `airlock history`).", min=1, max=ID_MAX)
    ],
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    db: DbOpt = None,
) -> None:
    """Show one screening: code, findings, gate decision, runs and reviews."""
    from airlock.audit.intents import shown_outcome

    with handled(), open_store(db) as store:
        d = store.get(record_id)
        d.screening.outcome = shown_outcome(d.screening, store.running([record_id]))
    if fmt is Fmt.json:
        print_json(detail_data(d))
        return
    for line in detail_lines(d):
        say(line)


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="Only jsonl.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Export every screening (with findings, runs, reviews) and alert as JSON lines."""
    import json

    if fmt != "jsonl":
        fail(f"unknown export format {fmt!r} (only jsonl)", EXIT_USAGE)
    with handled(), open_store(db) as store:
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            n = 0
            for d in store.iter_details():
                rec = {"type": "screening", **detail_data(d)}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
            for a in store.iter_alerts():
                out.write(json.dumps({"type": "alert", **dump(a)}, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
    if output:
        typer.echo(f"exported {n} screenings to {output}", err=True)
