"""On-disk cache of loaded rule sets, so a cold process skips parsing and validating YAML.

An entry is keyed by the rule set's path, Airlock's version and the code that builds
rule sets, and it lists the SHA-256 of every file the build read (the file, its
`extends` parents, baselines): a changed byte in any of them misses. The entry's
bytes are untrusted: it is JSON (never pickle), its payload must match the SHA-256
stored beside it, and the payload is validated by the rule-set model itself; anything
else is a miss, and the rule set is rebuilt and the entry rewritten (atomically).

The cache lives in the user's own cache directory (platformdirs) unless
AIRLOCK_CACHE_DIR names another; AIRLOCK_CACHE_DIR=off turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

ENV = "AIRLOCK_CACHE_DIR"
OFF = frozenset({"off", "0", "false", "no", "none"})
FORMAT = 1
# The modules whose code decides what a rule file loads to: a change to any is a miss.
BUILDERS = (
    "ruleset.py",
    "rule.py",
    "policy.py",
    "builtin_rules.py",
    "match_schema.py",
    "models.py",
    "ruleset_cache.py",
    "tables.py",
)

Model = TypeVar("Model", bound=BaseModel)
Sources = list[tuple[str, str]]  # (path, SHA-256 of its bytes) of every file read


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is off."""
    value = os.environ.get(ENV)
    if value is not None:
        if value.strip().lower() in OFF or not value.strip():
            return None
        return Path(value).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("airlock")) / "rulesets"


def digest(data: bytes) -> str:
    """SHA-256 of `data`, hex."""
    return hashlib.sha256(data).hexdigest()


def load(path: Path, model: type[Model]) -> Model | None:
    """The cached value for the rule set at `path`, or None (miss, stale or invalid)."""
    root = cache_dir()
    if root is None:
        return None
    try:
        entry = json.loads((root / _entry_name(path)).read_bytes())
    except (OSError, ValueError):
        return None
    payload = _checked_payload(entry, path)
    if payload is None:
        return None
    try:
        return model.model_validate_json(payload)
    except (ValidationError, ValueError):
        return None


def store(path: Path, sources: Sources, value: BaseModel) -> None:
    """Write the entry for `path` atomically; a value JSON cannot carry exactly is skipped."""
    root = cache_dir()
    if root is None:
        return
    try:
        payload = value.model_dump_json()
        if type(value).model_validate_json(payload).model_dump() != value.model_dump():
            return  # something in it does not survive JSON: never cache a different value
    except (ValidationError, ValueError, TypeError):
        return
    entry = {
        "format": FORMAT,
        "path": str(path),
        "sources": sources,
        "sha256": digest(payload.encode()),
        "payload": payload,
    }
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(entry).encode())
            os.replace(tmp, root / _entry_name(path))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full cache directory only costs the next process time


def _checked_payload(entry: Any, path: Path) -> str | None:
    """The payload if the entry is well formed, its sources unchanged and its hash right."""
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    payload, sources = entry.get("payload"), entry.get("sources")
    if entry.get("path") != str(path) or not isinstance(payload, str):
        return None
    if not isinstance(sources, list) or not sources:
        return None
    if entry.get("sha256") != digest(payload.encode()):
        return None
    for item in sources:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            return None
        try:
            if digest(Path(item[0]).read_bytes()) != item[1]:
                return None
        except OSError:
            return None
    return payload


def _entry_name(path: Path) -> str:
    key = "\0".join((str(FORMAT), _version(), _code_fingerprint(), sys.version, str(path)))
    return f"{digest(key.encode())}.json"


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("airlock")
    except PackageNotFoundError:
        return "unknown"


@cache
def _code_fingerprint() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in BUILDERS:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()
