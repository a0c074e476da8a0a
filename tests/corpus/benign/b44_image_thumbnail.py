# expect: allow
import base64
import io

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

data = np.random.default_rng(3).normal(size=(64, 64)).cumsum(axis=0)
fig = plt.figure(figsize=(2, 2))
plt.imshow(data, cmap="viridis")
plt.axis("off")
png = io.BytesIO()
fig.savefig(png, format="png", bbox_inches="tight")
thumb_b64 = base64.b64encode(png.getvalue()).decode()
with open("thumb.json", "w") as fh:
    fh.write('{"thumbnail": "' + thumb_b64 + '"}')
