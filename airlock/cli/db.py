"""`airlock db upgrade`: bring the store's schema to the current revision."""

from __future__ import annotations

import typer

from airlock.cli.common import DbOpt, command_group, handled, open_store

app = command_group(help="Manage the audit database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(db: DbOpt = None) -> None:
    """Apply pending schema migrations (opening the store does this too)."""
    from airlock.audit.migrate import current_revision, head_revision

    with handled():
        with open_store(db) as store:  # opening upgrades
            rev = current_revision(store.engine)
            where = store.display_url
        typer.echo(f"database {where} is at revision {rev} (head {head_revision()})")
