"""Escape cases: floods of the disk, of inodes and of memory-backed files.

Host-side evidence: the sizes of the files the running program holds open and the entries
of its working directory, read through /proc/<pid>/fd and /proc/<pid>/cwd.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import pytest
from escape_proc import Monitor
from escape_support import confined, new_marker, program, small_limits, started, unconfined

pytestmark = [pytest.mark.timeout(60)]


DISK_FILL = (
    "import time\nn = 0\nchunk = b'z' * (1 << 20)\n"
    "try:\n"
    "    f = open('fill.bin', 'wb', buffering=0)\n"
    "    while n < 1024:\n        f.write(chunk); n += 1\n"
    "except OSError as e:\n    print('stopped', n, e, flush=True)\n"
    "time.sleep(0.5)\n"
)


@pytest.mark.layer("filesystem")
def test_disk_fill_stops_at_the_disk_limit() -> None:
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, DISK_FILL, limits=small_limits(max_disk_mb=16))
    started(result, marker)
    biggest = max((size for s in mon.samples for size in s.open_file_sizes), default=0)
    assert mon.seen and biggest > 0, "the file was never observed"
    assert biggest <= (16 + 1) << 20, f"the run wrote {biggest >> 20} MB"

    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, DISK_FILL.replace("n < 1024", "n < 24")))
    assert max(size for s in mon.samples for size in s.open_file_sizes) >= 24 << 20


SMALL_FILES = (
    "import time\nn = 0\n"
    "try:\n"
    "    while n < {count}:\n        open(f'f{{n}}', 'w').close(); n += 1\n"
    "except OSError as e:\n    print('stopped', n, e, flush=True)\n"
    "time.sleep(0.5)\n"
)


@pytest.mark.layer("filesystem")
def test_many_small_files_stop_at_the_inode_limit() -> None:
    marker = new_marker()
    with Monitor(marker, deep=True, interval=0.1) as mon:
        result, _ = confined(
            marker, SMALL_FILES.format(count=100_000), limits=small_limits(max_files=512)
        )
    started(result, marker)
    entries = max((s.cwd_entries or 0 for s in mon.samples), default=0)
    assert entries > 0, "the workdir was never observed"
    assert entries <= 512 + 16, f"{entries} files were created"
    assert len(result.files) <= result.limits.max_output_files

    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, SMALL_FILES.format(count=600)))
    assert max(s.cwd_entries or 0 for s in mon.samples) >= 600


SPREAD_FILL = (
    "import os, time\nchunk = b'z' * (1 << 20)\nopen_files = []\n"
    "for d in ('.', '/tmp', '/dev/shm'):\n"
    "    f = open(os.path.join(d, 'spread.bin'), 'wb', buffering=0)\n"
    "    open_files.append(f)\n"
    "    try:\n        for _ in range({mb}):\n            f.write(chunk)\n"
    "    except OSError as e:\n        print('stopped', d, e, flush=True)\n"
    "time.sleep(0.5)\n"
)


@pytest.mark.layer("filesystem")
def test_disk_budget_is_shared_by_workdir_tmp_and_shm() -> None:
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, SPREAD_FILL.format(mb=12), limits=small_limits(max_disk_mb=16))
    started(result, marker)
    total = max((sum(s.open_file_sizes) for s in mon.samples), default=0)
    assert total > 0, "the files were never observed"
    assert total <= (16 + 1) << 20, f"{total >> 20} MB written across workdir, /tmp and /dev/shm"
    control = new_marker()
    with tempfile.TemporaryDirectory() as tmp, Monitor(control, deep=True) as mon:
        unconfined(program(control, SPREAD_FILL.format(mb=8)), cwd=tmp)
    try:
        assert max(sum(s.open_file_sizes) for s in mon.samples) >= 24 << 20
    finally:
        for d in ("/tmp", "/dev/shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(d, "spread.bin"))


MEMFD_FILL = (
    "import os, time\nfd = os.memfd_create('fill')\nchunk = b'm' * (8 << 20)\nn = 0\n"
    "try:\n    while n < {chunks}:\n        os.write(fd, chunk); n += 1\n"
    "except OSError as e:\n    print('stopped', n, e, flush=True)\n"
    "time.sleep(0.5)\n"
)


@pytest.mark.layer("cgroup:memory")
def test_memfd_cannot_bypass_the_memory_and_disk_limits() -> None:
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(
            marker, MEMFD_FILL.format(chunks=128), limits=small_limits(memory_mb=128)
        )
    started(result, marker)
    biggest = max((size for s in mon.samples for size in s.open_file_sizes), default=0)
    assert mon.seen and biggest > 0, "the memfd was never observed"
    assert biggest <= (128 + 16) << 20, f"a memfd held {biggest >> 20} MB"
    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, MEMFD_FILL.format(chunks=8)))
    assert max(size for s in mon.samples for size in s.open_file_sizes) >= 64 << 20
