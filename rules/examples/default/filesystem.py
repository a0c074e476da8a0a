# Annotated examples for file-system rules (default set).
import glob
import os
import shutil
import tempfile
from pathlib import Path

# ruleid: AIR-FS-001
open("/etc/hosts", "a").write("203.0.113.7 example.com\n")
# ruleid: AIR-FS-001
with open("/var/data/out.csv", mode="w") as fh:
    fh.write("a,b\n")
# ruleid: AIR-FS-001
open("../outside.txt", "w").close()
# ok: AIR-FS-001
open("results/out.csv", "w").close()
# ok: AIR-FS-001
open("/etc/os-release").read()

# ruleid: AIR-FS-002
os.remove("/tmp/report.lock")
# ruleid: AIR-FS-002
shutil.rmtree("../old_build")
# ok: AIR-FS-002
os.remove("build/report.lock")

# ruleid: AIR-FS-003
shutil.rmtree("/etc")
# ruleid: AIR-FS-003
shutil.rmtree("~")
# ruleid: AIR-FS-003
os.rmdir("/home/alice")
# ok: AIR-FS-003
shutil.rmtree("/tmp/agent-scratch")

# ruleid: AIR-FS-004
shutil.copy("tool", "/usr/local/bin/tool")
# ruleid: AIR-FS-004
os.rename("out.txt", "~/Desktop/out.txt")
# ok: AIR-FS-004
shutil.copy("a.txt", "backup/a.txt")

# ruleid: AIR-FS-005
os.chmod("/usr/local/bin/tool", 0o755)
# ruleid: AIR-FS-005
os.chmod(os.path.join(tempfile.gettempdir(), "job.sh"), 0o777)
# ok: AIR-FS-005
os.chmod("build/run.sh", 0o755)

# ruleid: AIR-FS-006
os.system("rm -rf ~/*")
# ruleid: AIR-FS-006
cleanup = "rm -rf --no-preserve-root /"
# ok: AIR-FS-006
tidy = "rm -rf ./build"

# ruleid: AIR-FS-007
for root, dirs, files in os.walk("/"):
    break
# ruleid: AIR-FS-007
docs = glob.glob("/home/")
# ok: AIR-FS-007
csvs = glob.glob("data/*.csv")

# ruleid: AIR-FS-008
for root, dirs, files in os.walk(os.path.expanduser("~")):
    break
# ruleid: AIR-FS-008
names = os.listdir(Path.home())
# ok: AIR-FS-008
names = os.listdir("data")

for base, _dirs, found in os.walk("data"):
    for name in found:
        # ruleid: AIR-FS-009
        open(os.path.join(base, name), "wb").write(b"")
# ok: AIR-FS-009
open("summary.txt", "w").write("done")

# ruleid: AIR-FS-010
(Path.home() / ".config" / "tool" / "settings.json").write_text("{}")
# ruleid: AIR-FS-010
Path("/etc/motd").open("w").write("hi")
# ok: AIR-FS-010
Path("out/settings.json").write_text("{}")
# ok: AIR-FS-010
text = Path("/etc/os-release").open().read()

from cryptography.fernet import Fernet

fernet = Fernet(Fernet.generate_key())
for victim in Path.home().rglob("*"):
    # ruleid: AIR-FS-011
    victim.write_bytes(fernet.encrypt(victim.read_bytes()))
for root, _dirs, files in os.walk("/srv"):
    for name in files:
        full = os.path.join(root, name)
        # ruleid: AIR-FS-011
        open(full, "wb").write(fernet.encrypt(open(full, "rb").read()))
# ok: AIR-FS-011
Path("secret.enc").write_bytes(fernet.encrypt(b"my notes"))

# ruleid: AIR-FS-012
os.system("history -c; unset HISTFILE")
# ruleid: AIR-FS-012
subprocess_line = "truncate -s 0 /var/log/auth.log"
# ok: AIR-FS-012
shown = "history of the project"
# ruleid: AIR-FS-013
open("/var/log/wtmp", "w").close()
# ok: AIR-FS-013
logins = open("/var/log/auth.log").read()
backup_dir = Path("encrypted")
for plain in Path("to_backup").glob("*.txt"):
    # ok: AIR-FS-011
    (backup_dir / (plain.name + ".enc")).write_bytes(fernet.encrypt(plain.read_bytes()))

# ruleid: AIR-FS-014
with open("/dev/sda", "wb") as disk:
    disk.write(b"\0" * 4096)
# ruleid: AIR-FS-014
raw = open("/dev/nvme0n1", mode="r+b")
# ok: AIR-FS-014
entropy = open("/dev/urandom", "rb").read(16)
# ok: AIR-FS-014
open("/dev/null", "w").write("discarded")

# ruleid: AIR-FS-015
os.system("dd if=/dev/zero of=/dev/sda bs=1M count=100")
# ruleid: AIR-FS-015
wipe = "mkfs.ext4 -F /dev/sdb1"
# ok: AIR-FS-015
copy = "dd if=disk.img of=backup.img bs=4M"
