"""File-system layer: a size- and inode-bounded tmpfs workdir and a private mount namespace.

The parent mounts one tmpfs per slot (``<slot>/fs``) holding the working directory, the
child's ``/tmp`` and ``/dev/shm``, so all three share one disk and inode budget. Inside
the child's mount namespace every top-level directory Python does not need is covered by
an empty tmpfs, /etc by a tmpfs holding only what Python and libc read there, /dev by a
tmpfs holding only null, zero, full, random and urandom, and the few paths the run needs
(interpreter prefix, site-packages, workdir) are bind-mounted back, read-only but the workdir.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import stat
import time
from dataclasses import dataclass

from airlock.executor import identity, own_inodes, private_paths, syscalls

KEEP_TOP = frozenset(
    {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc"}
)
# What Python and libc read from /etc (and the alternatives links of /usr/bin). The child's
# /etc is a tmpfs holding only these: shadow, ssh keys, pip.conf tokens, proxy credentials
# in /etc/environment, machine-id stay out whatever the uid and with or without Landlock.
ETC_KEEP = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd",
    "group", "nsswitch.conf", "host.conf", "resolv.conf", "gai.conf",
    "services", "protocols", "mime.types", "ssl/certs", "ssl/openssl.cnf",
    "ca-certificates", "os-release", "locale.alias", "matplotlibrc", "alternatives",
    "fonts",
)  # fmt: skip
# The child's /dev: a fresh tmpfs with these device nodes bound in (no disk, tty, kvm, fuse,
# tun, ... of the host, whether or not Landlock is there to refuse them) and a few links.
DEVICES = ("null", "zero", "full", "random", "urandom")
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1"}
DEV_LINKS["stderr"] = "/proc/self/fd/2"
HIDE_OPTS = "size=1m,nr_inodes=1024,mode=755"
BIND_RO = syscalls.MS_BIND | syscalls.MS_REMOUNT | syscalls.MS_RDONLY | syscalls.MS_NOSUID
BIND_RW = (
    syscalls.MS_BIND | syscalls.MS_REMOUNT | syscalls.MS_NOSUID | syscalls.MS_NODEV
    | syscalls.MS_NOEXEC
)  # fmt: skip
# Host-global knobs a uid-0 program could otherwise write through the fresh /proc
PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs")


@dataclass(frozen=True)
class Workdir:
    """The slot file system: ``work`` is the code's cwd; ``tmp`` and ``shm`` back /tmp, /dev/shm."""

    root: str
    tmpfs: bool

    @property
    def work(self) -> str:
        return os.path.join(self.root, "work")

    @property
    def tmp(self) -> str:
        return os.path.join(self.root, "tmp")

    @property
    def shm(self) -> str:
        return os.path.join(self.root, "shm")


@dataclass(frozen=True)
class MountPlan:
    """What the child's private mount namespace looks like."""

    hide_dirs: tuple[str, ...]
    hide_files: tuple[str, ...]
    binds: tuple[tuple[str, str, bool], ...]  # (source, target, read_only)
    devices: tuple[str, ...] = DEVICES
    masks: tuple[str, ...] = ()  # files in the bound view covered with /dev/null afterwards
    private: tuple[str, ...] = ()  # directories covered with an empty read-only tmpfs last
    scratch: str | None = None  # the run's slot tmpfs (holds the overlays' empty lower)


# Where the caller's site-packages appear inside (under /run, which the view empties), so
# that the venv's host path (a home directory, a checkout) is not shown to the program.
SITE_VIEW = "/run/airlock-site"
# Files in a site-packages directory that name host paths: editable-install finders and
# .pth files (the checkout), and direct_url.json (where a package was installed from).
SITE_MASKS = ("__editable__*", "*.pth", "*.egg-link", "*.dist-info/direct_url.json")


# A site directory's masks are listed again whenever the directory changed (an install adds
# or removes entries) and while it changed less than SETTLE_NS ago: an installer writes a new
# .dist-info's files just after making it, which does not touch the site directory again.
SETTLE_NS = 2_000_000_000
_masks: dict[str, tuple[tuple[int, int, int], tuple[str, ...]]] = {}


