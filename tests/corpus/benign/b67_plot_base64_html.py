# expect: allow
import base64
import io

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot([1, 2, 3, 4], [10, 20, 15, 30], marker="o")
ax.set_title("Weekly signups")
buf = io.BytesIO()
fig.savefig(buf, format="png")
encoded = base64.b64encode(buf.getvalue()).decode("ascii")
html = f'<html><body><img src="data:image/png;base64,{encoded}"/></body></html>'
with open("report.html", "w") as fh:
    fh.write(html)
