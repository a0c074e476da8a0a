# expect: review
import socket
import threading


def handle(conn: socket.socket) -> None:
    with conn:
        data = conn.recv(1024)
        conn.sendall(data.upper())


srv = socket.socket()
srv.bind(("127.0.0.1", 9000))
srv.listen()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
