"""``confine`` is a plain function: it works right after a bare fork, outside ``run``."""

from __future__ import annotations

import os
import sys

import pytest
from executor_support import need

from airlock.executor import landlock, mounts, rlimits, seccomp, syscalls, user
from airlock.executor.confine import ChildPlan, confine, execute
from airlock.executor.models import Limits

pytestmark = pytest.mark.timeout(60)


@need("seccomp", "rlimits")
def test_confine_after_a_bare_fork(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    rules = None
    abi = landlock.abi_version()
    if abi:
        rules = tuple(
            landlock.rules_for(
                ["/usr", "/lib", "/lib64", sys.base_prefix], ["/proc"], [str(tmp_path)], abi
            )
        )
    plan = ChildPlan(
        executable=os.path.realpath(sys._base_executable),  # type: ignore[attr-defined]
        argv=(b"python", b"-I", b"-S", b"-c", b"print(open('/proc/self/status').read())"),
        env={b"PATH": b"/usr/bin"},
        cwd=str(tmp_path),
        stdout_fd=out_w,
        stderr_fd=err_w,
        rlimits=tuple(rlimits.limits_for(Limits())),
        landlock_rules=rules,
        landlock_abi=abi,
        seccomp_filter=seccomp.compile_filter(seccomp.build_filter(syscalls.MACHINE, False)),
        oom_score_adj=None,
    )
    pid = os.fork()
    if pid == 0:
        try:
            confine(plan)
            execute(plan)
        finally:
            os._exit(99)
    os.close(out_w)
    os.close(err_w)
    with os.fdopen(out_r, "rb") as f:
        status = f.read().decode()
    os.close(err_r)
    _, code = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(code) == 0
    assert "Seccomp:\t2" in status and "NoNewPrivs:\t1" in status


@need("filesystem")
@pytest.mark.skipif(
    os.geteuid() != 0, reason="not root: the helper mounts the workdir inside its namespaces"
)
def test_a_stale_slot_mount_is_replaced(tmp_path) -> None:  # type: ignore[no-untyped-def]
    slot = str(tmp_path)
    uid = user.uid_for(0)
    first = mounts.create_workdir(slot, 1, 64, uid, uid, tmpfs=True)
    with open(os.path.join(first.work, "left-over"), "w") as f:
        f.write("x")
    try:
        second = mounts.create_workdir(slot, 1, 64, uid, uid, tmpfs=True)  # as after a crash
        assert os.listdir(second.work) == []
        assert os.stat(second.work).st_uid == uid
    finally:
        mounts.remove_workdir(first)
    assert not os.path.ismount(first.root) and os.listdir(first.root) == []
