# expect: allow|review
import os
import signal
import subprocess
import time

proc = subprocess.Popen(["sleep", "30"])
time.sleep(0.5)
os.kill(proc.pid, signal.SIGTERM)
print(proc.wait())
