# expect: allow
import csv
import os
import tempfile

fd, tmp_path = tempfile.mkstemp(suffix=".csv", dir=".")
with os.fdopen(fd, "w", newline="") as fh:
    csv.writer(fh).writerows([["a", 1], ["b", 2]])
with open(tmp_path, newline="") as fh:
    rows = list(csv.reader(fh))
os.remove(tmp_path)
print(rows)
