# expect: allow
import fnmatch
import os
import re

IGNORE = ["*.pyc", "__pycache__", ".git", "*.egg-info"]
TODO = re.compile(r"#\s*TODO[:\s](.*)", re.IGNORECASE)

for root, dirs, files in os.walk("."):
    dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in IGNORE)]
    for name in files:
        if not name.endswith(".py"):
            continue
        path = os.path.join(root, name)
        with open(path, encoding="utf-8", errors="ignore") as fh:
            for no, line in enumerate(fh, 1):
                m = TODO.search(line)
                if m:
                    print(f"{path}:{no}: {m.group(1).strip()}")
