# expect: allow
from pathlib import Path

out = Path("output")
out.mkdir(exist_ok=True)
for n in range(1, 4):
    (out / f"chapter_{n}.md").write_text(f"# Chapter {n}\n\nDraft text.\n", encoding="utf-8")
index = "\n".join(f"- [{p.stem}]({p.name})" for p in sorted(out.glob("chapter_*.md")))
(out / "index.md").write_text(index + "\n")
for p in out.glob("*.tmp"):
    p.unlink()
