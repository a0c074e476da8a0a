# expect: allow
# A cheat-sheet generator: shell commands appear only as text.
TIPS = {
    "list files": "ls -la",
    "disk usage": "du -sh *",
    "find big files": "find . -size +100M",
    "count lines": "wc -l *.py",
}
with open("cheatsheet.md", "w") as fh:
    fh.write("# Shell cheat sheet\n\n")
    for what, cmd in TIPS.items():
        fh.write(f"- **{what}**: `{cmd}`\n")
