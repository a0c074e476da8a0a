"""The rule language as typed models: one declaration of every key a rule-set file takes.

The loader (analyzer/ruleset.py) and the match validator (analyzer/match_schema.py) take
their key sets from these models, `airlock rules schema` prints them as JSON Schema for
editors, and a test validates every shipped rule set against them. A `match` holds exactly
one matcher kind: `call`, `import`, `attribute`, `literal` or `check` (a named engine check,
analyzer/checks.py).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from airlock.analyzer.models import Confidence, Severity, Verdict
from airlock.analyzer.policy import Combination, Policy

CheckName = Literal[
    "bidi_control",
    "confusable_identifier",
    "computed_import",
    "dynamic_getattr",
    "indirect_runner",
    "computed_dangerous_name",
    "inline_suppression",
    "unbounded_loop_spawn",
    "large_allocation",
    "memory_bomb",
    "setuid_mode",
    "datamodel_exec",
    "pollution_path",
    "secret_to_network",
    "credential_to_network",
    "destructive_walk",
    "drop_flow",
    "flood_loop",
    "monkeypatch_hook",
    "keystroke_logger",
    "install_payload",
    "downloaded_then_run",
    "unpacked_then_run",
    "parse_error",
    "size_limit",
    "engine_error",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArgCondition(_Strict):
    """One condition on a call's argument (or receiver); all given keys must hold."""

    position: int | None = Field(None, description="positional index of the argument")
    keyword: str | None = Field(None, description="keyword name of the argument")
    receiver: bool = Field(False, description="the object a method is called on")
    any_argument: bool = Field(False, description="any argument, wherever it sits")
    truthy: bool | None = Field(None, description="the argument is a true (false) constant")
    matches: str | None = Field(None, description="regex its possible texts must match")
    not_matches: str | None = Field(None, description="regex none of its texts may match")
    constant: bool | None = Field(None, description="its value is (not) a literal")
    own_constants: bool | None = Field(
        None, description="built only from the script's own constants"
    )
    derived_from: list[str] | None = Field(None, description="calls its value may flow from")
    resolves_to: list[str] | None = Field(None, description="names it must resolve to")
    missing: bool | None = Field(None, description="the argument is absent (present)")


class CallMatch(_Strict):
    names: list[str] | None = Field(None, description="qualified names, `mod.*` for a module")
    methods: list[str] | None = Field(None, description="method names on any receiver")
    args: list[ArgCondition] | None = None


class ImportMatch(_Strict):
    modules: list[str]


class AttributeMatch(_Strict):
    names: list[str]
    of: list[str] | None = Field(
        None,
        description="names the object must resolve to (`mod.*`: any one name in mod);"
        " without it, the attribute on anything",
    )


class LiteralMatch(_Strict):
    pattern: str = Field(description="regex over every constant (and folded) string")
    min_length: int | None = None
    entropy_at_least: float | None = None


class Match(_Strict):
    """Exactly one matcher kind."""

    call: CallMatch | None = None
    import_: ImportMatch | None = Field(None, alias="import")
    attribute: AttributeMatch | None = None
    literal: LiteralMatch | None = None
    check: CheckName | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and len(data) != 1:
            raise ValueError(f"match takes exactly one kind, got {sorted(data)}")
        return data


class RuleSpec(_Strict):
    """A rule as written in a rule-set file."""

    id: str
    title: str
    category: str
    severity: Severity
    confidence: Confidence
    cwe: str | None = None
    verdict: Verdict | None = Field(None, description="the least verdict a finding forces")
    message: str = Field("", description="`{name}` is replaced by what matched")
    description: str = ""
    why: str = ""
    example: str = ""
    instead: str = ""
    references: list[str] = []
    tags: list[str] = Field([], description="what combinations select the rule by")
    match: Match


class PolicySpec(_Strict):
    review_at: float = Policy.model_fields["review_at"].default
    block_at: float = Policy.model_fields["block_at"].default
    honour_inline_suppressions: bool = False
    combinations: list[Combination] = []
    max_source_bytes: int = Policy.model_fields["max_source_bytes"].default
    network: str | None = Field(
        None, description="the most network a run may get: none, loopback or allow:HOST[:PORT],…"
    )


class OverrideSpec(_Strict):
    severity: Severity | None = None
    confidence: Confidence | None = None
    verdict: Verdict | None = None


class RuleFile(_Strict):
    """A rule-set file (rules/*.yaml, or an overlay that `extends` one)."""

    name: str
    version: str = ""
    description: str = ""
    extends: str | None = None
    tables: dict[str, list[str]] | None = Field(
        None,
        description="named lists of regex alternatives (host names…); a rule's regex takes"
        " one as `{{name}}`, and engine checks read them by name (an overlay adds or replaces"
        " tables for the rules it defines)",
    )
    policy: PolicySpec | None = None
    allow_modules: list[str] | None = None
    disable: list[str] | None = None
    overrides: dict[str, OverrideSpec] | None = None
    baseline: str | None = Field(None, description="path of a baseline file, from this file")
    rules: list[RuleSpec] | None = None


def keys(model: type[BaseModel]) -> set[str]:
    """The keys a model takes in a file (aliases where it has them)."""
    return {f.alias or name for name, f in model.model_fields.items()}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule-set file."""
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Airlock rule set"
    return schema
