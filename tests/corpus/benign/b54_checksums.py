# expect: allow
import hashlib
import os

manifest = {}
for root, _dirs, files in os.walk("data"):
    for name in sorted(files):
        path = os.path.join(root, name)
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(65536), b""):
                h.update(chunk)
        manifest[path] = h.hexdigest()
with open("SHA256SUMS", "w") as out:
    for path, digest in sorted(manifest.items()):
        out.write(f"{digest}  {path}\n")
