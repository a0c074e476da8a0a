"""`airlock dashboard`: serve the Streamlit app over the audit store.

The app is found as a file of the installed `airlock.dashboard` package (an install
extra, `airlock[dashboard]`); nothing here imports it.
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer

from airlock.cli.common import command_group, display_url, fail, store_url

app = command_group()

STORE_HELP = "Store URL or SQLite path (default: $AIRLOCK_DB, then the XDG file)."


def streamlit_argv(app: Path, *, host: str, port: int) -> list[str]:
    """The `streamlit run` command line (through `airlock.dashboard.serve`, which refuses
    foreign Host and Origin headers): headless, no usage statistics, no file watching."""
    return [
        sys.executable,
        "-m",
        "airlock.dashboard.serve",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


@app.command("dashboard")
def dashboard(
    db: Annotated[
        str | None,
        typer.Option("--db", help=STORE_HELP),
    ] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard (review queue, alerts, patterns, rule tuning) over the audit store."""
    url = store_url(db)
    spec = find_spec("airlock.dashboard")
    if spec is None or spec.origin is None or find_spec("streamlit") is None:
        fail("the dashboard is not installed (pip install 'airlock[dashboard]')")
    app = Path(spec.origin).with_name("app.py")
    env = dict(os.environ, AIRLOCK_DB=url, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"airlock: warning: anyone who can reach {host}:{port} can read the audit trail "
            "(decisions need a reviewer token)",
            err=True,
        )
    shown = host if ":" not in host else f"[{host}]"
    typer.echo(
        f"Airlock dashboard on http://{shown}:{port}  (store: {display_url(url)}; Ctrl-C stops)"
    )
    sys.stdout.flush()
    argv = streamlit_argv(app, host=host, port=port)
    try:
        os.execve(sys.executable, argv, env)
    except OSError as exc:
        fail(f"cannot start streamlit: {exc.strerror or exc}")
