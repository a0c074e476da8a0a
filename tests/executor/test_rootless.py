"""The rootless executor: an ordinary user's run gets its own user namespace and every
namespace layer in it, holds no capability, and is refused with the exact remedy where
the kernel forbids unprivileged user namespaces. (`.ci/run` runs this suite as an
ordinary user too; as root the user-namespace cases skip with the reason.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from executor_support import need

from airlock.executor import run, settings, userns
from airlock.executor.probe import probe_layers

pytestmark = pytest.mark.timeout(60)
ordinary = pytest.mark.skipif(
    os.geteuid() == 0, reason="root needs no user namespace: `.ci/run` runs this as a user"
)

STATUS = (
    "import os\n"
    "s = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines())\n"
    "print(s['CapEff'].strip(), s['CapBnd'].strip(), s['CapPrm'].strip())\n"
    "print(open('/proc/self/uid_map').read().split())\n"
    "print(os.getuid(), os.getpid())\n"
)


@ordinary
def test_every_namespace_layer_is_active_for_an_ordinary_user() -> None:
    active = {layer.name for layer in probe_layers() if layer.status == "active"}
    assert {"tree_kill", "network", "filesystem", "landlock", "seccomp"} <= active, probe_layers()


@ordinary
@need("tree_kill", "filesystem")
def test_the_program_holds_no_capability_and_only_its_own_uid() -> None:
    r = run(STATUS)
    assert r.exit_code == 0, r.stderr
    caps, uid_map, ids = r.stdout.splitlines()
    assert caps.split() == ["0000000000000000"] * 3
    uid = str(os.getuid())
    assert eval(uid_map) == [uid, uid, "1"]  # one id mapped: the caller's, onto itself
    assert ids.split() == [uid, "2"]  # PID 1 is init, the program is 2


@ordinary
@need("filesystem")
def test_the_workdir_is_a_bounded_tmpfs_the_host_never_sees() -> None:
    code = (
        "import os\nst = os.statvfs('.')\n"
        "print(st.f_blocks * st.f_frsize // (1 << 20), open('/proc/self/mountinfo').read().count(' tmpfs airlock '))\n"
        "open('out.txt', 'w').write('back')\n"
    )
    r = run(code)
    assert r.exit_code == 0, r.stderr
    size_mb, mounts = r.stdout.split()
    assert int(size_mb) == r.limits.max_disk_mb and int(mounts) >= 1
    assert [f.content for f in r.files if f.name == "out.txt"] == [b"back"]
    slot_fs = os.path.join(settings.current().state_dir, f"slot-{r.slot}", "fs")
    assert slot_fs not in Path("/proc/self/mountinfo").read_text()  # never mounted on the host
    assert os.listdir(slot_fs) == [] or not os.listdir(os.path.join(slot_fs, "work"))


def test_the_remedy_names_the_setting_that_forbids_user_namespaces(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    knobs = {"/proc/sys/kernel/unprivileged_userns_clone": "0"}
    monkeypatch.setattr(userns, "_read", knobs.get)
    assert "sysctl -w kernel.unprivileged_userns_clone=1" in userns.remedy()
    knobs.clear()
    knobs["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1"
    text = userns.remedy()
    assert userns.PROFILE in text and "apparmor_parser -r" in text
    assert os.path.isfile(userns.PROFILE) and "userns," in Path(userns.PROFILE).read_text()
    knobs.clear()
    knobs["/proc/sys/user/max_user_namespaces"] = "0"
    assert "user.max_user_namespaces=" in userns.remedy()
    knobs.clear()  # control: nothing forbids them, and the text says so differently
    assert "sysctl" not in userns.remedy()
