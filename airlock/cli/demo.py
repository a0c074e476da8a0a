"""`airlock demo`: fill a fresh store with a realistic mix of agent code, through the real pipeline."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from airlock.cli.common import EXIT_USAGE, command_group, display_url, fail, store_url

app = command_group()


@app.command("demo")
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

    url = store_url(db)
    try:
        with Store(url) as store:
            existing = store.count()
    except StoreError as exc:
        fail(str(exc))
    if existing and not append:
        fail(
            f"{display_url(url)} already holds {existing} screenings; the demo fills a fresh store "
            "(pass --append to add to it, or --db to choose another)",
            EXIT_USAGE,
        )

    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if interactive and (done == total or done % 10 == 0):
            typer.echo(f"\r  {done}/{total} snippets screened", nl=done == total, err=True)

    typer.echo(f"Sending {count} agent snippets through audit.guard into {display_url(url)} …")
    try:
        summary = run_demo(url, count, seed=seed, progress=progress)
    except StoreError as exc:
        fail(str(exc))
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
