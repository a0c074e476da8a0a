# expect: allow
import base64
from pathlib import Path

# 1x1 transparent PNG, written next to the generated HTML page.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
Path("site").mkdir(exist_ok=True)
Path("site/pixel.png").write_bytes(base64.b64decode(PIXEL))
Path("site/index.html").write_text('<img src="pixel.png" alt="">')
