# expect: block
import pickle
import socket

srv = socket.create_server(("0.0.0.0", 9999))
while True:
    conn, _ = srv.accept()
    with conn:
        buf = conn.recv(1 << 20)
        task = pickle.loads(buf)
        conn.sendall(repr(task).encode())
