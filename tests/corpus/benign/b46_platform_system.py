# expect: allow
import os
import platform
import sys

info = {
    "system": platform.system(),
    "release": platform.release(),
    "machine": platform.machine(),
    "python": sys.version.split()[0],
    "sep": os.sep,
    "cpus": os.cpu_count(),
}
width = max(len(k) for k in info)
for key, value in info.items():
    print(f"{key:<{width}} : {value}")
