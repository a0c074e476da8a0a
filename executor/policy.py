"""Which isolation layers a run requires, and the fail-closed decision over them."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from airlock.executor.models import LayerStatus

LAYERS: tuple[str, ...] = (
    "rlimits",
    "tree_kill",
    "network",
    "filesystem",
    "landlock",
    "seccomp",
    "user",
    "cgroup",
    "environment",
)
DEFAULT_REQUIRED = frozenset({"network", "filesystem", "tree_kill", "environment"})


class SandboxPolicy(BaseModel):
    """The layers a run must have (``required``) and any it deliberately skips (``disabled``).

    A disabled layer is reported as ``disabled``; disabling a required layer refuses the
    run unless ``allow_degraded`` is given (useful to measure one layer's cost).
    """

    required: frozenset[str] = Field(default=DEFAULT_REQUIRED)
    disabled: frozenset[str] = Field(default_factory=frozenset)

    @field_validator("required", "disabled")
    @classmethod
    def _known(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(set(value) - set(LAYERS))
        if unknown:
            raise ValueError(f"unknown layer(s) {unknown}; known: {list(LAYERS)}")
        return frozenset(value)


def plan_layers(available: list[LayerStatus], policy: SandboxPolicy) -> list[LayerStatus]:
    """The layers this run will use: what the machine offers minus what the policy disables."""
    out = []
    for layer in available:
        if layer.name in policy.disabled:
            out.append(LayerStatus(name=layer.name, status="disabled", reason="disabled by policy"))
        else:
            out.append(layer)
    return out


def refusal(layers: list[LayerStatus], policy: SandboxPolicy) -> str | None:
    """``"<layer>: <reason>"`` for the first required layer that is not active, else None."""
    for layer in layers:
        if layer.name in policy.required and layer.status != "active":
            return f"{layer.name}: {layer.reason or layer.status}"
    return None


def active(layers: list[LayerStatus]) -> frozenset[str]:
    """Names of the active layers."""
    return frozenset(layer.name for layer in layers if layer.status == "active")
