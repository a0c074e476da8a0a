# expect: review
import subprocess
from pathlib import Path

for src in sorted(Path("videos").glob("*.mov")):
    dst = src.with_suffix(".mp4")
    subprocess.run(
        ["ffmpeg", "-y", "-i", str(src), "-c:v", "libx264", "-crf", "23", str(dst)],
        check=True,
        capture_output=True,
    )
    print("converted", src.name)
