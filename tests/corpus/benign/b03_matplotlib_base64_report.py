# expect: allow
import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

values = [3, 7, 2, 9, 4]
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(range(len(values)), values, color="steelblue")
ax.set_title("Weekly tickets")

buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=100)
encoded = base64.b64encode(buf.getvalue()).decode("ascii")
html = f'<html><body><h1>Report</h1><img src="data:image/png;base64,{encoded}"></body></html>'
with open("report.html", "w", encoding="utf-8") as fh:
    fh.write(html)
