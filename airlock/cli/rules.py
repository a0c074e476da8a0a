"""`airlock rules list` and `airlock rules show ID`: the rule sets, explained from their YAML."""

from __future__ import annotations

import sys
import textwrap
from typing import Annotated, Any

import typer

from airlock.cli.common import EXIT_USAGE, RulesetOpt, command_group, fail, load_ruleset_or_exit

app = command_group(help="List and explain the rules of a rule set.", no_args_is_help=True)


@app.command("list")
def list_rules(
    ruleset: RulesetOpt = "default",
    bandit: Annotated[
        bool, typer.Option("--bandit", help="Also list bandit's checks with Airlock's weights.")
    ] = False,
) -> None:
    """List the rules: id, category, severity and title."""
    loaded = load_ruleset_or_exit(ruleset)
    rows = [_row(rule, loaded) for rule in loaded.rules]
    if bandit:
        from airlock.analyzer.bandit_bridge import bandit_rules

        rows += [_row(rule, loaded) for rule in bandit_rules().values()]
    title = f"{loaded.name} {loaded.version}".strip() + f": {len(rows)} rules"
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table("id", "category", "severity", "title", title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    typer.echo(title)
    widths = [
        max(len(row[i]) for row in [("id", "category", "severity", ""), *rows]) for i in range(3)
    ]
    for row in [("id", "category", "severity", "title"), *rows]:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )


def _row(rule: Any, ruleset: Any) -> tuple[str, str, str, str]:
    """id, category, severity (after the set's overrides, or 'disabled'), title."""
    override = ruleset.overrides.get(rule.id)
    severity = override.severity if override is not None and override.severity else rule.severity
    shown = "disabled" if rule.id in ruleset.disable else str(getattr(severity, "value", severity))
    return rule.id, rule.category, shown, rule.title


@app.command("show")
def show_rule(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id, ours or bandit's.")],
    ruleset: RulesetOpt = "default",
) -> None:
    """Explain one rule: what it does, why it is bad, an example, what to use instead."""
    from airlock.analyzer.bandit_bridge import bandit_rules

    loaded = load_ruleset_or_exit(ruleset)
    wanted = rule_id.strip().upper()
    ours = {rule.id.upper(): rule for rule in loaded.rules}
    if wanted in ours:
        rule, origin = ours[wanted], f"rule set {loaded.name} {loaded.version}".strip()
    elif wanted in bandit_rules():
        rule, origin = bandit_rules()[wanted], "bandit, weighed by Airlock (rules/bandit.yaml)"
    else:
        fail(f"unknown rule id {rule_id!r} (see `airlock rules list --bandit`)", EXIT_USAGE)
    typer.echo(_explain(rule, origin, disabled=rule.id in loaded.disable))


def _explain(rule: Any, origin: str, *, disabled: bool) -> str:
    facts = [
        f"category {rule.category}",
        f"severity {getattr(rule.severity, 'value', rule.severity)}",
        f"confidence {getattr(rule.confidence, 'value', rule.confidence)}",
    ]
    if rule.cwe:
        facts.append(rule.cwe)
    if getattr(rule, "verdict", None):
        facts.append(f"verdict at least {getattr(rule.verdict, 'value', rule.verdict)}")
    lines = [f"{rule.id}: {rule.title}", " · ".join(facts), f"from {origin}"]
    if disabled:
        lines.append("disabled in this rule set")
    sections = [
        ("What it does", rule.description or rule.title, False),
        ("Why is this bad?", rule.why, False),
        ("Example", getattr(rule, "example", ""), True),
        ("Use instead", getattr(rule, "instead", ""), True),
        ("References", "\n".join(f"- {r}" for r in rule.references), True),
    ]
    for heading, body, verbatim in sections:
        if not body:
            continue
        text = body.rstrip() if verbatim else textwrap.fill(" ".join(body.split()), width=88)
        lines += ["", heading, textwrap.indent(text, "    ")]
    return "\n".join(lines)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a rule-set file (for editors and CI validation)."""
    import json

    from airlock.analyzer.rule_schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))