def site_masks(real: str) -> tuple[str, ...]:
    """The files of ``real`` (a site directory) matching SITE_MASKS: regular files only."""
    try:
        st = os.stat(real)
    except OSError:
        return ()
    key = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    cached = _masks.get(real)
    if cached is not None and cached[0] == key:
        return cached[1]
    found = _list_masks(real)
    if time.time_ns() - st.st_mtime_ns > SETTLE_NS:
        _masks[real] = (key, found)
    return found


def _list_masks(real: str) -> tuple[str, ...]:
    import fnmatch  # only when a plan is made: the spawner never needs it

    tops = [p for p in SITE_MASKS if "/" not in p]
    nested = [p.split("/", 1) for p in SITE_MASKS if "/" in p]
    found: set[str] = set()
    with os.scandir(real) as entries:
        for entry in entries:
            top = any(fnmatch.fnmatchcase(entry.name, p) for p in tops)
            if top and entry.is_file(follow_symlinks=False):
                found.add(entry.path)
            for parent, name in nested:
                if fnmatch.fnmatchcase(entry.name, parent) and entry.is_dir():
                    path = os.path.join(entry.path, name)
                    with contextlib.suppress(OSError):
                        if stat.S_ISREG(os.lstat(path).st_mode):
                            found.add(path)
    return tuple(sorted(found))


WORK_VIEW = "/run/airlock-work"  # where the program sees its working directory


def work_view(wd: Workdir) -> str:
    """The path the program sees for its workdir: a generic one (no slot or state path)
    when /run is there to hold it, else its own."""
    if not os.path.isdir("/run") or os.path.islink("/run"):
        return wd.work
    return WORK_VIEW


def site_view(site_dirs: tuple[str, ...]) -> tuple[str, ...]:
    """The paths the program sees for ``site_dirs`` (their own when /run is not there)."""
    if not os.path.isdir("/run") or os.path.islink("/run"):
        return site_dirs
    return tuple(f"{SITE_VIEW}/{i}" for i in range(len(site_dirs)))


def create_workdir(
    slot_path: str, disk_mb: int, inodes: int, uid: int, gid: int, tmpfs: bool
) -> Workdir:
    """Mount (or make) a fresh slot file system owned by uid:gid."""
    wd = Workdir(os.path.join(slot_path, "fs"), tmpfs)
    remove_workdir(Workdir(wd.root, tmpfs=False))  # whatever a crashed run left behind
    os.makedirs(wd.root, exist_ok=True)
    os.chmod(wd.root, 0o711)
    if tmpfs:
        flags = syscalls.MS_NOSUID | syscalls.MS_NODEV | syscalls.MS_NOEXEC
        opts = f"size={disk_mb}m,nr_inodes={inodes},mode=711"
        syscalls.mount("airlock", wd.root, "tmpfs", flags, opts)
    for d in (wd.work, wd.tmp, wd.shm):
        os.mkdir(d, 0o700)
        os.chown(d, uid, gid)
    return wd


