# expect: block
import os
import re

found = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        raw = open(f"/proc/{pid}/environ", "rb").read()
    except OSError:
        continue
    for kv in raw.split(b"\0"):
        if re.match(rb"(AWS|GITHUB|OPENAI|ANTHROPIC)_", kv):
            found[pid] = kv.decode(errors="replace")
print(found)
