"""`airlock reviewers add | revoke | list`: the accounts allowed to decide reviews."""

from __future__ import annotations

from typing import Annotated

import typer

from airlock.cli.common import DbOpt, command_group, handled, open_store, print_table, stamp

app = command_group(help="Reviewer accounts (tokens are shown once, stored hashed).")

NameArg = Annotated[str, typer.Argument(help="Reviewer name (letters, digits, . _ @ -).")]


@app.command("add")
def add(name: NameArg, db: DbOpt = None) -> None:
    """Create a reviewer; prints the token once, as the last line of stdout."""
    with handled(), open_store(db) as store:
        token = store.add_reviewer(name)
    typer.echo(f"reviewer {name} added; keep this token (it is not shown again):")
    typer.echo(token)


@app.command("revoke")
def revoke(name: NameArg, db: DbOpt = None) -> None:
    """Revoke a reviewer's token (their past reviews stay recorded under their name)."""
    with handled(), open_store(db) as store:
        store.revoke_reviewer(name)
    typer.echo(f"reviewer {name} revoked")


@app.command("list")
def list_reviewers(db: DbOpt = None) -> None:
    """Every reviewer account, revoked ones included."""
    with handled(), open_store(db) as store:
        rows = store.list_reviewers()
    print_table(
        None,
        ["name", "added (UTC)", "revoked (UTC)"],
        [
            [r.name, stamp(r.created_at), stamp(r.revoked_at) if r.revoked_at else None]
            for r in rows
        ],
    )
