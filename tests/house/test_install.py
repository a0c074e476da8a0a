"""What `pip install .` puts on a machine: one import name, `airlock`, and its dist-info;
and generic file names in the user's working directory do not shadow any part of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("source")  # a copy: building writes build/ into the tree
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("airlock", "analyzer", "executor", "audit", "dashboard", "rules"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        if "Could not find a version" in proc.stderr or "No matching distribution" in proc.stderr:
            pytest.skip(f"cannot fetch the build backend: {proc.stderr.strip()[-200:]}")
        raise AssertionError(proc.stderr)
    (found,) = out.glob("airlock-*.whl")
    return found


def test_the_wheel_installs_one_top_level_name(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"airlock"}, sorted(tops)
    assert len([t for t in tops if t.endswith(".dist-info")]) == 1, sorted(tops)


def test_the_wheel_carries_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "airlock/rules/default.yaml",
        "airlock/rules/bandit.yaml",
        "airlock/audit/alembic.ini",
        "airlock/audit/alerts/defaults.yaml",
        "airlock/demo/snippets/benign.yaml",
        "airlock/dashboard/app.py",
        "airlock/cli/__init__.py",
        "airlock/vocabulary.py",
    ):
        assert needed in names, needed
    assert any(n.startswith("airlock/audit/migrations/versions/0001") for n in names)


def test_top_level_names_are_not_dist_info_metadata(wheel: Path) -> None:
    """The wheel's own record of its top-level names says the same."""
    with zipfile.ZipFile(wheel) as z:
        top = [n for n in z.namelist() if n.endswith(".dist-info/top_level.txt")]
        if top:
            assert z.read(top[0]).decode().split() == ["airlock"]


def test_generic_file_names_in_the_working_directory_change_nothing(tmp_path: Path) -> None:
    for name in ("executor", "audit", "analyzer", "dashboard", "rules", "cli"):
        (tmp_path / f"{name}.py").write_text("raise SystemExit('shadowed')\n", encoding="utf-8")
    code = (
        "from airlock import scan, run, guard\n"
        "import airlock.audit.store, airlock.executor.runner\n"
        "print(scan('import os').verdict.value, callable(run), callable(guard))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["allow", "True", "True"]


def test_a_shadowing_file_would_be_noticed(tmp_path: Path) -> None:
    """Negative control: a file named like a module the code imports does take over."""
    (tmp_path / "json.py").write_text("raise SystemExit('shadowed')\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "import json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "shadowed" in proc.stderr
