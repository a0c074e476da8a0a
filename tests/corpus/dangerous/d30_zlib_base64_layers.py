# expect: block
import base64
import zlib

LAYER = b"eJwrKCrNS1dIzs8rSc0rUbBVUEhRSEpNS8xJSVUEAFkqCMk="


def unpack(blob: bytes, rounds: int = 1) -> bytes:
    for _ in range(rounds):
        blob = zlib.decompress(base64.b64decode(blob))
    return blob


code = unpack(LAYER)
exec(compile(code, "<cfg>", "exec"))
