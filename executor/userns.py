"""Whether an ordinary user may create the user namespace the rootless executor needs,
and, where the kernel forbids it, the exact setting that would allow it."""

from __future__ import annotations

import os

PROFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apparmor", "airlock-python")
_KNOBS = (
    ("/proc/sys/kernel/unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone=1"),
    ("/proc/sys/user/max_user_namespaces", "0", "user.max_user_namespaces=15000"),
)
_APPARMOR = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def remedy() -> str:
    """What to change so that unprivileged user namespaces work here (one sentence)."""
    for path, off, fix in _KNOBS:
        if _read(path) == off:
            return (
                f"unprivileged user namespaces are off: run `sudo sysctl -w {fix}` (or run as root)"
            )
    if _read(_APPARMOR) == "1":
        return (
            "AppArmor restricts unprivileged user namespaces: install the profile shipped at "
            f"{PROFILE} (`sudo install -m 644 {PROFILE} /etc/apparmor.d/ && sudo apparmor_parser "
            "-r /etc/apparmor.d/airlock-python`), or run `sudo sysctl -w "
            "kernel.apparmor_restrict_unprivileged_userns=0` (or run as root)"
        )
    return "this kernel or container refuses unprivileged user namespaces: run as root, or allow them (e.g. docker --security-opt seccomp=unconfined)"
