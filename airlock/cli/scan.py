"""`airlock scan PATH... | -`: screen files, directories or stdin and report the verdicts.

Exit status: 0 when every verdict is below `--fail-on`, 1 when one reaches it,
2 on usage errors (a missing path, an unknown rule set, an unwritable output).
"""

from __future__ import annotations

import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from airlock.cli.common import (
    EXIT_USAGE,
    RulesetOpt,
    command_group,
    fail,
    load_ruleset_or_exit,
    visible,
)

PROGRESS_FROM = 20  # files; fewer finish before a bar is worth drawing


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class FailOn(StrEnum):
    review = "review"
    block = "block"


app = command_group()


@app.command("scan")
def scan(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATH...", help="Files, directories (recursively) or - for stdin."),
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Report format.")
    ] = OutputFormat.text,
    ruleset: RulesetOpt = "default",
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a verdict reaches this.")
    ] = FailOn.block,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here, not stdout.")
    ] = None,
    trusted: Annotated[
        bool, typer.Option("--trusted", help="Trusted code: honour inline suppressions.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all).")
    ] = None,
) -> None:
    """Screen Python files, directories or stdin and print each verdict."""
    from airlock.analyzer.batch import BatchError, expand_paths
    from airlock.vocabulary import VERDICT_ORDER, Verdict

    started = time.perf_counter()
    loaded = load_ruleset_or_exit(ruleset)
    try:
        files = expand_paths(paths)
    except BatchError as exc:
        fail(str(exc), EXIT_USAGE)
    if not files:
        typer.echo("airlock: no Python files to scan", err=True)
    try:
        results = _run(files, loaded, jobs, trusted)
    except (BatchError, OSError) as exc:
        fail(str(exc), EXIT_USAGE)
    elapsed = time.perf_counter() - started
    rendered = _render(results, output_format, loaded, elapsed, color=output is None)
    if output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    threshold = VERDICT_ORDER[Verdict(fail_on.value)]
    if any(VERDICT_ORDER[report.verdict] >= threshold for _, report in results):
        raise typer.Exit(1)


def _run(files: list[str], ruleset: Any, jobs: int | None, trusted: bool) -> list[tuple[str, Any]]:
    from airlock.analyzer.batch import scan_files

    options: dict[str, Any] = {"ruleset": ruleset, "workers": jobs}
    if trusted:
        options["trusted"] = True
    if not (sys.stderr.isatty() and len(files) >= PROGRESS_FROM):
        return list(scan_files(files, **options))
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    # auto_refresh=False: no refresh thread in a process that forks its workers.
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), auto_refresh=False, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("scanning", total=len(files))

        def advance(done: int) -> None:
            bar.update(task, advance=done)
            bar.refresh()

        return list(scan_files(files, progress=advance, **options))


def _render(
    results: list[tuple[str, Any]], fmt: OutputFormat, ruleset: Any, elapsed: float, color: bool
) -> str:
    if fmt is OutputFormat.json:
        from airlock.analyzer.formats.json_report import to_json

        return to_json(results, duration_s=elapsed) + "\n"
    if fmt is OutputFormat.sarif:
        from airlock.analyzer.formats import rule_docs
        from airlock.analyzer.formats.sarif import to_sarif

        version, uri = _tool_metadata()
        return (
            to_sarif(results, rules=rule_docs(ruleset), tool_version=version, information_uri=uri)
            + "\n"
        )
    from airlock.analyzer.formats.text import to_text

    use_color = color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return to_text(_safe_text(results), color=use_color, duration_s=elapsed)


def _safe_text(results: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The untrusted parts of text output (file names, code lines, messages built from the
    code, errors, reasons) with control characters made visible: a scanned file cannot
    drive the terminal or hide a finding."""

    def one(text: str | None) -> str | None:
        return None if text is None else visible(text, newlines=False)

    out = []
    for path, report in results:
        findings = [
            f.model_copy(update={"source_line": one(f.source_line), "message": one(f.message)})
            for f in report.findings
        ]
        reasons = [r.model_copy(update={"text": one(r.text)}) for r in report.reasons]
        safe = report.model_copy(
            update={"findings": findings, "reasons": reasons, "error": one(report.error)}
        )
        out.append((one(path) or "", safe))
    return out


def _tool_metadata() -> tuple[str, str | None]:
    """Airlock's version and home page, from the installed distribution's metadata."""
    from importlib import metadata

    try:
        meta = metadata.metadata("airlock")
    except metadata.PackageNotFoundError:
        return "0", None
    urls = [u.split(",", 1)[-1].strip() for u in meta.get_all("Project-URL") or []]
    home = meta.get("Home-page") or (urls[0] if urls else None)
    return meta.get("Version") or "0", home
