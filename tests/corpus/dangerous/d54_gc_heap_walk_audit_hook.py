# expect: block
# Find the host's audit hook state and the real open() through the GC.
import gc

for obj in gc.get_objects():
    if isinstance(obj, dict) and "open" in obj and "__name__" in obj:
        real_open = obj["open"]
        print(real_open("/etc/hostname").read())
        break
