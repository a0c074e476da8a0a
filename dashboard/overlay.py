"""A user's rule-set overlay: what the Rules page edits and saves as YAML.

The overlay format is the one in `rules/README.md` (`extends`, `disable`,
`overrides`, `allow_modules`); this module only builds, parses and writes it.
Loading and scoring stay in the analyzer.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class OverlayError(ValueError):
    """The overlay cannot be built or saved as given (bad name, module, YAML)."""


@dataclass
class Overlay:
    """A user rule set that overlays a base set."""

    name: str
    extends: str = "default"
    disable: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity override
    allow_modules: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # other override keys, kept as loaded

    def validate(self) -> None:
        """Raise OverlayError when a field would make an invalid rule-set file."""
        if not _NAME.match(self.name):
            raise OverlayError(
                f"rule set name {self.name!r}: use letters, digits, '-', '_' or '.' (max 64)"
            )
        if self.name == self.extends:
            raise OverlayError("a rule set cannot extend itself; choose another name")
        for module in self.allow_modules:
            if not _MODULE.match(module):
                raise OverlayError(f"allow-listed module {module!r} is not a dotted module name")
        for rule_id, sev in self.severity.items():
            if sev not in SEVERITIES:
                raise OverlayError(f"severity {sev!r} for {rule_id} is not one of {SEVERITIES}")

    def to_dict(self) -> dict[str, Any]:
        """The overlay as the YAML document the analyzer loads."""
        overrides: dict[str, dict[str, Any]] = {
            rule_id: dict(values) for rule_id, values in self.extra.items()
        }
        for rule_id, sev in self.severity.items():
            overrides.setdefault(rule_id, {})["severity"] = sev
        doc: dict[str, Any] = {
            "name": self.name,
            "version": "user",
            "description": f"User overlay on {self.extends}, edited in the Airlock dashboard.",
            "extends": self.extends,
            "disable": sorted(set(self.disable)),
            "overrides": {k: overrides[k] for k in sorted(overrides)},
            "allow_modules": sorted(set(self.allow_modules)),
        }
        return doc

    def to_yaml(self) -> str:
        """The overlay as YAML text."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str) -> Overlay:
        """Parse an overlay file; raises OverlayError on anything that is not one."""
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise OverlayError(f"not valid YAML: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
            raise OverlayError("a rule-set file is a mapping with at least a 'name'")
        overrides = doc.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise OverlayError("'overrides' must be a mapping of rule id to changes")
        severity: dict[str, str] = {}
        extra: dict[str, Any] = {}
        for rule_id, values in overrides.items():
            if not isinstance(values, dict):
                raise OverlayError(f"override for {rule_id} must be a mapping")
            rest = {k: v for k, v in values.items() if k != "severity"}
            if "severity" in values:
                severity[str(rule_id)] = str(values["severity"])
            if rest:
                extra[str(rule_id)] = rest
        return cls(
            name=doc["name"],
            extends=str(doc.get("extends") or "default"),
            disable=[str(x) for x in doc.get("disable") or []],
            severity=severity,
            allow_modules=[str(x) for x in doc.get("allow_modules") or []],
            extra=extra,
        )


def rules_dir() -> Path:
    """Where the dashboard saves user rule sets: $AIRLOCK_RULES_DIR or the XDG config dir."""
    env = os.environ.get("AIRLOCK_RULES_DIR")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("airlock")) / "rules"


def save(overlay: Overlay, directory: Path | None = None) -> Path:
    """Validate and write the overlay as `<dir>/<name>.yaml`; returns the path."""
    overlay.validate()
    target_dir = directory or rules_dir()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        path = target_dir / f"{overlay.name}.yaml"
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(overlay.to_yaml(), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise OverlayError(f"cannot save to {target_dir}: {exc.strerror or exc}") from None
    return path


def saved_overlays(directory: Path | None = None) -> list[Path]:
    """The user rule sets saved so far, by name."""
    target_dir = directory or rules_dir()
    return sorted(target_dir.glob("*.yaml")) if target_dir.is_dir() else []
