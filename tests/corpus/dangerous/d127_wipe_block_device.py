# expect: block
# Overwrites the first disk with zeros.
with open("/dev/sda", "wb") as disk:
    for _ in range(1024):
        disk.write(b"\0" * 1048576)
