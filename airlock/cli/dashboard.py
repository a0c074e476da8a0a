"""`airlock dashboard`: serve the Streamlit app over the audit store.

The app is found as a file of the installed `airlock.dashboard` package (an install
extra, `airlock[dashboard]`); nothing here imports it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer

from airlock.cli.common import (
    EXIT_USAGE,
    UsageError,
    command_group,
    display_url,
    fail,
    store_url,
)

app = command_group()

STORE_HELP = "Store URL or SQLite path (default: $AIRLOCK_DB, then the XDG file)."
OIDC_ENV = "AIRLOCK_DASHBOARD_OIDC"
SECRETS_ENV = "AIRLOCK_DASHBOARD_SECRETS"  # the written secrets file, removed by the server
HOSTS_ENV = "AIRLOCK_DASHBOARD_HOSTS"


def _oidc_secrets(config: Path, *, host: str, port: int, env: dict[str, str]) -> str:
    """Write Streamlit's `[auth]` secrets for this config; sets what the server needs in
    `env` (the file to remove at exit, redirect_uri's name among the served hosts)."""
    from airlock.cli import oidc_secrets

    try:
        auth = oidc_secrets.auth_section(oidc_secrets.read_config(config), host=host, port=port)
        path = oidc_secrets.write_secrets(auth)
    except UsageError as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"cannot write the dashboard's secrets: {exc.strerror or exc}")
    if oidc_secrets.loose_permissions(config):
        typer.echo(
            f"airlock: warning: {config} holds the client secret and others may read it "
            f"(chmod 600 {config})",
            err=True,
        )
    extra = [h for h in env.get(HOSTS_ENV, "").split(",") if h.strip()]
    env[HOSTS_ENV] = ",".join([*extra, oidc_secrets.served_name(auth)])
    env[SECRETS_ENV] = str(path)
    typer.echo(f"OIDC sign-in on (callback {auth['redirect_uri']})")
    return str(path)


def streamlit_argv(app: Path, *, host: str, port: int, secrets: str = os.devnull) -> list[str]:
    """The `streamlit run` command line (through `airlock.dashboard.serve`, which refuses
    foreign Host and Origin headers): headless, no usage statistics, no file watching, and
    `secrets` as the only secrets file (no `.streamlit/secrets.toml` found lying around)."""
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
        "--secrets.files",
        secrets,
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
    oidc_config: Annotated[
        Path | None,
        typer.Option(
            "--oidc-config",
            envvar=OIDC_ENV,
            help="TOML file with the OpenID Connect provider (server_metadata_url, client_id, "
            "client_secret; redirect_uri, cookie_secret optional): turns on st.login.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard (review queue, alerts, patterns, rule tuning) over the audit store."""
    url = store_url(db)
    spec = find_spec("airlock.dashboard")
    if spec is None or spec.origin is None or find_spec("streamlit") is None:
        fail("the dashboard is not installed (pip install 'airlock[dashboard]')")
    app = Path(spec.origin).with_name("app.py")
    env = dict(os.environ, AIRLOCK_DB=url, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    secrets = os.devnull
    if oidc_config is not None:
        secrets = _oidc_secrets(oidc_config, host=host, port=port, env=env)
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
    argv = streamlit_argv(app, host=host, port=port, secrets=secrets)
    try:
        os.execve(sys.executable, argv, env)
    except OSError as exc:
        if secrets != os.devnull:
            with contextlib.suppress(OSError):
                Path(secrets).unlink()
                Path(secrets).parent.rmdir()
        fail(f"cannot start streamlit: {exc.strerror or exc}")