def remove_workdir(wd: Workdir) -> None:
    """Unmount the slot file system and empty its mount point (tolerates a half-made one).

    The mount point itself is kept: removing a directory on the host's disk costs
    milliseconds, reusing it nothing.
    """
    while os.path.ismount(wd.root):
        try:
            syscalls.umount(wd.root)
        except OSError:
            break
    if not wd.tmpfs and os.path.isdir(wd.root):
        for entry in os.listdir(wd.root):
            path = os.path.join(wd.root, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


@functools.cache
def _host_hidden() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(directories, files) of the host to cover: every top-level entry Python does not need."""
    hide_dirs, hide_files = [], []
    for entry in sorted(os.listdir("/")):
        path = "/" + entry
        if entry in KEEP_TOP or entry == "tmp" or os.path.islink(path):
            continue
        if os.path.isdir(path):
            hide_dirs.append(path)
        elif os.path.isfile(path):
            hide_files.append(path)
    return tuple(hide_dirs), tuple(hide_files)


def plan(
    wd: Workdir, read_only: list[str], site_dirs: tuple[str, ...] = (), view: tuple[str, ...] = ()
) -> MountPlan:
    """The child's mount plan: hide the host, bring back ``read_only`` paths and the workdir,
    and ``site_dirs`` at ``view`` (see site_view) with their host-naming files masked."""
    hide_dirs, hide_files = _host_hidden()
    # The private /tmp and /dev/shm go first: an interpreter or virtualenv that lives under
    # /tmp (a CI checkout, say) is bound back on top of them, and the workdir comes last.
    binds: list[tuple[str, str, bool]] = [(wd.tmp, "/tmp", False)]
    if os.path.isdir("/dev/shm"):
        binds.append((wd.shm, "/dev/shm", False))
    covered = (*hide_dirs, "/tmp", "/dev/shm")
    for path in read_only:
        real = os.path.realpath(path)
        if any(_under(real, d) for d in covered) and os.path.isdir(real):
            binds.append((real, real, True))
    masks: list[str] = []
    for real, seen in zip(site_dirs, view, strict=True):
        if seen != real:
            binds.append((os.path.realpath(real), seen, True))
        masks += (seen + path[len(real) :] for path in site_masks(real))
    binds.append((wd.work, work_view(wd), False))
    needed = (*(src for src, _, _ in binds), *map(os.path.realpath, read_only), *site_dirs)
    private_dirs, private_files = private_paths.cover(tuple(needed))
    shown = [f"/{d}" for d in KEEP_TOP] + [os.path.realpath(src) for src, _, ro in binds if ro]
    shown += [os.path.realpath(d) for d in site_dirs]

    def visible(paths: tuple[str, ...]) -> tuple[str, ...]:  # the rest is hidden already
        return tuple(p for p in paths if any(_under(p, top) for top in shown))

    private_dirs, private_files = visible(private_dirs), visible(private_files)
    masks += _seen(private_files, site_dirs, view)
    return MountPlan(
        hide_dirs,
        hide_files,
        tuple(binds),
        masks=tuple(masks),
        private=tuple(_seen(private_dirs, site_dirs, view)),
        scratch=wd.root,
    )


def _seen(paths: tuple[str, ...], site_dirs: tuple[str, ...], view: tuple[str, ...]) -> list[str]:
    """Each host path where the run sees it: itself, and inside a site dir's view."""
    out = list(paths)
    for path in paths:
        for real, seen in zip(site_dirs, view, strict=True):
            real = os.path.realpath(real)
            if seen != real and _under(path, real):
                out.append(seen + path[len(real) :])
    return out


def apply(mp: MountPlan) -> None:
    """Build the private view; the caller must already be in a new mount namespace.

    Everything but the workdir, /tmp and /dev/shm ends up read-only, so a program that
    stays uid 0 (no user layer) cannot write a host file its uid owns even without Landlock.
    """
    syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)
    if mp.scratch is not None:  # the run's own inodes for every host file it sees
        shown = [f"/{d}" for d in sorted(KEEP_TOP - {"proc"}) if not os.path.islink(f"/{d}")]
        shown += [src for src, _, read_only in mp.binds if read_only]
        own_inodes.cover(shown, os.path.join(mp.scratch, "lower"))
    sources = {src: os.open(src, os.O_PATH | os.O_CLOEXEC) for src, _, _ in mp.binds}
    devices = [(d, os.open(f"/dev/{d}", os.O_PATH | os.O_CLOEXEC)) for d in mp.devices]
    etc = _open_kept("/etc", ETC_KEEP)
    flags = syscalls.MS_NOSUID | syscalls.MS_NODEV
    for d in mp.hide_dirs:
        syscalls.mount("airlock-hidden", d, "tmpfs", flags, HIDE_OPTS)
    for f in mp.hide_files:
        syscalls.mount("/dev/null", f, None, syscalls.MS_BIND)
    _minimal_dev(devices)
    _rebuild("/etc", etc)
    identity.write_etc()  # hosts, hostname, cmdline, boot id: generic
    for _, target, _ in mp.binds:
        if not os.path.isdir(target):
            os.makedirs(target, 0o755)
    _read_only_tree("/")
    for src, target, read_only in mp.binds:
        if not os.path.isdir(target):  # under a bind made just before (an interpreter in /tmp)
            os.makedirs(target, 0o755)
        syscalls.mount(
            f"/proc/self/fd/{sources[src]}", target, None, syscalls.MS_BIND | syscalls.MS_REC
        )
        syscalls.mount(None, target, None, BIND_RO if read_only else BIND_RW)
    for fd in sources.values():
        os.close(fd)
    for path in mp.masks:
        with contextlib.suppress(FileNotFoundError):  # removed since the plan was made
            syscalls.mount("/dev/null", path, None, syscalls.MS_BIND)
    for d in mp.private:  # the store's directory, wherever it lies (private_paths)
        if os.path.isdir(d):
            syscalls.mount("airlock-private", d, "tmpfs", flags | syscalls.MS_RDONLY, HIDE_OPTS)


