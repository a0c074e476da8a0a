# expect: block
import threading, time

def sleeper():
    time.sleep(10**9)

for _ in range(10**6):
    threading.Thread(target=sleeper, daemon=True).start()
