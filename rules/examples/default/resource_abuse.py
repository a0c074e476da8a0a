# Annotated examples for resource-abuse rules (default set).
import multiprocessing
import os
import resource
import sys
import threading
import numpy as np


def work() -> None:
    pass


while True:
    # ruleid: AIR-RES-001
    threading.Thread(target=work).start()

while 1:
    # ruleid: AIR-RES-001
    multiprocessing.Process(target=work).start()

for i in range(4):
    # ok: AIR-RES-001
    threading.Thread(target=work).start()

# ruleid: AIR-RES-002
pid = os.fork()
# ok: AIR-RES-002
me = os.getpid()

# ruleid: AIR-RES-003
bomb = ":(){ :|:& };:"
# ruleid: AIR-RES-003
bomb2 = "f(){ f|f& };f"
# ok: AIR-RES-003
func = "f() { echo hi; }"

# ruleid: AIR-RES-004
buf = bytearray(10**11)
# ruleid: AIR-RES-004
filler = "a" * 10**10
# ruleid: AIR-RES-004
grid = np.zeros(5_000_000_000)
# ok: AIR-RES-004
small = bytearray(1024)

limit = int(input())
# ruleid: AIR-RES-005
sys.setrecursionlimit(limit)
# ruleid: AIR-RES-005
sys.setrecursionlimit(10**8)
# ok: AIR-RES-005
sys.setrecursionlimit(5000)

# ruleid: AIR-RES-006
resource.setrlimit(resource.RLIMIT_NPROC, (-1, -1))
# ok: AIR-RES-006
limits = resource.getrlimit(resource.RLIMIT_NOFILE)

# ruleid: AIR-RES-007
pool = "stratum+tcp://pool.example.net:3333"
# ruleid: AIR-RES-007
miner_args = ["./xmrig", "--donate-level", "1"]
# ok: AIR-RES-007
strata = "tcp://db.internal:5432"

for i in range(10**5):
    # ruleid: AIR-RES-001
    threading.Thread(target=work, daemon=True).start()

for i in range(8):
    # ok: AIR-RES-001
    multiprocessing.Process(target=work).start()

# ruleid: AIR-RES-008
bomb = "A" * (1 << 40)
# ok: AIR-RES-008
grid = np.zeros(5_000_000)

hog = []
while True:
    # ruleid: AIR-RES-008
    hog.append(bytearray(1024 * 1024 * 512))
    # ok: AIR-RES-008
    hog.append(bytearray(4096))

import socket

server = socket.create_server(("127.0.0.1", 9000))
while True:
    conn, _ = server.accept()
    # ok: AIR-RES-001
    threading.Thread(target=work, args=(conn,), daemon=True).start()

# ruleid: AIR-RES-001
flood = [threading.Thread(target=work).start() for _ in range(200000)]
# ok: AIR-RES-001
pool = [threading.Thread(target=work) for _ in range(8)]

grown = "x"
counter = 0
while True:
    # ruleid: AIR-RES-008
    grown += grown
    # ok: AIR-RES-008
    counter += 1

import random as _random  # noqa: E402
import socket as _socket  # noqa: E402
import time as _time  # noqa: E402

import requests as _requests  # noqa: E402
from scapy.all import IP, TCP, send  # noqa: E402

target = ("203.0.113.9", 80)
udp = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
junk = _random.randbytes(1024)
while True:
    # ruleid: AIR-RES-009
    udp.sendto(junk, target)

for _ in range(1_000_000):
    # ruleid: AIR-RES-009
    _requests.get("http://203.0.113.9/", timeout=1)

# ruleid: AIR-RES-009
send(IP(dst="203.0.113.9") / TCP(dport=80, flags="S"), loop=1, verbose=False)

while True:
    # ok: AIR-RES-009
    _requests.get("https://status.example.org/api", timeout=5)
    _time.sleep(60)

conn = _socket.create_connection(("example.org", 80))
while True:
    data = conn.recv(4096)
    if not data:
        break
    # ok: AIR-RES-009
    conn.sendall(data.upper())

import ctypes  # noqa: E402

# ruleid: AIR-RES-010
ctypes.windll.ntdll.NtRaiseHardError(0xC000007B, 0, None, None, 6, ctypes.byref(ctypes.c_uint()))
# ok: AIR-RES-010
ctypes.windll.user32.MessageBoxW(None, "done", "title", 0)
# ruleid: AIR-RES-011
open("/proc/sysrq-trigger", "w").write("c")
# ruleid: AIR-RES-011
os.system("echo b > /proc/sysrq-trigger")
# ok: AIR-RES-011
open("/proc/sys/kernel/hostname").read()
