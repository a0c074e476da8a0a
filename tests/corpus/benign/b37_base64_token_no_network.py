# expect: allow
import base64
import hmac
import json
import hashlib
import time

SECRET = b"local-demo-key"


def make_token(user: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"u": user, "t": int(time.time())}).encode())
    sig = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return body.decode() + "." + sig


def check(token: str) -> dict:
    body, sig = token.rsplit(".", 1)
    good = hmac.new(SECRET, body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sig, good):
        raise ValueError("bad signature")
    return json.loads(base64.urlsafe_b64decode(body))


print(check(make_token("ada")))
