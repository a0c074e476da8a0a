"""What this machine can provide: one LayerStatus per layer, probed once and cached.

``unavailable(...)`` overrides the probe for a block of code, so refusal and degraded
runs can be exercised without touching the kernel.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator

from airlock.executor import cgroups, landlock, namespaces, seccomp, syscalls, user, userns
from airlock.executor.models import LayerStatus

_overrides: dict[str, str] = {}


def rootless() -> bool:
    """Whether runs go through an own user namespace (the caller is not root)."""
    return os.geteuid() != 0


def _try_overlay(base: str) -> None:
    """The run's own inodes (own_inodes.py) need a read-only overlay; raise if refused."""
    for name in ("lower", "empty", "view"):
        os.mkdir(os.path.join(base, name))
    opts = f"lowerdir={base}/lower:{base}/empty"
    try:
        syscalls.mount("probe", f"{base}/view", "overlay", syscalls.MS_RDONLY, opts)
    except OSError as exc:
        raise OSError(exc.errno, f"overlayfs unavailable ({exc.strerror})") from None


def _try_namespaces() -> dict[str, str | None]:
    """Fork a throwaway child that tries each namespace; maps flag name -> failure or None.
    Not root, it enters a user namespace first (as the helper will); "userns" says whether
    that worked."""
    tests = {
        "pid": syscalls.CLONE_NEWPID | syscalls.CLONE_NEWIPC | syscalls.CLONE_NEWUTS,
        "net": syscalls.CLONE_NEWNET,
        "mnt": syscalls.CLONE_NEWNS,
    }
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            results = []
            if rootless():
                try:
                    namespaces.enter_user(os.getuid(), os.getgid())
                    results.append("userns=")
                except OSError as exc:
                    results.append(f"userns={exc.strerror or exc}")
            for name, flag in tests.items():
                try:
                    syscalls.unshare(flag)
                    if name == "mnt":
                        syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)
                        syscalls.mount("probe", "/mnt", "tmpfs", 0, "size=4k")
                        _try_overlay("/mnt")
                    results.append(f"{name}=")
                except OSError as exc:
                    results.append(f"{name}={exc.strerror or exc}")
            os.write(w, "\n".join(results).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        text = f.read().decode()
    with contextlib.suppress(ChildProcessError):  # the caller may ignore SIGCHLD
        os.waitpid(pid, 0)
    found: dict[str, str | None] = {name: "probe failed" for name in tests}
    found["userns"] = "probe failed" if rootless() else None
    for line in text.splitlines():
        name, _, err = line.partition("=")
        found[name] = err or None
    if rootless() and any(found.values()):  # a refused namespace: say what would allow it
        why = userns.remedy()
        for name in tests:
            if found[name]:
                found[name] = f"{found[name]}; {why}"
    return found


@functools.cache
def _probe() -> tuple[LayerStatus, ...]:
    def status(name: str, reason: str | None, detail: str | None = None) -> LayerStatus:
        if reason:
            return LayerStatus(name=name, status="unavailable", reason=reason)
        return LayerStatus(name=name, status="active", reason=detail)

    ns = _try_namespaces()
    abi = landlock.abi_version()
    if ns["userns"]:  # not root, and no user namespace: nothing else can be created
        ns = {k: f"no user namespace ({ns['userns']})" for k in ns}
    fs_reason = ns["mnt"] and f"no private mount namespace ({ns['mnt']})"
    pid_reason = ns["pid"] and f"no PID namespace ({ns['pid']}); session kill only"
    own = " (in an own user namespace)" if rootless() else ""
    user_reason = user.available()
    user_detail = None if user_reason else f"per-slot uid from {user.uid_base()}"
    cgroup_reason = None if cgroups.usable() else cgroups.available()
    if cgroup_reason and rootless():
        cgroup_reason += (
            "; fallback: memory held by the data rlimit, processes by RLIMIT_NPROC counted "
            "in the run's user namespace"
        )
    return (
        status("rlimits", None),
        status("tree_kill", pid_reason, f"PID namespace + session kill{own}"),
        status(
            "network",
            ns["net"] and f"no network namespace ({ns['net']})",
            f"network namespace{own}",
        ),
        status("filesystem", fs_reason, f"private mount namespace + bounded tmpfs{own}"),
        status("landlock", landlock.available(), f"ABI {abi}"),
        status("seccomp", seccomp.available(), f"BPF filter ({syscalls.MACHINE})"),
        status("user", user_reason, user_detail),
        status("cgroup", cgroup_reason, None if cgroup_reason else cgroups.describe()),
        status("environment", None),
    )


def probe_layers() -> list[LayerStatus]:
    """The layers this machine can provide (probed once per process)."""
    layers = []
    for layer in _probe():
        if layer.name in _overrides:
            layer = LayerStatus(
                name=layer.name, status="unavailable", reason=_overrides[layer.name]
            )
        layers.append(layer)
    return layers


@contextlib.contextmanager
def unavailable(**reasons: str) -> Iterator[None]:
    """Within the block, report the named layers as unavailable with these reasons."""
    saved = dict(_overrides)
    _overrides.update(reasons)
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(saved)
