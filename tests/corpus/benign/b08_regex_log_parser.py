# expect: allow
import re
from collections import Counter

LINE = re.compile(
    r'(?P<ip>\d{1,3}(?:\.\d{1,3}){3}) - - \[(?P<ts>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+) [^"]+" (?P<status>\d{3})'
)

statuses = Counter()
paths = Counter()
with open("access.log", encoding="utf-8", errors="replace") as fh:
    for line in fh:
        m = LINE.match(line)
        if not m:
            continue
        statuses[m["status"]] += 1
        if m["status"].startswith("5"):
            paths[m["path"]] += 1

print("status counts:", dict(statuses))
print("top 5xx paths:", paths.most_common(5))
