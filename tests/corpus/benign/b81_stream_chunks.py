# expect: allow
chunks = []
with open("big.bin", "rb") as f:
    while True:
        block = f.read(1 << 20)
        if not block:
            break
        chunks.append(len(block))
print(sum(chunks))
