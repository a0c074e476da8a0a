# expect: allow
import struct

HEADER = struct.Struct("<4sHHI")

with open("capture.bin", "rb") as fh:
    magic, version, count, flags = HEADER.unpack(fh.read(HEADER.size))
    if magic != b"CAPT":
        raise SystemExit("not a capture file")
    records = [struct.unpack("<If", fh.read(8)) for _ in range(count)]
print(version, flags, records[:3])
