"""Helpers for the executor tests: layer-aware skips and host process inspection."""

from __future__ import annotations

import os

import pytest

from airlock.executor import probe_layers


def layer_active(name: str) -> bool:
    return any(layer.name == name and layer.status == "active" for layer in probe_layers())


def need(*names: str) -> pytest.MarkDecorator:
    """Skip (with the probe's reason printed) unless every named layer is active here."""
    missing = [
        str(layer) for layer in probe_layers() if layer.name in names and layer.status != "active"
    ]
    return pytest.mark.skipif(bool(missing), reason="; ".join(missing) or "all layers active")


def cgroup_missing(*controllers: str) -> str:
    """Why the named controllers are not held by a cgroup here ('' when they all are)."""
    layer = next(layer for layer in probe_layers() if layer.name == "cgroup")
    if layer.status != "active":
        return str(layer)
    from airlock.executor import cgroup_layout

    missing = cgroup_layout.layout().missing
    return "; ".join(f"cgroup {c}: {missing[c]}" for c in controllers if c in missing)


def need_cgroup(*controllers: str) -> pytest.MarkDecorator:
    """Skip (with the reason printed) unless a cgroup holds each named controller here."""
    why = cgroup_missing(*controllers)
    return pytest.mark.skipif(bool(why), reason=why or "held")


def host_pids_with(marker: str) -> list[int]:
    """Pids on the host whose command line contains ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found
