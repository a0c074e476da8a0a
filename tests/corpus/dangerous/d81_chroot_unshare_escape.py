# expect: block
# Classic chroot break-out: chroot into a subdir, climb with '..', chroot to the real root.
import os

os.makedirs("jail", exist_ok=True)
fd = os.open("/", os.O_RDONLY)
os.chroot("jail")
os.fchdir(fd)
for _ in range(64):
    os.chdir("..")
os.chroot(".")
os.execl("/bin/sh", "sh")
