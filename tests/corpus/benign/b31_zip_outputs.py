# expect: allow
import zipfile
from pathlib import Path

results = Path("results")
results.mkdir(exist_ok=True)
(results / "a.csv").write_text("x,y\n1,2\n")
(results / "b.csv").write_text("x,y\n3,4\n")

with zipfile.ZipFile("results.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
    for f in sorted(results.glob("*.csv")):
        zf.write(f, arcname=f.name)
print(zipfile.ZipFile("results.zip").namelist())
