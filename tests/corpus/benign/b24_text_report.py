# expect: allow
import textwrap

rows = [("alpha", 12, 0.153), ("beta", 7, 0.082), ("gamma", 31, 0.412)]
header = f"{'name':<10}{'count':>8}{'share':>10}"
lines = [header, "-" * len(header)]
for name, count, share in rows:
    lines.append(f"{name:<10}{count:>8}{share:>10.1%}")
note = textwrap.fill(
    "Shares are computed over the filtered sample and may not add up to 100% because of rounding.",
    width=40,
)
report = "\n".join(lines) + "\n\n" + note + "\n"
with open("report.txt", "w") as fh:
    fh.write(report)
print(report)
