"""The executor's environment settings, read when a run asks for them (never at import).

=========================  ==================================  ================================
variable                   default                             meaning
=========================  ==================================  ================================
AIRLOCK_SLOTS              64                                  size of the slot pool: runs at
                                                               once, across every process
AIRLOCK_STATE_DIR          /run/airlock as root, else          where slot locks and workdirs
                           <tempdir>/airlock-<uid>             live (not under /tmp)
AIRLOCK_STANDBY            2                                   idle slots one process keeps,
                                                               each with a standby helper;
                                                               0 (or not a number) turns
                                                               standbys off
AIRLOCK_SPAWNER            auto                                how helpers start: ``fork``
                                                               (from the caller), ``zygote``
                                                               (from the spawner process) or
                                                               ``auto`` (by caller size and
                                                               run count; see launch.start)
AIRLOCK_ZYGOTE_ABOVE_MB    64                                  in ``auto`` mode, a caller whose
                                                               resident memory exceeds this
                                                               many MiB uses the spawner
AIRLOCK_CGROUP_ROOT        /sys/fs/cgroup                      where the cgroup hierarchies
                                                               are mounted (v2 there or in
                                                               ``unified/``, v1 per controller)
AIRLOCK_UID_BASE           60000                               slot N runs as uid and gid
                                                               UID_BASE + N (as root)
AIRLOCK_WARM               0                                   warm interpreters ``run`` keeps
                                                               ready (warm.py); 0 (or not a
                                                               number) turns the pool off
AIRLOCK_WARM_MODULES       numpy,pandas,matplotlib.pyplot      what each warm interpreter
                                                               imports (those installed)
=========================  ==================================  ================================

``current()`` reads them afresh on every call, so a change takes effect on the next run;
the layer probe (once per process) checks the uid base in force when it runs. The
spawner process never reads them: it is started with a bare environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

VARIABLES = {
    "slots": "AIRLOCK_SLOTS",
    "state_dir": "AIRLOCK_STATE_DIR",
    "standby": "AIRLOCK_STANDBY",
    "spawner": "AIRLOCK_SPAWNER",
    "zygote_above_mb": "AIRLOCK_ZYGOTE_ABOVE_MB",
    "cgroup_root": "AIRLOCK_CGROUP_ROOT",
    "uid_base": "AIRLOCK_UID_BASE",
    "warm": "AIRLOCK_WARM",
    "warm_modules": "AIRLOCK_WARM_MODULES",
}


class SettingsError(ValueError):
    """A variable is set to a value the executor cannot use."""


@dataclass(frozen=True)
class Settings:
    """One reading of the executor's variables (see the module docstring)."""

    slots: int = 64
    state_dir: str = ""  # resolved by current(): the default depends on the user
    standby: int = 2
    spawner: str = "auto"
    zygote_above_mb: float = 64.0
    cgroup_root: str = "/sys/fs/cgroup"
    uid_base: int = 60000
    warm: int = 0
    warm_modules: str = "numpy,pandas,matplotlib.pyplot"


def _state_dir() -> str:
    path = os.environ.get(VARIABLES["state_dir"])
    if path is not None:
        return path
    if os.geteuid() == 0:
        return "/run/airlock"
    import tempfile  # read by callers only: the spawner need not load tempfile

    return os.path.join(tempfile.gettempdir(), f"airlock-{os.getuid()}")


def _raw(field: str, default: object) -> str:
    return os.environ.get(VARIABLES[field], str(default))


def _int(field: str, default: int, low: int) -> int:
    raw = _raw(field, default)
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{VARIABLES[field]}={raw!r} is not an integer") from None
    if value < low:
        raise SettingsError(f"{VARIABLES[field]}={raw!r} is below {low}")
    return value


def _float(field: str, default: float) -> float:
    raw = _raw(field, default)
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{VARIABLES[field]}={raw!r} is not a number") from None


def _optional_count(field: str, default: int) -> int:
    try:
        return max(0, int(_raw(field, default)))
    except ValueError:
        return 0  # an optimisation: an unreadable count turns it off


_last: tuple[tuple[object, ...], Settings] | None = None


def current() -> Settings:
    """The settings in force now; raises SettingsError for an unusable number.

    A run reads them several times: the last reading is reused while none of the
    variables (nor the effective uid, which picks the default state directory) changed."""
    global _last
    key = (os.geteuid(), *map(os.environ.get, VARIABLES.values()))
    last = _last
    if last is not None and last[0] == key:
        return last[1]
    value = _read()
    _last = (key, value)
    return value


def _read() -> Settings:
    return Settings(
        slots=_int("slots", Settings.slots, 1),
        state_dir=_state_dir(),
        standby=_optional_count("standby", Settings.standby),
        spawner=_raw("spawner", Settings.spawner),
        zygote_above_mb=_float("zygote_above_mb", Settings.zygote_above_mb),
        cgroup_root=_raw("cgroup_root", Settings.cgroup_root),
        uid_base=_int("uid_base", Settings.uid_base, 0),
        warm=_optional_count("warm", Settings.warm),
        warm_modules=_raw("warm_modules", Settings.warm_modules),
    )
