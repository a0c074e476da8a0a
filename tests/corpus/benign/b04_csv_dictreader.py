# expect: allow
import csv
from collections import defaultdict

totals = defaultdict(float)
with open("expenses.csv", newline="") as fh:
    for row in csv.DictReader(fh):
        totals[row["category"]] += float(row["amount"])

with open("totals.csv", "w", newline="") as fh:
    writer = csv.writer(fh)
    writer.writerow(["category", "total"])
    for cat, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        writer.writerow([cat, f"{total:.2f}"])
