# Annotated examples for the suppression-comment rule (default set).
import os
import subprocess

# ruleid: AIR-SUPP-001
os.system("id")  # nosec
# ruleid: AIR-SUPP-001
subprocess.run("id", shell=True)  # nosec B602
# ruleid: AIR-SUPP-001
os.system("whoami")  # airlock: ignore[AIR-PROC-001]
# ok: AIR-SUPP-001
os.system("uptime")  # runs uptime (no suppression here)
