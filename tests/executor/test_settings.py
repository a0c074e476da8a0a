"""Executor settings: read from the environment when a run needs them, in one module only."""

from __future__ import annotations

import ast
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from executor_support import need

import airlock.executor
from airlock.executor import Limits, cgroups, run, settings, slots, standby, user

EXECUTOR = Path(airlock.executor.__file__).parent


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in settings.VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    cfg = settings.current()
    assert (cfg.slots, cfg.standby, cfg.spawner, cfg.zygote_above_mb) == (64, 2, "auto", 64.0)
    assert (cfg.cgroup_root, cfg.uid_base) == ("/sys/fs/cgroup", 60000)
    assert (
        cfg.state_dir == "/run/airlock"
        if os.geteuid() == 0
        else cfg.state_dir.endswith(f"airlock-{os.getuid()}")
    )


def test_every_variable_is_read_at_call_time(clean_env: pytest.MonkeyPatch) -> None:
    values = {
        "slots": "3",
        "state_dir": "/nowhere/state",
        "standby": "5",
        "spawner": "zygote",
        "zygote_above_mb": "1.5",
        "cgroup_root": "/nowhere/cgroup",
        "uid_base": "70000",
    }
    for field, raw in values.items():
        clean_env.setenv(settings.VARIABLES[field], raw)
    assert settings.current() == settings.Settings(3, "/nowhere/state", 5, "zygote", 1.5, "/nowhere/cgroup", 70000)  # fmt: skip
    # and the modules that use them see the change without a re-import
    assert standby.max_parked() == 5
    assert user.uid_for(2) == 70002
    assert cgroups.for_slot(1).memory == "/nowhere/cgroup/memory/airlock/slot-1"


@pytest.mark.parametrize("field", ["slots", "zygote_above_mb", "uid_base"])
def test_an_unusable_number_names_its_variable(clean_env: pytest.MonkeyPatch, field: str) -> None:
    clean_env.setenv(settings.VARIABLES[field], "many")
    with pytest.raises(settings.SettingsError, match=settings.VARIABLES[field]):
        settings.current()


def test_an_unusable_standby_count_turns_standbys_off(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AIRLOCK_STANDBY", "lots")
    assert settings.current().standby == 0
    clean_env.setenv("AIRLOCK_STANDBY", "-1")
    assert settings.current().standby == 0


def test_a_new_state_dir_takes_effect_on_the_next_slot(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("AIRLOCK_STATE_DIR", str(tmp_path))
    clean_env.setenv("AIRLOCK_SLOTS", "1")
    slot = slots.acquire(timeout_s=0)
    try:
        assert slot.number == 0 and slot.path == str(tmp_path / "slot-0")
        with pytest.raises(TimeoutError, match="all 1 sandbox slots"):
            slots.acquire(timeout_s=0)
    finally:
        slot.release()


@need("user")
def test_a_new_uid_base_takes_effect_on_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    before = run("import os; print(os.getuid())")
    assert before.exit_code == 0 and before.slot is not None
    base = settings.current().uid_base + 1000
    try:
        pwd.getpwuid(base + before.slot)
        pytest.skip(f"uid {base + before.slot} has an account here")
    except KeyError:
        pass
    monkeypatch.setenv("AIRLOCK_UID_BASE", str(base))
    after = run("import os; print(os.getuid())", limits=Limits(timeout_s=30))
    assert after.exit_code == 0 and after.slot is not None, after
    assert after.run_uid == base + after.slot and after.stdout == f"{after.run_uid}\n"


SWITCH_SPAWNER = """
import os
from airlock.executor import run, zygote
first = run("pass").exit_code, zygote.running()
os.environ["AIRLOCK_SPAWNER"] = "zygote"
print(first, (run("pass").exit_code, zygote.running()))
"""


def test_a_new_spawner_mode_takes_effect_on_the_next_run() -> None:
    env = {k: v for k, v in os.environ.items() if k not in settings.VARIABLES.values()}
    env |= {"AIRLOCK_ZYGOTE_ABOVE_MB": "100000", "AIRLOCK_STANDBY": "0"}
    cmd = [sys.executable, "-c", SWITCH_SPAWNER]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout == "(0, False) (0, True)\n", out.stderr


def _sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(EXECUTOR.glob("*.py"))}


def test_only_the_settings_module_mentions_the_variables() -> None:
    sources = _sources()
    assert "settings.py" in sources and len(sources) > 10
    mentions = sorted(name for name, text in sources.items() if "AIRLOCK_" in text)
    assert mentions == ["settings.py"]
    assert set(settings.VARIABLES.values()) <= {
        word.strip("`") for word in sources["settings.py"].split() if word.startswith("AIRLOCK_")
    }, "every variable is documented in the module docstring"


def _import_time_nodes(tree: ast.Module) -> list[ast.AST]:
    """Nodes evaluated when the module is imported (function bodies excluded)."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            todo += [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]
            todo = [n for n in todo if n is not None]
        elif isinstance(node, ast.Lambda):
            todo += node.args.defaults
        else:
            todo += ast.iter_child_nodes(node)
    return found


def test_no_executor_module_reads_the_environment_at_import() -> None:
    for name, text in _sources().items():
        for node in _import_time_nodes(ast.parse(text)):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                pytest.fail(f"{name}:{node.lineno} reads os.{node.attr} at import")
            if isinstance(node, ast.Name) and node.id in ("environ", "getenv"):
                pytest.fail(f"{name}:{node.lineno} reads {node.id} at import")
