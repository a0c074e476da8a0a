"""Escape cases: host IPC objects, the controlling terminal, and world-readable host files.

Host-side evidence: SysV objects the test creates (their contents and queues), the bytes
that reach a pseudo-terminal the test owns, and tokens in files outside the allowed roots.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pty
import secrets
import select
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest
from escape_support import (
    confined,
    leaked,
    new_marker,
    program,
    run_options,
    small_limits,
    started,
    unconfined,
)

pytestmark = [pytest.mark.timeout(60)]

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.shmat.restype = ctypes.c_void_p
LIBC.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
LIBC.shmdt.argtypes = [ctypes.c_void_p]
IPC_CREAT, IPC_RMID, IPC_NOWAIT = 0o1000, 0, 0o4000


@pytest.fixture
def shm_segment() -> Iterator[tuple[int, str]]:
    """A world-readable SysV shared memory segment holding a token."""
    token = "SHMTOKEN" + secrets.token_hex(10)
    shmid = LIBC.shmget(0, 4096, IPC_CREAT | 0o666)
    if shmid < 0:
        pytest.skip(f"shmget failed here (errno {ctypes.get_errno()})")
    addr = LIBC.shmat(shmid, None, 0)
    ctypes.memmove(addr, token.encode(), len(token))
    try:
        yield shmid, token
    finally:
        LIBC.shmdt(ctypes.c_void_p(addr))
        LIBC.shmctl(shmid, IPC_RMID, None)


@pytest.mark.layer("pidns")  # the IPC namespace rides with the PID namespace
def test_host_sysv_shared_memory_is_invisible(shm_segment: tuple[int, str]) -> None:
    shmid, token = shm_segment
    body = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.shmat.restype = ctypes.c_void_p\n"
        "libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]\n"
        f"addr = libc.shmat({shmid}, None, 0o10000)\n"  # SHM_RDONLY
        "if addr in (None, ctypes.c_void_p(-1).value):\n    print('denied', ctypes.get_errno())\n"
        "else:\n    print('READ', ctypes.string_at(addr, 64))\n"
    )
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    assert not leaked(token, result), "the run attached the host's shared memory"
    assert token in unconfined(program(marker, body)).stdout


class _MsgBuf(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 64)]


@pytest.mark.layer("pidns")
def test_host_sysv_message_queue_receives_nothing() -> None:
    qid = LIBC.msgget(0, IPC_CREAT | 0o666)
    if qid < 0:
        pytest.skip(f"msgget failed here (errno {ctypes.get_errno()})")
    body = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "class M(ctypes.Structure):\n"
        "    _fields_ = [('mtype', ctypes.c_long), ('mtext', ctypes.c_char * 64)]\n"
        "m = M(1, b'escaped')\n"
        f"print('msgsnd', libc.msgsnd({qid}, ctypes.byref(m), 7, 0o4000), ctypes.get_errno())\n"
    )

    def received() -> bool:
        buf = _MsgBuf()
        return LIBC.msgrcv(qid, ctypes.byref(buf), 64, 0, IPC_NOWAIT) >= 0

    try:
        marker = new_marker()
        result, _ = confined(marker, body)
        started(result, marker)
        assert not received(), "the run sent a message to a host SysV queue"
        unconfined(program(marker, body))
        assert received(), "control: the unconfined message did not arrive"
    finally:
        LIBC.msgctl(qid, IPC_RMID, None)


TTY_ATTACK = (
    "import fcntl, os, termios\n"
    "try:\n"
    "    fd = os.open('/dev/tty', os.O_RDWR)\n"
    "    os.write(fd, b'{token}\\n')\n"
    "    for ch in b'echo {token}\\n':\n"
    "        try:\n            fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))\n"
    "        except OSError as e:\n            print('tiocsti', e); break\n"
    "except OSError as e:\n    print('denied', e)\n"
)


def _through_a_terminal(code: str, confined_run: bool) -> bytes:
    """Run ``code`` from a process whose controlling terminal is a pty we read; its bytes."""
    pid, master = pty.fork()
    if pid == 0:  # child: stays silent itself; only the program could write to the tty
        try:
            if confined_run:
                from airlock.executor import run

                run(code, limits=small_limits(), **run_options())  # type: ignore[arg-type]
            else:
                import subprocess

                subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=20)
        finally:
            os._exit(0)
    seen = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
    os.close(master)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return seen


@pytest.mark.layer("tree_kill")
def test_controlling_terminal_cannot_be_written_or_injected() -> None:
    token = "TTYTOKEN" + secrets.token_hex(8)
    code = program(new_marker(), TTY_ATTACK.format(token=token))
    assert token.encode() not in _through_a_terminal(code, confined_run=True), (
        "the run wrote to (or injected input into) its caller's terminal"
    )
    assert token.encode() in _through_a_terminal(code, confined_run=False)


@pytest.mark.layer("filesystem")
@pytest.mark.parametrize("root", ["/home", "/opt", "/srv", "/mnt", "/var/lib"])
def test_world_readable_files_outside_the_allowed_roots(root: str) -> None:
    if not os.path.isdir(root) or not os.access(root, os.W_OK):
        pytest.skip(f"{root} is absent or not writable by the test, nothing to plant")
    token = "PUBLICTOKEN" + secrets.token_hex(8)
    directory = os.path.join(root, f"airlock-escape-{secrets.token_hex(6)}")
    os.mkdir(directory, 0o755)
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "notes.txt")
    try:
        with open(path, "w") as f:
            f.write(token)
        os.chmod(path, 0o644)
        body = f"try:\n    print(open({path!r}).read())\nexcept OSError as e:\n    print('denied', e)\n"
        marker = new_marker()
        result, _ = confined(marker, body)
        started(result, marker)
        assert not leaked(token, result), f"the run read a world-readable file under {root}"
        assert token in unconfined(program(marker, body)).stdout
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.layer("landlock")
def test_world_readable_config_under_etc_is_not_exposed() -> None:
    """/etc holds world-readable secrets in practice (pip.conf index tokens, proxy
    credentials in /etc/environment); a run needs only what Python uses from /etc.
    (Landlock allows reading only what Python reads there; the mount view holds no more,
    see test_escape_host_view.py.)"""
    if not os.access("/etc", os.W_OK):
        pytest.skip("/etc is not writable by the test, nothing to plant")
    token = "ETCTOKEN" + secrets.token_hex(8)
    directory = f"/etc/airlock-escape-{secrets.token_hex(6)}"
    os.mkdir(directory, 0o755)
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "pip.conf")
    try:
        with open(path, "w") as f:
            f.write(f"[global]\nindex-url = https://user:{token}@pypi.example.com/simple\n")
        os.chmod(path, 0o644)
        body = f"try:\n    print(open({path!r}).read())\nexcept OSError as e:\n    print('denied', e)\n"
        marker = new_marker()
        result, _ = confined(marker, body)
        started(result, marker)
        assert not leaked(token, result), "the run read a world-readable config file in /etc"
        assert token in unconfined(program(marker, body)).stdout
    finally:
        shutil.rmtree(directory, ignore_errors=True)


PERSIST_WRITE = (
    "import ctypes, os\n"
    "for d in ('/tmp', '/dev/shm', '.'):\n"
    "    open(os.path.join(d, 'persist-{token}'), 'w').write('{token}')\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "print('shmget', libc.shmget({key}, 4096, 0o1000 | 0o666))\n"
)
PERSIST_READ = (
    "import ctypes, glob\n"
    "for pattern in ('/tmp/persist-*', '/dev/shm/persist-*', 'persist-*', '/tmp/*/persist-*'):\n"
    "    for p in glob.glob(pattern):\n        print('FOUND', p, open(p).read())\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "print('SHM', libc.shmget({key}, 0, 0))\n"
)


@pytest.mark.layer("filesystem", "pidns")
def test_nothing_persists_from_one_run_to_the_next() -> None:
    token = "PERSIST" + secrets.token_hex(8)
    key = int.from_bytes(secrets.token_bytes(3), "big") + 1
    marker = new_marker()
    first, _ = confined(marker, PERSIST_WRITE.format(token=token, key=key))
    started(first, marker)
    assert "shmget -1" not in first.stdout, "the first run could not even create its objects"
    for _ in range(3):  # later runs, likely on the same slot
        result, _ = confined(marker, PERSIST_READ.format(key=key))
        started(result, marker)
        assert token not in result.stdout, "a file survived into a later run"
        assert "SHM -1" in result.stdout, "a SysV segment survived into a later run"
    # Control: two plain processes on the same host do share /tmp and SysV IPC.
    try:
        with tempfile.TemporaryDirectory() as tmp:
            unconfined(program(marker, PERSIST_WRITE.format(token=token, key=key)), cwd=tmp)
            control = unconfined(program(marker, PERSIST_READ.format(key=key)), cwd=tmp)
        assert token in control.stdout and "SHM -1" not in control.stdout
    finally:
        for d in ("/tmp", "/dev/shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(d, f"persist-{token}"))
        shmid = LIBC.shmget(key, 0, 0)
        if shmid >= 0:
            LIBC.shmctl(shmid, IPC_RMID, None)
