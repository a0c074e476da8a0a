"""The escape suite's pytest wiring: the ``layer`` marker and the skip-when-unavailable rule.

Each case is marked with the isolation layer(s) it tests, e.g. ``@pytest.mark.layer("netns")``.
When ``executor.probe_layers()`` reports such a layer as not active on this machine, the case
is skipped and the executor's reason is printed (``-ra`` shows it in the summary).

Defence in depth: ``AIRLOCK_ESCAPE_DISABLE=seccomp`` runs the suite with that layer off
(cases marked with it are skipped, unless ``AIRLOCK_ESCAPE_KEEP=1`` keeps them to show
which other layer still stops the escape).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from escape_hosts import Victim, spawn_victim
from escape_support import disabled_layers, layer_table

from airlock.executor import cgroup_layout

# The executor's layer names (executor/policy.py LAYERS) are used directly; these aliases
# only let a case name a layer by what it does.
LAYER_ALIASES: dict[str, tuple[str, ...]] = {
    "pidns": ("tree_kill",),
    "netns": ("network",),
    "mountns": ("filesystem",),
    "env": ("environment",),
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "layer(*names): the executor isolation layer(s) an escape case tests"
    )


def resolve_layer(concept: str) -> list[str]:
    """The executor's layer names that implement a concept (empty when it has none)."""
    table = layer_table()
    return [n for n in LAYER_ALIASES.get(concept, (concept,)) if n in table]


@pytest.fixture(autouse=True)
def _require_layers(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("layer")
    if marker is None:
        return
    table = layer_table()
    for concept in marker.args:
        if concept.startswith("cgroup:"):  # a controller the cgroup layer must hold itself
            controller, missing = concept.partition(":")[2], cgroup_layout.layout().missing
            if controller in missing:
                pytest.skip(
                    f"layer unavailable on this machine: cgroup {controller}: {missing[controller]}"
                )
            concept = "cgroup"
        names = resolve_layer(concept)
        if not names:
            pytest.skip(f"the executor reports no {concept!r} layer (layers: {sorted(table)})")
        for name in names:
            if name in disabled_layers() and not os.environ.get("AIRLOCK_ESCAPE_KEEP"):
                pytest.skip(f"layer {name} is disabled for this suite run (AIRLOCK_ESCAPE_DISABLE)")
            if table[name].status != "active":
                pytest.skip(f"layer unavailable on this machine: {table[name]}")


@pytest.fixture
def victim() -> Iterator[Victim]:
    """A sleeping host process holding tokens in its argv, environ and memory."""
    with spawn_victim() as v:
        yield v


@pytest.fixture
def require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the negative control needs root on the host (the sandbox case does not)")
