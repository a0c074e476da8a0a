"""Escape cases: writes and links outside the working directory, persistence, descriptors.

Host-side evidence: the paths themselves (unique names, checked with the host's own
``os.path.exists``/hashes) and the link count of planted files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import sysconfig
import tempfile
from pathlib import Path

import pytest
from escape_hosts import Victim
from escape_proc import Monitor
from escape_support import (
    confined,
    find_named,
    leaked,
    new_marker,
    planted_secret,
    program,
    started,
    unconfined,
)

pytestmark = [pytest.mark.timeout(60)]

WRITE = (
    "for p in {paths!r}:\n"
    "    try:\n"
    "        with open(p, 'a') as f:\n"
    "            f.write('\\n# airlock escape {tag}\\n')\n"
    "        print('WROTE', p)\n"
    "    except OSError as e:\n"
    "        print('denied', p, e)\n"
)


def _digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@pytest.mark.layer("filesystem")
@pytest.mark.parametrize("directory", ["/tmp", "/var/tmp", "/dev/shm", "/root", "/etc"])
def test_write_outside_the_workdir_does_not_reach_the_host(directory: str) -> None:
    if not os.path.isdir(directory) or not os.access(directory, os.W_OK):
        pytest.skip(f"{directory} is not writable by the test process, nothing to prove")
    target = os.path.join(directory, f"airlock-escape-{secrets.token_hex(8)}")
    marker = new_marker()
    try:
        result, _ = confined(marker, WRITE.format(paths=[target], tag=marker))
        started(result, marker)
        assert not os.path.exists(target), f"the sandbox created {target} on the host"
        unconfined(program(marker, WRITE.format(paths=[target], tag=marker)))
        assert os.path.exists(target), "control: the unconfined write did not land"
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)


@pytest.mark.layer("filesystem")
def test_site_packages_pth_and_sitecustomize_are_not_written() -> None:
    purelib = sysconfig.get_paths()["purelib"]
    pth = os.path.join(purelib, f"airlock_escape_{secrets.token_hex(6)}.pth")
    custom = [os.path.join(purelib, n) for n in ("sitecustomize.py", "usercustomize.py")]
    before = {p: _digest(p) for p in custom}
    marker = new_marker()
    try:
        result, _ = confined(marker, WRITE.format(paths=[pth, *custom], tag=marker))
        started(result, marker)
        assert not os.path.exists(pth), "the sandbox planted a .pth in the host's site-packages"
        assert {p: _digest(p) for p in custom} == before, "sitecustomize/usercustomize changed"
        # Control: a .pth whose only line is a comment is inert, so it may really be written.
        unconfined(program(marker, WRITE.format(paths=[pth], tag=marker)))
        assert os.path.exists(pth)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pth)
    # Control for the hash check, on copies (never the real sitecustomize of this interpreter).
    with tempfile.TemporaryDirectory() as tmp:
        copies = [os.path.join(tmp, os.path.basename(p)) for p in custom]
        unconfined(program(marker, WRITE.format(paths=copies, tag=marker)))
        assert all(_digest(c) != before[p] for c, p in zip(copies, custom, strict=True))


@pytest.mark.layer("filesystem")
def test_host_bashrc_is_not_modified() -> None:
    bashrc = os.path.join(os.path.expanduser("~"), ".bashrc")
    before = _digest(bashrc)
    marker = new_marker()
    result, _ = confined(marker, WRITE.format(paths=[bashrc], tag=marker))
    started(result, marker)
    assert _digest(bashrc) == before, f"the sandbox modified {bashrc}"
    with tempfile.TemporaryDirectory() as tmp:  # control on a copy: the check sees an append
        copy = os.path.join(tmp, ".bashrc")
        if before is not None:
            shutil.copyfile(bashrc, copy)
        unconfined(program(marker, WRITE.format(paths=[copy], tag=marker)))
        assert _digest(copy) != before


@pytest.mark.layer("filesystem")
def test_workdir_parent_and_leftovers_stay_out_of_the_host() -> None:
    name = f"airlock-escape-{secrets.token_hex(8)}"
    body = (
        "import os\n"
        f"open('leftover-{name}', 'w').write('left')\n"
        f"for p in ('../{name}', os.path.join(os.path.dirname(os.getcwd()), '{name}')):\n"
        "    try:\n        open(p, 'w').write('x'); print('WROTE', p)\n"
        "    except OSError as e:\n        print('denied', p, e)\n"
    )
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    assert any(f.name == f"leftover-{name}" for f in result.files), "outputs did not come back"
    assert find_named(name) == [], "the sandbox wrote into its workdir's parent"
    assert find_named(f"leftover-{name}") == [], "the workdir was not removed"
    with tempfile.TemporaryDirectory(prefix="airlock-control-") as tmp:
        os.mkdir(os.path.join(tmp, "work"))
        unconfined(program(marker, body), cwd=os.path.join(tmp, "work"))
        assert find_named(name) and find_named(f"leftover-{name}")


@pytest.mark.layer("filesystem")
def test_symlinks_out_of_the_workdir_do_not_bring_host_files_back() -> None:
    with planted_secret() as (secret, token):
        body = (
            "import os\n"
            f"os.symlink({str(secret)!r}, 'leak.txt')\n"
            f"os.symlink({str(secret.parent)!r}, 'leakdir')\n"
            "os.symlink('/etc/passwd', 'passwd.txt')\n"
        )
        marker = new_marker()
        result, _ = confined(marker, body)
        started(result, marker)
        assert not leaked(token, result), "a symlink brought a host secret back in the result"
        # Control: a naive collector that follows links does pick the secret up.
        with tempfile.TemporaryDirectory() as tmp:
            unconfined(program(marker, body), cwd=tmp)
            naive = b"".join(p.read_bytes() for p in Path(tmp).rglob("*") if p.is_file())
            assert token.encode() in naive


@pytest.mark.layer("filesystem")
def test_hardlink_to_a_host_file_is_refused() -> None:
    secret_dir = tempfile.mkdtemp(prefix="airlock-secret-")  # same filesystem as /tmp workdirs
    try:
        with planted_secret(secret_dir) as (secret, token):
            body = (
                f"import os, time\ntry:\n    os.link({str(secret)!r}, 'hard.txt')\n"
                "except OSError as e:\n    print('denied', e)\ntime.sleep(0.3)\n"
            )
            marker = new_marker()
            with Monitor(marker) as mon:
                result, _ = confined(marker, body)
            started(result, marker)
            assert mon.seen
            assert not leaked(token, result), "the hard link carried the host file's content out"
            assert os.stat(secret).st_nlink == 1
            with tempfile.TemporaryDirectory(dir=os.path.dirname(secret_dir)) as tmp:
                unconfined(program(marker, body), cwd=tmp)
                assert os.stat(secret).st_nlink == 2, "control: the hard link was not made"
    finally:
        shutil.rmtree(secret_dir, ignore_errors=True)


@pytest.mark.layer("filesystem")
def test_write_through_another_process_cwd_link(victim: Victim) -> None:
    name = f"airlock-escape-{secrets.token_hex(8)}"
    target = f"/proc/{victim.pid}/cwd/{name}"
    marker = new_marker()
    result, _ = confined(marker, WRITE.format(paths=[target], tag=marker))
    started(result, marker)
    landed = os.path.join(victim.cwd, name)
    assert not os.path.exists(landed), "the sandbox wrote into a host process's cwd"
    unconfined(program(marker, WRITE.format(paths=[target], tag=marker)))
    assert os.path.exists(landed)


def test_inherited_descriptor_is_not_writable() -> None:
    fd, path = tempfile.mkstemp(prefix="airlock-inherit-")
    try:
        os.set_inheritable(fd, True)
        st = os.fstat(fd)
        body = (
            "import os\n"
            "for fd in range(3, 4096):\n"
            "    try:\n        s = os.fstat(fd)\n    except OSError:\n        continue\n"
            f"    if (s.st_dev, s.st_ino) == ({st.st_dev}, {st.st_ino}):\n"
            "        os.write(fd, b'escaped'); print('WROTE', fd)\n"
        )
        marker = new_marker()
        result, _ = confined(marker, body)
        started(result, marker)
        assert os.path.getsize(path) == 0, "the run wrote through a descriptor of its caller"
        unconfined(program(marker, body), pass_fds=(fd,))
        assert os.path.getsize(path) > 0
    finally:
        os.close(fd)
        os.unlink(path)
