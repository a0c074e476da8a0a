"""The on-disk rule-set cache: keyed by every file read, rebuilt when stale or damaged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from airlock.analyzer import ruleset as ruleset_mod
from airlock.analyzer import ruleset_cache
from airlock.analyzer.ruleset import RuleSet, load_ruleset
from airlock.analyzer.scan import scan
from airlock.rules import RULES_DIR

SOURCE = "import os, pickle\nos.system(input())\npickle.loads(b'x')\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(ruleset_cache.ENV, str(root))
    return root


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    """A two-level rule set: an overlay extending a copy of the default set."""
    shutil.copy(RULES_DIR / "default.yaml", tmp_path / "base.yaml")
    path = tmp_path / "overlay.yaml"
    path.write_text("name: overlay\nextends: base.yaml\ndisable: [AIR-SUPP-001]\n")
    return path


def fresh(path: Path) -> RuleSet:
    """Load as a new process would: nothing in memory, whatever is on disk."""
    ruleset_mod._cache.clear()
    return load_ruleset(path)


def built(path: Path, monkeypatch: pytest.MonkeyPatch) -> RuleSet:
    with monkeypatch.context() as m:
        m.setenv(ruleset_cache.ENV, "off")
        return fresh(path)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json"))


def test_a_second_process_loads_from_the_cache(
    cache: Path, overlay: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fresh(overlay)
    (entry,) = entries(cache)
    monkeypatch.setattr(ruleset_mod, "_load", _no_yaml)
    second = fresh(overlay)
    assert second is not first
    assert second.model_dump() == first.model_dump()
    assert json.loads(entry.read_text())["sources"][1][0] == str(overlay.parent / "base.yaml")


def _no_yaml(*_args: object, **_kwargs: object) -> RuleSet:
    raise AssertionError("rule files were parsed although the cache was valid")


def test_the_cached_rule_set_scans_like_the_uncached(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = RULES_DIR / "strict.yaml"
    fresh(path)
    cached = fresh(path)
    uncached = built(path, monkeypatch)
    assert cached.model_dump() == uncached.model_dump()
    a = scan(SOURCE, ruleset=cached).model_dump(exclude={"duration_ms"})
    b = scan(SOURCE, ruleset=uncached).model_dump(exclude={"duration_ms"})
    assert a == b


@pytest.mark.parametrize("changed", ["overlay.yaml", "base.yaml"])
def test_a_changed_rule_file_invalidates(
    cache: Path, overlay: Path, changed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh(overlay)
    target = overlay.parent / changed
    if changed == "overlay.yaml":
        target.write_text(target.read_text().replace("name: overlay", "name: overlay2"))
    else:  # the parent: same size, one severity lowered
        text = target.read_text()
        assert "severity: critical" in text
        target.write_text(text.replace("severity: critical", "severity: high    ", 1))
    reloaded = fresh(overlay)
    assert reloaded.model_dump() == built(overlay, monkeypatch).model_dump()
    if changed == "overlay.yaml":
        assert reloaded.name == "overlay2"


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"\x00\xff garbage",  # not JSON
        lambda b: b"[]",  # JSON, wrong shape
        lambda b: b"",  # empty
    ],
    ids=["truncated", "garbage", "wrong-shape", "empty"],
)
def test_a_corrupt_entry_is_rebuilt_and_scans_the_same(
    cache: Path, overlay: Path, damage, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh(overlay)
    (entry,) = entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    reloaded = fresh(overlay)
    uncached = built(overlay, monkeypatch)
    assert reloaded.model_dump() == uncached.model_dump()
    a = scan(SOURCE, ruleset=reloaded).model_dump(exclude={"duration_ms"})
    b = scan(SOURCE, ruleset=uncached).model_dump(exclude={"duration_ms"})
    assert a == b
    assert json.loads(entry.read_bytes())["payload"]  # rewritten whole


def test_an_edited_well_formed_payload_is_rejected(
    cache: Path, overlay: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = fresh(overlay)
    (entry,) = entries(cache)
    data = json.loads(entry.read_text())
    payload = json.loads(data["payload"])
    payload["disable"] = sorted({r.id for r in original.rules})  # silence every rule
    data["payload"] = json.dumps(payload)
    entry.write_text(json.dumps(data))
    assert RuleSet.model_validate_json(data["payload"])  # still a valid rule set...
    reloaded = fresh(overlay)
    assert reloaded.disable == original.disable  # ...but not trusted: its hash is wrong


def test_cache_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ruleset_cache.ENV, "off")
    assert ruleset_cache.cache_dir() is None
    fresh(RULES_DIR / "default.yaml")
    assert not list(tmp_path.rglob("*.json"))


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(ruleset_cache.ENV, str(blocker / "cache"))
    assert fresh(RULES_DIR / "default.yaml").rules
