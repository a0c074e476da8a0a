"""`airlock keys`: API keys for the service; each key is an identity with scopes."""

from __future__ import annotations

from typing import Annotated

import typer

from airlock.cli.common import (
    DbOpt,
    UsageError,
    command_group,
    handled,
    open_store,
    print_table,
    stamp,
)

app = command_group(help="Create, list and revoke service API keys.", no_args_is_help=True)

SCOPE_HELP = "scan | execute | session | review | admin (repeat for several)"


@app.command("create")
def create(
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", "-s", help=SCOPE_HELP)],
    rate: Annotated[int | None, typer.Option("--rate", help="Requests per minute.")] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="Requests in flight.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Create a key; it is printed once, as the last line of stdout (only its hash is kept)."""
    from airlock.audit import api_keys

    with handled(), open_store(db) as store:
        try:
            token = api_keys.create(
                store, name, scope, rate_per_minute=rate, max_concurrent=concurrency
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    typer.echo(
        f"key {name!r} created with scopes {', '.join(sorted(set(scope)))}; it is shown only now:"
    )
    typer.echo(token)


@app.command("list")
def list_keys(db: DbOpt = None) -> None:
    """Every key: name, scopes, limits, created, revoked."""
    from airlock.audit import api_keys

    with handled(), open_store(db) as store:
        rows = api_keys.list_keys(store)
    print_table(
        "API keys",
        ["name", "scopes", "rate/min", "in flight", "created", "revoked"],
        [
            [
                k.name,
                k.scopes,
                k.rate_per_minute or "-",
                k.max_concurrent or "-",
                stamp(k.created_at),
                stamp(k.revoked_at) if k.revoked_at else "-",
            ]
            for k in rows
        ],
    )


@app.command("revoke")
def revoke(name: str, db: DbOpt = None) -> None:
    """Revoke a key: it stops working at once."""
    from airlock.audit import api_keys

    with handled(), open_store(db) as store:
        api_keys.revoke(store, name)
    typer.echo(f"key {name!r} revoked")
