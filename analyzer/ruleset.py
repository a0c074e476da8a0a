"""Rule sets: load the YAML (with `extends` overlays), validate it, cache the result.

Loaded rule sets are cached in memory per file version and on disk (ruleset_cache.py)
keyed by the bytes of every file read, so a new process skips the YAML entirely.

Validation errors are `RuleSetError`s that name the file and the offending key, so a
user's overlay with a typo fails with a message, never a traceback from deep inside.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from airlock.analyzer import ruleset_cache
from airlock.analyzer.builtin_rules import BUILTIN_RULES, with_builtins
from airlock.analyzer.match_schema import MATCH_KINDS, validate_match
from airlock.analyzer.policy import Combination, Policy
from airlock.analyzer.rule import Override, Rule
from airlock.analyzer.rule_schema import RuleSpec, keys
from airlock.analyzer.tables import TableError, expand_tables, read_tables
from airlock.rules import RULES_DIR

BANDIT_ID = re.compile(r"^B\d{3}$")
TOP_KEYS = {
    "name",
    "version",
    "description",
    "extends",
    "tables",
    "policy",
    "allow_modules",
    "disable",
    "overrides",
    "baseline",
    "rules",
}
RULE_KEYS = keys(RuleSpec)
POLICY_KEYS = {
    "review_at",
    "block_at",
    "honour_inline_suppressions",
    "combinations",
    "max_source_bytes",
    "network",
}
COMBO_KEYS = keys(Combination)
OVERRIDE_KEYS = {"severity", "confidence", "verdict"}


class RuleSetError(ValueError):
    """A rule-set file is missing, unreadable or invalid; the message names file and key."""


class RuleSet(BaseModel):
    """A loaded, validated rule set with its overlays applied."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    version: str = ""
    description: str = ""
    path: Path | None = None
    policy: Policy = Field(default_factory=Policy)
    allow_modules: tuple[str, ...] = ()
    disable: frozenset[str] = frozenset()
    tables: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # name → regex alternatives
    overrides: dict[str, Override] = Field(default_factory=dict)
    baseline: frozenset[str] = frozenset()  # accepted finding fingerprints
    rules: list[Rule] = Field(default_factory=list)
    _compiled: Any = PrivateAttr(default=None)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def effective_rules(self) -> list[Rule]:
        """Every rule with `overrides` applied (disabled ones still run: their findings are
        kept in the report, marked suppressed by the overlay)."""
        out = []
        for r in self.rules:
            ov = self.overrides.get(r.id)
            if ov is not None:
                r = r.model_copy(update=ov.model_dump(exclude_none=True))
            out.append(r)
        return out

    def compiled(self) -> Any:
        """The compiled matchers for this rule set (built once, then shared)."""
        if self._compiled is None:
            from airlock.analyzer.matchers import CompiledRules

            self._compiled = CompiledRules(self)
        return self._compiled


_cache: dict[tuple[str, int, int], RuleSet] = {}
_lock = threading.Lock()


def resolve_path(name_or_path: str | Path, *, relative_to: Path | None = None) -> Path:
    """A set name (`default`) → rules/default.yaml; anything else is a path."""
    text = str(name_or_path)
    if isinstance(name_or_path, str) and re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return RULES_DIR / f"{text}.yaml"
    path = Path(text).expanduser()
    if not path.is_absolute() and relative_to is not None:
        candidate = relative_to / path
        if candidate.exists():
            return candidate.resolve()
    return path.resolve()


def load_ruleset(name_or_path: str | Path | RuleSet = "default") -> RuleSet:
    """Load a rule set by name (`default`, `strict`) or path, cached per file version."""
    if isinstance(name_or_path, RuleSet):
        return name_or_path
    path = resolve_path(name_or_path)
    try:
        st = path.stat()
    except OSError as exc:
        raise RuleSetError(f"rule set {str(name_or_path)!r} not found ({path}): {exc}") from None
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
    loaded = ruleset_cache.load(path, RuleSet)
    if loaded is None:
        sources: ruleset_cache.Sources = []
        loaded = _load(path, seen=(), sources=sources)
        ruleset_cache.store(path, sources, loaded)
    with _lock:
        _cache[key] = loaded
    return loaded


