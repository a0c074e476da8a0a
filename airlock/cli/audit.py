"""`airlock audit verify`: walk the hash chain of the audit trail."""

from __future__ import annotations

import typer

from airlock.cli.common import DbOpt, command_group, handled, open_store

app = command_group(help="Check the audit trail.", no_args_is_help=True)


@app.command("verify")
def verify(db: DbOpt = None) -> None:
    """Check the hash chain: OK with the count, or the first broken link (exit 1)."""
    with handled(), open_store(db) as store:
        report = store.verify()
    typer.echo(report.line())
    if not report.ok:
        raise typer.Exit(1)
