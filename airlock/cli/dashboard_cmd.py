"""`airlock dashboard` (the Streamlit app over the store) and `airlock demo` (a populated store)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"airlock: {message}", err=True)
    raise typer.Exit(code)


def _resolve(db: str | None) -> str:
    """The store URL as a string, or a one-line error."""
    from airlock.audit.db import resolve_url
    from airlock.audit.errors import StoreError

    try:
        return resolve_url(db).render_as_string(hide_password=False)
    except StoreError as exc:
        _fail(str(exc))
    raise AssertionError  # unreachable: _fail exits


def streamlit_argv(app: Path, *, host: str, port: int) -> list[str]:
    """The `streamlit run` command line: headless, no usage statistics, no file watching."""
    return [
        sys.executable,
        "-m",
        "streamlit",
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


def dashboard(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Store URL or SQLite path (default: $AIRLOCK_DB, then the XDG file)."
        ),
    ] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard (review queue, alerts, patterns, rule tuning) over the audit store."""
    from airlock import dashboard as dashboard_pkg

    url = _resolve(db)
    app = Path(dashboard_pkg.__file__).with_name("app.py")
    env = dict(os.environ, AIRLOCK_DB=url, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"airlock: warning: the dashboard has no login; anyone who can reach {host}:{port} "
            "can read the audit trail and record review decisions",
            err=True,
        )
    shown = host if ":" not in host else f"[{host}]"
    typer.echo(
        f"Airlock dashboard on http://{shown}:{port}  (store: {_display(url)}; Ctrl-C stops)"
    )
    sys.stdout.flush()
    argv = streamlit_argv(app, host=host, port=port)
    try:
        os.execve(sys.executable, argv, env)
    except OSError as exc:
        _fail(f"cannot start streamlit: {exc.strerror or exc}", 1)


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Store URL or SQLite path (default: $AIRLOCK_DB, then the XDG file)."
        ),
    ] = None,
    count: Annotated[
        int, typer.Option("--count", min=1, max=100_000, help="How many snippets to send.")
    ] = 150,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the (deterministic) mix.")] = 7,
    append: Annotated[
        bool, typer.Option("--append", help="Add to a store that already holds records.")
    ] = False,
) -> None:
    """Fill a fresh store with a realistic mix of agent code, sent through the real pipeline."""
    from airlock.audit.errors import StoreError
    from airlock.audit.store import Store
    from airlock.demo.filler import run_demo

    url = _resolve(db)
    try:
        with Store(url) as store:
            existing = store.count()
    except StoreError as exc:
        _fail(str(exc), 1)
    if existing and not append:
        _fail(
            f"{_display(url)} already holds {existing} screenings; the demo fills a fresh store "
            "(pass --append to add to it, or --db to choose another)"
        )

    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if interactive and (done == total or done % 10 == 0):
            typer.echo(f"\r  {done}/{total} snippets screened", nl=done == total, err=True)

    typer.echo(f"Sending {count} agent snippets through audit.guard into {_display(url)} …")
    try:
        summary = run_demo(url, count, seed=seed, progress=progress)
    except StoreError as exc:
        _fail(str(exc), 1)
    typer.echo(f"Recorded {summary.screenings} screenings in {summary.seconds:.1f} s.")
    typer.echo("  verdicts:  " + _counts(summary.verdicts))
    typer.echo("  gate:      " + _counts(summary.decisions))
    typer.echo("  snippets:  " + _counts(summary.by_kind))
    typer.echo("  reviewers: " + (_counts(summary.reviews) or "none"))
    typer.echo("  alerts:    " + _counts(summary.alerts))
    for line in summary.errors:
        typer.echo(f"  note: {line}")
    db_arg = f" --db {db}" if db else ""
    typer.echo(f"Open it: airlock dashboard{db_arg}")


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1]) if v)


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the `airlock` app."""
    app.command("dashboard")(dashboard)
    app.command("demo")(demo)
