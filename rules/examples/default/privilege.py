# Annotated examples for privilege and process-control rules (default set).
import os
import signal
import stat
import subprocess
import ctypes

# ruleid: AIR-PRIV-001
os.setuid(0)
# ruleid: AIR-PRIV-001
os.setresgid(0, 0, 0)
# ok: AIR-PRIV-001
uid = os.getuid()

pid = int(input())
# ruleid: AIR-PRIV-002
os.kill(pid, signal.SIGKILL)
# ok: AIR-PRIV-002
sig_name = signal.Signals(9).name

# ruleid: AIR-PRIV-003
os.kill(-1, signal.SIGKILL)
# ok: AIR-PRIV-003
os.kill(pid, signal.SIGTERM)

libc = ctypes.CDLL(None)
# ruleid: AIR-PRIV-004
libc.ptrace(16, pid, None, None)
# ok: AIR-PRIV-004
libc.getpid()

# ruleid: AIR-PRIV-005
os.chroot("/tmp/jail")
# ok: AIR-PRIV-005
os.chdir("work")

# ruleid: AIR-PRIV-006
subprocess.run(["sudo", "apt-get", "install", "-y", "nmap"])
# ruleid: AIR-PRIV-006
os.system("echo hunter2 | sudo -S id")
# ok: AIR-PRIV-006
word = "pseudo"

# ruleid: AIR-PRIV-007
os.system("chmod u+s /tmp/sh")
# ruleid: AIR-PRIV-007
os.system("chmod 777 /srv/share")
# ok: AIR-PRIV-007
os.system("chmod 644 notes.txt")

# ruleid: AIR-PRIV-008
os.chmod("tool", os.stat("tool").st_mode | stat.S_ISUID)
# ok: AIR-PRIV-008
os.chmod("tool", stat.S_IRUSR | stat.S_IWUSR)

# ruleid: AIR-PRIV-009
open("/etc/sudoers", "a").write("agent ALL=(ALL) NOPASSWD:ALL\n")
# ok: AIR-PRIV-009
motd = open("/etc/motd").read()

# ruleid: AIR-PRIV-010
signal.signal(signal.SIGTERM, signal.SIG_IGN)
# ok: AIR-PRIV-010
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

# ruleid: AIR-PRIV-011
grant = "agent ALL=(ALL) NOPASSWD:ALL"
# ruleid: AIR-PRIV-011
dropin = "/etc/sudoers.d/agent"
# ok: AIR-PRIV-011
passwd_prompt = "password required"

import psutil

# ruleid: AIR-PRIV-012
pids = [p for p in os.listdir("/proc") if p.isdigit()]
# ok: AIR-PRIV-012
entries = os.listdir("data")
# ruleid: AIR-PRIV-013
names = [p.info["name"] for p in psutil.process_iter(["name"])]
# ok: AIR-PRIV-013
mine = psutil.Process().memory_info()
# ok: AIR-PRIV-012
listing = os.listdir(os.path.expanduser("~/projects"))
# ok: AIR-PRIV-006
days = ["sa", "su"]

# Methods of objects built by a resolved constructor are not resolved yet.
# todoruleid: AIR-PRIV-002
psutil.Process(pid).kill()

for entry in os.listdir("/proc"):
    if entry.isdigit():
        # ruleid: AIR-PRIV-014
        os.kill(int(entry), signal.SIGKILL)
for proc in psutil.process_iter(["pid", "name"]):
    # ruleid: AIR-PRIV-014
    os.kill(proc.info["pid"], signal.SIGTERM)
child = subprocess.Popen(["sleep", "5"])
# ok: AIR-PRIV-014
os.kill(child.pid, signal.SIGTERM)

from pathlib import Path

# ruleid: AIR-PRIV-015
os.chmod("/tmp/.sh", 0o4755)
# ruleid: AIR-PRIV-015
Path("/tmp/.sh").chmod(0o6755)
# ok: AIR-PRIV-015
os.chmod("run.sh", 0o755)
# ruleid: AIR-PRIV-007
subprocess.run(["sudo", "-S", "chmod", "u+s", "/usr/local/bin/ls"], input="pw\n", text=True)
# ok: AIR-PRIV-007
subprocess.run(["chmod", "644", "notes.txt"], check=True)

for running in psutil.process_iter(["name"]):
    if running.info["name"] in ("auditd", "osqueryd"):
        # ruleid: AIR-PRIV-016
        running.kill()
worker = subprocess.Popen(["sleep", "5"])
# ok: AIR-PRIV-016
worker.kill()
for kid in psutil.Process().children():
    # ok: AIR-PRIV-016
    kid.terminate()

# ruleid: AIR-PRIV-017
os.system("useradd -o -u 0 -g 0 svc")
# ruleid: AIR-PRIV-017
os.system("echo 'svc::0:0::/root:/bin/sh' >> /etc/passwd")
# ruleid: AIR-PRIV-017
os.system("setenforce 0; systemctl stop auditd")
# ruleid: AIR-PRIV-017
subprocess.run(["sh", "-c", "ufw disable"])
# ok: AIR-PRIV-017
os.system("useradd -m -s /bin/bash builder")
# ok: AIR-PRIV-017
os.system("systemctl restart nginx")

# ruleid: AIR-PRIV-017
subprocess.run(["powershell", "-Command", "Set-MpPreference -DisableRealtimeMonitoring $true"])
# ruleid: AIR-PRIV-017
os.system("vssadmin delete shadows /all /quiet")
# ok: AIR-PRIV-017
subprocess.run(["powershell", "-Command", "Get-MpComputerStatus"])

# ruleid: AIR-PRIV-018
UAC_HIJACK = r"Software\Classes\ms-settings\Shell\Open\command"
# ok: AIR-PRIV-018
FILE_ASSOC = r"Software\Classes\.txt\OpenWithProgids"
# ruleid: AIR-PRIV-017
os.system("taskkill /F /IM MsMpEng.exe")
# ok: AIR-PRIV-017
os.system("taskkill /F /IM notepad.exe")
# ruleid: AIR-PRIV-018
CURVER_REDIRECT = r"Software\Classes\ms-settings\CurVer"
# ok: AIR-PRIV-018
URL_HANDLER = r"Software\Classes\myapp\shell\open\command"
# ruleid: AIR-PRIV-018
helper_module = "WinPwnage"
# ok: AIR-PRIV-018
helper_name = "winpython"
# ruleid: AIR-PRIV-017
os.system(r"REG ADD HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System /v EnableLUA /t REG_DWORD /d 0 /f")
# ruleid: AIR-PRIV-017
os.system('netsh advfirewall firewall add rule name="svc" dir=in action=allow program="C:\\svc.exe" enable=yes')
# ok: AIR-PRIV-017
os.system("netsh advfirewall show allprofiles")
# ruleid: AIR-PRIV-019
os.system("attrib +h +s C:\\Users\\Public\\svc.exe")
# ruleid: AIR-PRIV-019
os.system("powershell \"(Get-Item report.txt).LastWriteTime = '01/01/2019 00:00'\"")
# ok: AIR-PRIV-019
os.system("attrib -r notes.txt")
# ok: AIR-PRIV-019
os.system("touch -d 2024-01-01 build/stamp && powershell \"(Get-Item out.txt).LastWriteTime = Get-Date\"")
