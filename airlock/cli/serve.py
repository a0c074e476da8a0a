"""`airlock serve`: the HTTP API over one store (loopback unless told otherwise)."""

from __future__ import annotations

from typing import Annotated

import typer

from airlock.cli.common import EXIT_USAGE, DbOpt, command_group, fail, handled, open_store

app = command_group()
NetworkOpt = typer.Option(
    "--network",
    help="The most network a request may be granted: none (default), loopback or "
    "allow:HOST[:PORT],… (a request's allow-list must be within it).",
)


@app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8700,
    db: DbOpt = None,
    network: Annotated[str, NetworkOpt] = "none",
    slots: Annotated[
        int | None,
        typer.Option(
            "--slots",
            min=0,
            max=256,
            help="PostgreSQL store: plain executes run here at once (default: one per CPU); "
            "more wait in the queue for a free slot on any server. 0: run none here.",
        ),
    ] = None,
    queue_wait: Annotated[
        float,
        typer.Option(
            "--queue-wait",
            min=0.1,
            max=600,
            help="PostgreSQL store: seconds queued work may wait for a slot; then it is "
            "recorded as not started and answered 503.",
        ),
    ] = 30.0,
) -> None:
    """Serve POST /scan, POST /execute (X-API-Key; see `airlock keys`), sessions,
    GET /records/ID, GET /healthz and the OpenAPI schema at /openapi.json.

    Many servers may share one PostgreSQL store (--db): a plain execute beyond this
    server's --slots waits in a PostgreSQL task queue (procrastinate) and runs on any
    server with a free slot; streamed and session executes run where they arrive."""
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "procrastinate")):
        fail("the service needs its extra: pip install 'airlock[service]'", EXIT_USAGE)
    from airlock.service import is_loopback
    from airlock.service import serve as run_server
    from airlock.service.network import parse

    try:
        parse(network)
    except ValueError as exc:
        fail(f"--network: {exc}", EXIT_USAGE)

    if not is_loopback(host):
        typer.echo(
            f"airlock: warning: serving on {host}, reachable from other machines; "
            "put TLS in front of it and give out keys with the narrowest scopes",
            err=True,
        )
    with handled(), open_store(db) as store:
        typer.echo(f"airlock: serving {store.display_url} on http://{host}:{port}", err=True)
        if store.url.get_backend_name() != "postgresql" and slots is not None:
            typer.echo("airlock: note: --slots applies to a PostgreSQL store only", err=True)
        run_server(store, host, port, network=network, slots=slots, queue_wait=queue_wait)
