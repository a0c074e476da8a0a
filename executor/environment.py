"""Scrubbed-environment layer: the child sees only what the run was given."""

from __future__ import annotations

from collections.abc import Mapping

BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def validate(env: Mapping[str, str] | None) -> dict[str, str]:
    """Check caller-supplied variables; raises ValueError on names or values execve rejects."""
    out: dict[str, str] = {}
    for key, value in (env or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"environment entries must be str: {key!r}")
        if not key or "=" in key or "\0" in key or "\0" in value:
            raise ValueError(f"invalid environment variable name or value: {key!r}")
        out[key] = value
    return out


def build(env: Mapping[str, str], workdir: str, tmpdir: str = "/tmp") -> dict[bytes, bytes]:
    """The child's complete environment, encoded for execve."""
    merged = {
        "PATH": BASE_PATH,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": tmpdir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        # caches the runtime writes for itself (matplotlib's font list, fontconfig's cache)
        # go to the private /tmp: they neither count against nor come back as output files
        "XDG_CACHE_HOME": f"{tmpdir}/.cache",
        "MPLCONFIGDIR": f"{tmpdir}/.matplotlib",
    }
    merged.update(env)
    return {_enc(k): _enc(v) for k, v in merged.items()}


def _enc(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
