# expect: review
import http.client
import json

conn = http.client.HTTPSConnection("api.example.com", timeout=10)
conn.request("GET", "/v1/status", headers={"Accept": "application/json"})
resp = conn.getresponse()
status = json.loads(resp.read())
print(resp.status, status.get("state"))
conn.close()
