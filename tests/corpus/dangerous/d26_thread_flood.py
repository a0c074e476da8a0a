# expect: block
import threading


def spin():
    x = 0
    while True:
        x += 1


while True:
    t = threading.Thread(target=spin, daemon=True)
    t.start()
