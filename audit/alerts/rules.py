"""Alert rules as YAML data: the schema, the shipped defaults and user overrides.

A rule file is ``{version: 1, rules: [{id, kind, title, severity, enabled,
description, params}, ...]}``. The shipped file (`defaults.yaml`) defines one
rule per kind; a user file changes shipped rules by id (params merged key by
key) or adds new rules of a known kind (e.g. a second, slower `agent-burst`).
Every mistake is reported as ``<file>: <key>: <what is wrong>``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    field_validator,
)

from airlock.audit.alerts.secrets import DETECTOR_NAMES
from airlock.audit.events import AlertSeverity

DEFAULTS_NAME = "defaults.yaml"
ENV_RULES = "AIRLOCK_ALERT_RULES"  # a user rule file overlaid on the shipped rules


class AlertRulesError(ValueError):
    """A rule file that cannot be used; the message names the file and the key."""

    def __init__(self, source: str, key: str, message: str) -> None:
        super().__init__(f"{source}: {key}: {message}")
        self.source, self.key, self.message = source, key, message


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(_Params):
    """A rule kind without parameters."""


class LimitKillParams(_Params):
    """Which kinds of kill raise the alert."""

    reasons: list[Literal["timeout", "memory", "other"]] = ["timeout", "memory", "other"]


class AgentBurstParams(_Params):
    """`threshold` attempts with one of `verdicts` within `window_minutes`."""

    threshold: int = Field(3, ge=1, le=10_000)
    window_minutes: float = Field(10.0, gt=0, le=7 * 24 * 60)
    verdicts: list[Literal["review", "block"]] = Field(["review", "block"], min_length=1)
    include_anonymous: bool = False  # also count events that carry no agent id


class SecretParams(_Params):
    """Which detectors run, and the severity when a private key is found."""

    private_key_severity: AlertSeverity = "critical"
    detectors: Literal["all"] | list[str] = "all"
    max_listed: int = Field(5, ge=1, le=50)  # findings named in the alert detail

    @field_validator("detectors")
    @classmethod
    def _known_detectors(cls, value: Literal["all"] | list[str]) -> Literal["all"] | list[str]:
        unknown = [] if value == "all" else sorted(set(value) - set(DETECTOR_NAMES))
        if unknown:
            raise ValueError(f"unknown detector(s) {unknown}; known: {list(DETECTOR_NAMES)}")
        return value


class LayerParams(_Params):
    """Layers known to be missing on this host, and whether degraded runs alert."""

    ignore_layers: list[str] = []
    on_degraded: bool = True


class EgressDeniedParams(_Params):
    """How many refused attempts the alert detail names."""

    max_listed: int = Field(5, ge=1, le=50)


class SandboxErrorParams(_Params):
    """Which gate decisions raise the alert."""

    decisions: list[Literal["error", "refused"]] = Field(["error", "refused"], min_length=1)


KINDS: dict[str, type[_Params]] = {
    "blocked-attempt": NoParams,
    "limit-kill": LimitKillParams,
    "agent-burst": AgentBurstParams,
    "secret-in-code": SecretParams,
    "secret-in-output": SecretParams,
    "layer-unavailable": LayerParams,
    "repeat-blocked-hash": NoParams,
    "sandbox-error": SandboxErrorParams,
    "egress-denied": EgressDeniedParams,
}

_RULE_KEYS = ("id", "kind", "title", "severity", "enabled", "description", "params")


class AlertRule(BaseModel):
    """One alert rule: which check (`kind`) runs, how it is labelled, its parameters."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    kind: str
    title: str = Field(min_length=1, max_length=200)
    severity: AlertSeverity
    enabled: bool = True
    description: str = ""
    params: SerializeAsAny[_Params] = NoParams()


