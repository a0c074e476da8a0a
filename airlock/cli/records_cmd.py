"""`airlock history | show | export | audit verify | db upgrade` (+ review and alerts groups).

Every command takes `--db`; failures print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from airlock.cli import records_alerts, records_review
from airlock.cli.records_util import (
    DbOpt,
    dump,
    fail,
    handled,
    open_store,
    parse_when,
    print_json,
    print_table,
    stamp,
)


class Fmt(StrEnum):
    """Output formats of listing commands."""

    table = "table"
    json = "json"


audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the audit database.", no_args_is_help=True)


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
    """List recorded screenings, newest first."""
    from airlock.audit.queries import ScreeningFilter

    with handled():
        for v in verdict or []:
            if v not in ("allow", "review", "block"):
                fail(f"unknown verdict {v!r} (allow, review or block)", 2)
        f = ScreeningFilter(
            agent_ids=[agent] if agent else None,
            verdicts=verdict or None,
            since=parse_when(since) if since else None,
        )
        with open_store(db) as store:
            rows = store.list_screenings(f, limit=limit)
            rules = store.rules_for([r.id for r in rows if r.id is not None])
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


def show(
    record_id: Annotated[int, typer.Argument(help="Screening id (from `airlock history`).")],
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    db: DbOpt = None,
) -> None:
    """Show one screening: code, findings, gate decision, runs and reviews."""
    with handled(), open_store(db) as store:
        d = store.get(record_id)
    s = d.screening
    if fmt is Fmt.json:
        data = dump(s)
        data["findings"] = [dump(f) for f in d.findings]
        data["executions"] = [dump(e) for e in d.executions]
        data["reviews"] = [dump(r) for r in d.reviews]
        print_json(data)
        return
    echo = typer.echo
    echo(
        f"screening {s.id}  {stamp(s.created_at)} UTC  agent={s.agent_id or '-'}  user={s.user_id or '-'}  session={s.session_id or '-'}"
    )
    echo(
        f"verdict {s.verdict}  score {s.score}  gate {s.gate_decision}  review {s.review_state or '-'}  ruleset {s.ruleset} {s.ruleset_version}".rstrip()
    )
    echo(f"sha256 {s.code_sha256}")
    if s.error:
        echo(f"error: {s.error}")
    for reason in s.reasons or []:
        echo(f"reason: {reason.get('text', '')}")
    echo("--- code ---")
    echo(s.code.rstrip("\n"))
    echo("--- findings ---" if d.findings else "--- no findings ---")
    for f in d.findings:
        mark = " (suppressed)" if f.suppressed else ""
        echo(f"  line {f.line}: {f.rule_id} [{f.severity}/{f.confidence}] {f.message}{mark}")
    for e in d.executions:
        echo(
            f"--- run {e.id} ({e.trigger}{', approved by ' + e.approved_by if e.approved_by else ''}) ---"
        )
        echo(
            f"  outcome {e.outcome}  exit {e.exit_code}  signal {e.signal}  wall {e.wall_s:.3f}s  cpu {e.cpu_s:.3f}s"
        )
        layers = ", ".join(f"{x.get('name')}={x.get('status')}" for x in e.layers or [])
        echo(f"  layers: {layers or '-'}")
        if e.refused or e.error:
            echo(f"  {'refused' if e.refused else 'error'}: {e.refused or e.error}")
        if e.stdout:
            echo("  stdout:" + (" (truncated)" if e.stdout_truncated else ""))
            echo("    " + e.stdout.rstrip("\n").replace("\n", "\n    "))
        if e.stderr:
            echo("  stderr:" + (" (truncated)" if e.stderr_truncated else ""))
            echo("    " + e.stderr.rstrip("\n").replace("\n", "\n    "))
    for r in d.reviews:
        until = f" until {stamp(r.expires_at)}" if r.expires_at else ""
        echo(
            f"--- review {r.id}: {r.state}{until} by {r.by} at {stamp(r.created_at)}: {r.note or '-'}"
        )


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
        fail(f"unknown export format {fmt!r} (only jsonl)", 2)
    with handled(), open_store(db) as store:
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            n = 0
            for d in store.iter_details():
                rec = {"type": "screening", **dump(d.screening)}
                rec["findings"] = [dump(f) for f in d.findings]
                rec["executions"] = [dump(e) for e in d.executions]
                rec["reviews"] = [dump(r) for r in d.reviews]
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
            for a in store.iter_alerts():
                out.write(json.dumps({"type": "alert", **dump(a)}, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
    if output:
        typer.echo(f"exported {n} screenings to {output}", err=True)


@audit_app.command("verify")
def verify(db: DbOpt = None) -> None:
    """Check the hash chain: OK with the count, or the first broken link (exit 1)."""
    with handled(), open_store(db) as store:
        report = store.verify()
    typer.echo(report.line())
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("upgrade")
def upgrade(db: DbOpt = None) -> None:
    """Apply pending schema migrations (opening the store does this too)."""
    from airlock.audit.migrate import current_revision, head_revision

    with handled():
        with open_store(db) as store:  # opening upgrades
            rev = current_revision(store.engine)
            where = store.display_url
        typer.echo(f"database {where} is at revision {rev} (head {head_revision()})")


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the `airlock` app."""
    app.command("history")(history)
    app.command("show")(show)
    app.command("export")(export)
    app.add_typer(audit_app, name="audit")
    app.add_typer(db_app, name="db")
    records_review.register(app)
    records_alerts.register(app)
