# expect: block
import sys, types

fake = types.ModuleType("ssl")
fake.create_default_context = lambda *a, **k: None
sys.modules["ssl"] = fake
import requests  # now talks without TLS verification
requests.get("https://bank.example.com/api")