class AlertRules(BaseModel):
    """The rules in force, in file order, and the files they came from."""

    model_config = ConfigDict(frozen=True)

    rules: tuple[AlertRule, ...]
    sources: tuple[str, ...] = ()

    def get(self, rule_id: str) -> AlertRule:
        """The rule with this id (KeyError when there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def enabled(self) -> list[AlertRule]:
        """The rules that run."""
        return [rule for rule in self.rules if rule.enabled]


def _read_yaml(text: str, source: str) -> list[dict[str, Any]]:
    """The rule entries of one file, checked for shape (not yet for values)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise AlertRulesError(source, where, f"invalid YAML: {problem}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise AlertRulesError(source, "(top level)", "expected a mapping with 'rules'")
    for key in data:
        if key not in ("version", "rules"):
            raise AlertRulesError(source, str(key), "unknown key (expected version, rules)")
    if data.get("version", 1) != 1:
        raise AlertRulesError(source, "version", f"unsupported version {data['version']!r}")
    entries = data.get("rules") or []
    if not isinstance(entries, list):
        raise AlertRulesError(source, "rules", "expected a list of rules")
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"rules[{index}]"
        if not isinstance(entry, dict):
            raise AlertRulesError(source, where, "expected a mapping")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise AlertRulesError(source, f"{where}.id", "missing or not a string")
        for key in entry:
            if key not in _RULE_KEYS:
                raise AlertRulesError(
                    source, f"{where} ({rule_id}).{key}", f"unknown key; expected {_RULE_KEYS}"
                )
        if rule_id in seen:
            raise AlertRulesError(source, f"{where}.id", f"duplicate rule id {rule_id!r}")
        seen.add(rule_id)
        if entry.get("params") is not None and not isinstance(entry["params"], dict):
            raise AlertRulesError(source, f"{where} ({rule_id}).params", "expected a mapping")
    return entries


def _build(raw: dict[str, Any], source: str, where: str) -> AlertRule:
    rule_id = raw["id"]
    kind = raw.get("kind", rule_id)
    if kind not in KINDS:
        key = "kind" if "kind" in raw else "id"
        raise AlertRulesError(
            source, f"{where} ({rule_id}).{key}", f"unknown kind {kind!r}; known: {list(KINDS)}"
        )
    try:
        params = KINDS[kind].model_validate(raw.get("params") or {})
    except ValidationError as exc:
        raise _error(exc, source, f"{where} ({rule_id}).params", KINDS[kind]) from None
    try:
        return AlertRule.model_validate({**raw, "kind": kind, "params": params})
    except ValidationError as exc:
        raise _error(exc, source, f"{where} ({rule_id})", AlertRule) from None


def _error(
    exc: ValidationError, source: str, prefix: str, model: type[BaseModel]
) -> AlertRulesError:
    first = exc.errors()[0]
    key = ".".join([prefix, *(str(part) for part in first["loc"])])
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"unknown key; expected one of {sorted(model.model_fields) or 'none'}"
    return AlertRulesError(source, key, message)


def _merge(base: list[dict[str, Any]], entries: list[dict[str, Any]], source: str) -> list[Any]:
    """Overlay one file's entries on `base` (raw dicts); returns (raw, source, where) triples."""
    merged: dict[str, tuple[dict[str, Any], str, str]] = {
        raw["id"]: (raw, DEFAULTS_NAME, f"rules[{i}]") for i, raw in enumerate(base)
    }
    for index, entry in enumerate(entries):
        where, rule_id = f"rules[{index}]", entry["id"]
        if rule_id not in merged:
            for key in ("kind", "title", "severity"):
                if key not in entry:
                    raise AlertRulesError(
                        source, f"{where} ({rule_id}).{key}", "required for a new rule"
                    )
            merged[rule_id] = (entry, source, where)
            continue
        old = merged[rule_id][0]
        if "kind" in entry and entry["kind"] != old.get("kind", rule_id):
            raise AlertRulesError(
                source, f"{where} ({rule_id}).kind", "cannot change the kind of an existing rule"
            )
        params = {**(old.get("params") or {}), **(entry.get("params") or {})}
        merged[rule_id] = ({**old, **entry, "params": params}, source, where)
    return list(merged.values())


@functools.cache
def _default_entries() -> tuple[dict[str, Any], ...]:
    text = (
        resources.files("airlock.audit.alerts").joinpath(DEFAULTS_NAME).read_text(encoding="utf-8")
    )
    return tuple(_read_yaml(text, DEFAULTS_NAME))


@functools.cache
def default_alert_rules() -> AlertRules:
    """The shipped rules (parsed once per process)."""
    return load_alert_rules(None)


def load_alert_rules(path: str | Path | None = None) -> AlertRules:
    """The shipped rules, overlaid with the user file at `path` when one is given."""
    entries: list[dict[str, Any]] = []
    sources = [DEFAULTS_NAME]
    source = str(path) if path is not None else DEFAULTS_NAME
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise AlertRulesError(source, "(file)", f"cannot read: {reason}") from None
        entries = _read_yaml(text, source)
        sources.append(source)
    merged = _merge([dict(e) for e in _default_entries()], entries, source)
    rules = tuple(_build(raw, src, where) for raw, src, where in merged)
    return AlertRules(rules=rules, sources=tuple(sources))


@functools.lru_cache(maxsize=8)
def _user_rules(path: str, _stamp: tuple[int, int]) -> AlertRules:
    return load_alert_rules(path)


def active_alert_rules(environ: Mapping[str, str] | None = None) -> AlertRules:
    """The rules `evaluate` uses by default: the shipped ones, overlaid with $AIRLOCK_ALERT_RULES.

    The user file is parsed again only when its modification time or size changes.
    """
    path = (os.environ if environ is None else environ).get(ENV_RULES, "").strip()
    if not path:
        return default_alert_rules()
    try:
        stat = os.stat(path)
    except OSError:
        return load_alert_rules(path)  # raises the error that names the file
    return _user_rules(path, (stat.st_mtime_ns, stat.st_size))
