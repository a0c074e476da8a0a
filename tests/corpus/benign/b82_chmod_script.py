# expect: allow
import os, stat
with open("run.sh", "w") as f:
    f.write("#!/bin/sh\necho hello\n")
os.chmod("run.sh", os.stat("run.sh").st_mode | stat.S_IXUSR)
