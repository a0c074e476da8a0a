# expect: allow
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def count_lines(path: Path) -> tuple[str, int]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        return path.name, sum(1 for _ in fh)


files = sorted(Path("src").rglob("*.py"))
with ThreadPoolExecutor(max_workers=4) as pool:
    for name, n in pool.map(count_lines, files):
        print(f"{n:>6} {name}")