def _read_only_tree(path: str) -> None:
    """Make every mount at and beneath ``path`` read-only and nosuid."""
    try:
        syscalls.mount_setattr_tree(path, syscalls.MOUNT_ATTR_RDONLY | syscalls.MOUNT_ATTR_NOSUID)
        return
    except OSError as exc:
        if exc.errno != errno.ENOSYS:  # a kernel before 5.12: one remount per mount
            raise
    with open("/proc/self/mountinfo") as f:
        rows = [line.split() for line in f]
    for row in rows:
        target = row[4].encode().decode("unicode_escape")
        if _under(target, path):
            extra = {"nodev": syscalls.MS_NODEV, "noexec": syscalls.MS_NOEXEC}
            keep = sum(v for k, v in extra.items() if k in row[5].split(","))
            syscalls.mount(None, target, None, BIND_RO | keep)


def _open_kept(base: str, names: tuple[str, ...]) -> list[tuple[str, str | int]]:
    """(name, symlink target or O_PATH fd) for each of ``names`` that exists under ``base``."""
    kept: list[tuple[str, str | int]] = []
    for name in names:
        path = os.path.join(base, name)
        if os.path.islink(path):
            kept.append((name, os.readlink(path)))
        elif os.path.exists(path):
            kept.append((name, os.open(path, os.O_PATH | os.O_CLOEXEC)))
    return kept


def _rebuild(base: str, kept: list[tuple[str, str | int]]) -> None:
    """Cover ``base`` with an empty tmpfs and put the kept entries back (bound or linked)."""
    syscalls.mount("airlock-etc", base, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, HIDE_OPTS)
    for name, what in kept:
        path = os.path.join(base, name)
        os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
        if isinstance(what, str):
            os.symlink(what, path)
            continue
        if stat.S_ISDIR(os.fstat(what).st_mode):
            os.mkdir(path, 0o755)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
        syscalls.mount(f"/proc/self/fd/{what}", path, None, syscalls.MS_BIND | syscalls.MS_REC)
        os.close(what)


def _minimal_dev(devices: list[tuple[str, int]]) -> None:
    """Cover /dev with an empty tmpfs, then bind the allowed nodes (opened before) back."""
    flags = syscalls.MS_NOSUID | syscalls.MS_NOEXEC
    syscalls.mount("airlock-dev", "/dev", "tmpfs", flags, HIDE_OPTS)
    for name, fd in devices:
        os.close(os.open(f"/dev/{name}", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666))
        syscalls.mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, syscalls.MS_BIND)
        os.close(fd)
    for name, target in DEV_LINKS.items():
        os.symlink(target, f"/dev/{name}")


def mount_proc() -> None:
    """A fresh /proc for the new PID namespace (hidepid=2 hides other users' processes),
    its host-wide knobs (sysctls, sysrq, irq affinity) bound over themselves read-only."""
    flags = syscalls.MS_NOSUID | syscalls.MS_NODEV | syscalls.MS_NOEXEC
    syscalls.mount("proc", "/proc", "proc", flags, "hidepid=2")
    for path in PROC_READ_ONLY:
        if os.path.exists(path):
            syscalls.mount(path, path, None, syscalls.MS_BIND | syscalls.MS_REC)
            syscalls.mount(None, path, None, BIND_RO | flags)
