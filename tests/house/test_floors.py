"""The house rules of ARCHITECTURE.md, enforced: no import cycle anywhere in the package,
and no import from a lower floor to a higher one (nor between the two peers of floor 1).

Counts every import the code can execute, function-level ones included.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from importgraph import ROOT, Edge, cycles, edges, modules

# Unit → floor, as in ARCHITECTURE.md's table. A unit may import itself and lower floors.
FLOORS: dict[str, int] = {
    "airlock.vocabulary": 0,
    "airlock.rules": 0,
    "airlock.analyzer": 1,
    "airlock.executor": 1,
    "airlock.audit": 2,
    "airlock.demo": 3,
    "airlock.dashboard": 3,
    "airlock.service": 3,
    "airlock.adapters": 3,
    "airlock.client": 3,  # talks to the service over HTTP; imports nothing of ours
    "airlock.cli": 4,
    "airlock": 4,  # the front door (airlock/__init__.py)
}
# Units nothing else may import, whatever its floor.
LEAVES = ("airlock.cli", "airlock.dashboard", "airlock", "airlock.client", "airlock.adapters")


def unit(module: str) -> str:
    """The longest FLOORS key that names this module or a package holding it."""
    best = max((u for u in FLOORS if module == u or module.startswith(u + ".")), key=len)
    return best


def violations(graph: list[Edge]) -> list[str]:
    bad = []
    for e in graph:
        src, dst = unit(e.source), unit(e.target)
        if src == dst:
            continue
        where = f"{e.source}:{e.line} imports {e.target}"
        if dst in LEAVES:
            bad.append(f"{where} ({dst} is a leaf: nothing imports it)")
        elif FLOORS[dst] >= FLOORS[src]:
            bad.append(f"{where} (floor {FLOORS[src]} → floor {FLOORS[dst]})")
    return bad


@pytest.fixture(scope="module")
def graph() -> list[Edge]:
    return edges()


def test_every_module_has_a_floor() -> None:
    for name in modules():
        assert unit(name) in FLOORS


def test_no_import_cycle(graph: list[Edge]) -> None:
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_arrow_points_up(graph: list[Edge]) -> None:
    bad = violations(graph)
    assert not bad, "\n".join(bad)


def test_the_checks_fire_on_a_planted_cycle_and_an_upward_import(tmp_path: Path) -> None:
    """Negative control: the same checks on edges that break both rules."""
    planted = [
        Edge("airlock.analyzer.scan", "airlock.analyzer.models", 1),
        Edge("airlock.analyzer.models", "airlock.analyzer.scan", 2),
        Edge("airlock.executor.runner", "airlock.audit.store", 3),
        Edge("airlock.analyzer.scan", "airlock.executor.runner", 4),
        Edge("airlock.audit.pipeline", "airlock.dashboard.app", 5),
    ]
    assert cycles(planted) == [["airlock.analyzer.models", "airlock.analyzer.scan"]]
    assert len(violations(planted)) == 3


def test_the_graph_sees_function_level_imports(tmp_path: Path) -> None:
    """Negative control: an import inside a function is an edge; one under TYPE_CHECKING is not."""
    mods = modules()
    name = "airlock.analyzer.scan"
    source = ast.parse(mods[name].read_text(encoding="utf-8"))
    assert source  # the real file parses
    fake = tmp_path / "probe.py"
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from airlock.audit import store\n"
        "def f():\n    from airlock.executor import runner\n",
        encoding="utf-8",
    )
    found = edges({**mods, "airlock.analyzer.probe": fake})
    targets = {e.target for e in found if e.source == "airlock.analyzer.probe"}
    assert targets == {"airlock.executor.runner"}


def test_the_repository_folders_are_the_installed_packages() -> None:
    """pyproject's package-dir and the graph's folder map agree."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    from importgraph import FOLDERS

    assert {k: ROOT / v for k, v in mapping.items()} == FOLDERS
    packages = set(config["tool"]["setuptools"]["packages"])
    on_disk = {n for n, p in modules().items() if p.name == "__init__.py"}
    assert packages == on_disk


def test_every_test_module_name_is_unique() -> None:
    """pytest imports test files by basename (no packages under tests/): two files of one
    name in different folders stop the whole run at collection."""
    from collections import Counter

    root = Path(__file__).resolve().parents[1]
    names = Counter(p.name for p in root.rglob("test_*.py"))
    assert not [n for n, k in names.items() if k > 1], sorted(n for n, k in names.items() if k > 1)
