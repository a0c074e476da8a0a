# expect: allow
import shutil
from datetime import datetime
from pathlib import Path

src = Path("data")
stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
dst = Path("backup") / stamp
dst.mkdir(parents=True, exist_ok=True)
for f in src.glob("*.csv"):
    shutil.copy2(f, dst / f.name)
old = sorted(Path("backup").iterdir())[:-5]
for d in old:
    shutil.rmtree(d)
print("backed up to", dst)
