"""`airlock mcp`: the MCP server over stdio (as the key in $AIRLOCK_API_KEY) or over
streamable HTTP (`--http`: each request's bearer key)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from airlock.cli.common import EXIT_USAGE, DbOpt, command_group, fail, handled, open_store
from airlock.cli.serve import NetworkOpt

app = command_group()


@app.command("mcp")
def mcp(
    http: Annotated[
        bool,
        typer.Option(
            "--http",
            help="Streamable HTTP at /mcp; every request sends 'Authorization: Bearer KEY'.",
        ),
    ] = False,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind with --http (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8701,
    db: DbOpt = None,
    network: Annotated[str, NetworkOpt] = "none",
) -> None:
    """Serve the MCP tools run_python and scan_python (and records as resources) on
    stdin/stdout, as the API key in $AIRLOCK_API_KEY (see `airlock keys create`), or with
    --http on http://HOST:PORT/mcp, as the key each request carries."""
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        fail("the MCP server needs its extra: pip install 'airlock[service]'", EXIT_USAGE)
    from airlock.audit.api_keys import AuthenticationError, authenticate
    from airlock.service.mcp_server import KEY_ENV, build
    from airlock.service.network import parse

    try:
        bound = parse(network)
    except ValueError as exc:
        fail(f"--network: {exc}", EXIT_USAGE)

    if http:
        from airlock.service import is_loopback
        from airlock.service.mcp_server import serve_http

        if not is_loopback(host):
            typer.echo(
                f"airlock: warning: serving MCP on {host}, reachable from other machines; "
                "put TLS in front of it",
                err=True,
            )
        with handled(), open_store(db) as store:
            typer.echo(
                f"airlock: MCP for {store.display_url} on http://{host}:{port}/mcp", err=True
            )
            serve_http(store, host, port, network=bound)
        return
    token = os.environ.get(KEY_ENV, "")
    with handled(), open_store(db) as store:
        try:
            authenticate(store, token)
        except AuthenticationError as exc:
            fail(f"${KEY_ENV}: {exc}", EXIT_USAGE)
        build(store, token, network=bound).run("stdio")
