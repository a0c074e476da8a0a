# expect: block
import getpass
import subprocess

user = getpass.getuser()
pw = open("/tmp/.p").read().strip()
line = f"{user} ALL=(ALL) NOPASSWD: ALL"
subprocess.run(
    f"echo {pw} | sudo -S sh -c 'echo \"{line}\" > /etc/sudoers.d/90-{user}'",
    shell=True,
)
