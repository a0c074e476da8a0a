"""`airlock alerts [--open]`, `airlock alerts show | ack | resolve ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from airlock.cli.common import (
    ID_MAX,
    DbOpt,
    TokenOpt,
    command_group,
    dump,
    handled,
    open_store,
    print_json,
    print_table,
    say,
    stamp,
)

app = command_group(help="List and handle alerts (no subcommand: list them).")

IdArg = Annotated[int, typer.Argument(help="Alert id.", min=1, max=ID_MAX)]
NoteOpt = Annotated[str, typer.Option("--note", help="Why (recorded).")]


@app.callback(invoke_without_command=True)
def list_alerts(
    ctx: typer.Context,
    only_open: Annotated[bool, typer.Option("--open", help="Only open and acknowledged.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    db: DbOpt = None,
) -> None:
    """List alerts, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    with handled(), open_store(db) as store:
        rows = store.list_alerts(
            states=("open", "acknowledged") if only_open else None, limit=limit
        )
    if as_json:
        print_json([dump(a) for a in rows])
        return
    print_table(
        None,
        ["id", "when (UTC)", "severity", "state", "rule", "agent", "events", "title"],
        [
            [
                a.id,
                stamp(a.created_at),
                a.severity,
                a.state,
                a.rule_id,
                a.agent_id,
                len(a.event_ids or []),
                a.title,
            ]
            for a in rows
        ],
    )


@app.command("show")
def show(alert_id: IdArg, db: DbOpt = None) -> None:
    """Show an alert, the events behind it and its history."""
    with handled(), open_store(db) as store:
        d = store.get_alert(alert_id)
    a = d.alert
    say(f"alert {a.id} [{a.severity}] {a.state}: {a.title}")
    say(f"rule {a.rule_id}  agent {a.agent_id or '-'}  raised {stamp(a.created_at)} UTC")
    say(a.detail)
    say("events: " + ", ".join(str(i) for i in a.event_ids or []))
    for c in d.changes:
        who = f" by {c.by}" if c.by else ""
        extra = f" events {c.event_ids}" if c.event_ids else ""
        say(f"  {stamp(c.created_at)} {c.action}{who}{extra}{': ' + c.note if c.note else ''}")


def _change(alert_id: int, action: str, note: str, token: str | None, db: str | None) -> None:
    with handled(), open_store(db) as store:
        who = store.authenticate(token)
        a = store.change_alert(alert_id, action, by=who.name, note=note)
    typer.echo(f"alert {a.id}: {a.state}")


@app.command("deliver")
def deliver(db: DbOpt = None) -> None:
    """Send every alert waiting in the outbox (failed deliveries are retried with backoff;
    exit 1 when some failed again)."""
    from airlock.audit.alerts.outbox import flush

    with handled(), open_store(db) as store:
        report = flush(store)
    say(report.line())
    for alert_id, why in report.failed:
        say(f"  alert {alert_id}: {why}", err=True)
    if report.failed:
        raise typer.Exit(1)


@app.command("ack")
def ack(alert_id: IdArg, note: NoteOpt = "", token: TokenOpt = None, db: DbOpt = None) -> None:
    """Acknowledge an alert (someone is on it)."""
    _change(alert_id, "acknowledged", note, token, db)


@app.command("resolve")
def resolve(alert_id: IdArg, note: NoteOpt = "", token: TokenOpt = None, db: DbOpt = None) -> None:
    """Resolve an alert (a repeat afterwards opens a new one)."""
    _change(alert_id, "resolved", note, token, db)
