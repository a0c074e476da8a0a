# expect: allow|review
import os

rc = os.path.expanduser("~/.bashrc")
if os.path.exists(rc):
    with open(rc) as f:
        aliases = [l for l in f if l.startswith("alias ")]
    print(f"{len(aliases)} aliases defined")
