# expect: review
import subprocess

result = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True)
changed = [line[3:] for line in result.stdout.splitlines()]
print(f"{len(changed)} changed files")
for path in changed:
    print(" -", path)
