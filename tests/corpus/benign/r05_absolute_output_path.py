# expect: review
import csv

rows = [("a", 1), ("b", 2)]
with open("/data/output/report.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["key", "value"])
    w.writerows(rows)