def _read_text(path: Path, sources: ruleset_cache.Sources) -> str:
    """The file's text (universal newlines, as `read_text`), its hash noted in `sources`."""
    data = path.read_bytes()
    sources.append((str(path), ruleset_cache.digest(data)))
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _read_yaml(path: Path, sources: ruleset_cache.Sources) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(_read_text(path, sources))
    except OSError as exc:
        raise RuleSetError(f"{path}: cannot read: {exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleSetError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise RuleSetError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    return data


def _load(path: Path, *, seen: tuple[Path, ...], sources: ruleset_cache.Sources) -> RuleSet:
    if path in seen:
        raise RuleSetError(f"{path}: `extends` cycle through {[str(p) for p in seen]}")
    data = _read_yaml(path, sources)
    base: RuleSet | None = None
    if data.get("extends"):
        base_path = resolve_path(data["extends"], relative_to=path.parent)
        if not base_path.exists():
            raise RuleSetError(f"{path}: key 'extends': base {data['extends']!r} not found")
        base = _load(base_path, seen=(*seen, path), sources=sources)
    return _build(path, data, base, sources)


def _as_list(path: Path, key: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RuleSetError(f"{path}: key {key!r} must be a list")
    return value


def _build(
    path: Path, data: dict[str, Any], base: RuleSet | None, sources: ruleset_cache.Sources
) -> RuleSet:
    rules: dict[str, Rule] = {r.id: r for r in base.rules if not r.builtin} if base else {}
    try:
        tables = {**(base.tables if base else {}), **read_tables(data.get("tables"))}
    except TableError as exc:
        raise RuleSetError(f"{path}: {exc}") from None
    for i, raw in enumerate(_as_list(path, "rules", data.get("rules"))):
        where = f"{path}: rules[{i}]"
        if not isinstance(raw, dict):
            raise RuleSetError(f"{where}: must be a mapping")
        where = f"{path}: rule {raw.get('id', i)!r}"
        unknown = set(raw) - RULE_KEYS
        if unknown:
            raise RuleSetError(f"{where}: unknown key(s) {sorted(unknown)}")
        for req in ("id", "title", "category", "severity", "confidence", "match"):
            if req not in raw:
                raise RuleSetError(f"{where}: missing key {req!r}")
        match = raw["match"]
        if not isinstance(match, dict) or len(match) != 1 or next(iter(match)) not in MATCH_KINDS:
            raise RuleSetError(f"{where}: key 'match' needs exactly one of {list(MATCH_KINDS)}")
        try:
            match = expand_tables(match, tables)
            validate_match(match)
            rule = Rule(
                **{
                    **raw,
                    "match": match,
                    "references": tuple(raw.get("references") or ()),
                    "tags": tuple(raw.get("tags") or ()),
                }
            )
        except (ValueError, TypeError, TableError) as exc:
            raise RuleSetError(f"{where}: {exc}") from None
        rules[rule.id] = rule

    policy_raw = data.get("policy") or {}
    if not isinstance(policy_raw, dict):
        raise RuleSetError(f"{path}: key 'policy' must be a mapping")
    unknown = set(policy_raw) - POLICY_KEYS
    if unknown:
        raise RuleSetError(f"{path}: policy: unknown key(s) {sorted(unknown)}")
    policy_dict = base.policy.model_dump() if base else {}
    combos = {c["id"]: c for c in policy_dict.get("combinations", ())}
    for i, c in enumerate(_as_list(path, "policy.combinations", policy_raw.get("combinations"))):
        if not isinstance(c, dict) or "id" not in c:
            raise RuleSetError(f"{path}: policy.combinations[{i}] needs an 'id'")
        bad = set(c) - COMBO_KEYS
        if bad:
            raise RuleSetError(f"{path}: policy.combinations[{i}]: unknown key(s) {sorted(bad)}")
        combos[c["id"]] = c
    policy_dict.update({k: v for k, v in policy_raw.items() if k != "combinations"})
    policy_dict["combinations"] = list(combos.values())
    try:
        policy = Policy(**policy_dict)
    except (ValueError, TypeError) as exc:
        raise RuleSetError(f"{path}: policy: {exc}") from None

    all_rules = with_builtins(list(rules.values()), BUILTIN_RULES)
    known = {r.id for r in all_rules}
    disable = set(base.disable) if base else set()
    for rid in _as_list(path, "disable", data.get("disable")):
        if not isinstance(rid, str) or not (rid in known or BANDIT_ID.match(rid)):
            raise RuleSetError(f"{path}: key 'disable': unknown rule id {rid!r}")
        disable.add(rid)
    overrides = dict(base.overrides) if base else {}
    ov_raw = data.get("overrides") or {}
    if not isinstance(ov_raw, dict):
        raise RuleSetError(f"{path}: key 'overrides' must be a mapping of rule id to changes")
    for rid, change in ov_raw.items():
        if not isinstance(rid, str) or not (rid in known or BANDIT_ID.match(rid)):
            raise RuleSetError(f"{path}: key 'overrides': unknown rule id {rid!r}")
        if not isinstance(change, dict) or set(change) - OVERRIDE_KEYS:
            raise RuleSetError(
                f"{path}: overrides.{rid}: must be a mapping with keys {sorted(OVERRIDE_KEYS)}"
            )
        try:
            overrides[rid] = Override(**change)
        except (ValueError, TypeError) as exc:
            raise RuleSetError(f"{path}: overrides.{rid}: {exc}") from None
    allow = list(base.allow_modules) if base else []
    for mod in _as_list(path, "allow_modules", data.get("allow_modules")):
        if not isinstance(mod, str):
            raise RuleSetError(f"{path}: key 'allow_modules': {mod!r} is not a module name")
        allow.append(mod)
    baseline = set(base.baseline) if base else set()
    if data.get("baseline"):
        baseline |= _read_baseline(path, data["baseline"], sources)
    try:
        return RuleSet(
            name=str(data.get("name") or (base.name if base else path.stem)),
            version=str(data.get("version") or (base.version if base else "")),
            description=str(data.get("description") or (base.description if base else "")),
            path=path,
            policy=policy,
            allow_modules=tuple(dict.fromkeys(allow)),
            disable=frozenset(disable),
            tables=tables,
            overrides=overrides,
            baseline=frozenset(baseline),
            rules=all_rules,
        )
    except (ValueError, TypeError) as exc:
        raise RuleSetError(f"{path}: {exc}") from None


def _read_baseline(path: Path, ref: Any, sources: ruleset_cache.Sources) -> set[str]:
    """A baseline file: YAML/JSON list of fingerprints, or {"fingerprints": [...]}."""
    import yaml

    bpath = Path(str(ref)).expanduser()
    if not bpath.is_absolute():
        bpath = path.parent / bpath
    try:
        data = yaml.safe_load(_read_text(bpath, sources))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"{path}: key 'baseline': cannot read {bpath}: {exc}") from None
    if isinstance(data, dict):
        data = data.get("fingerprints")
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise RuleSetError(f"{path}: key 'baseline': {bpath} must hold a list of fingerprints")
    return set(data)


__all__ = [
    "Combination",
    "Override",
    "Policy",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "load_ruleset",
    "resolve_path",
]
