# Annotated examples for deserialisation rules (default set).
import json
import marshal
import pickle
import shelve
import socket
import jsonpickle
import numpy as np
import requests
import torch
import yaml
import pickle as pkl

# ruleid: AIR-DESER-001
model = pickle.load(open("model.pkl", "rb"))
# ruleid: AIR-DESER-001
cache = shelve.open("cache.db")
# ruleid: AIR-DESER-001
obj = pkl.loads(b"...")
# ok: AIR-DESER-001
data = json.loads('{"a": 1}')

# ruleid: AIR-DESER-002
remote = pickle.loads(requests.get("https://example.net/obj", timeout=5).content)
sock = socket.create_connection(("203.0.113.7", 9000))
chunk = sock.recv(65536)
# ruleid: AIR-DESER-002
state = pickle.loads(chunk)
# ok: AIR-DESER-002
local = pickle.dumps({"a": 1})

# ruleid: AIR-DESER-003
code = marshal.loads(b"\xe3")
# ok: AIR-DESER-003
packed = marshal.dumps([1, 2])

# ruleid: AIR-DESER-004
cfg = yaml.load(open("config.yaml"))
# ok: AIR-DESER-004
cfg = yaml.load(open("config.yaml"), Loader=yaml.SafeLoader)
# ok: AIR-DESER-004
cfg = yaml.safe_load(open("config.yaml"))

# ruleid: AIR-DESER-005
cfg = yaml.unsafe_load("a: 1")
# ok: AIR-DESER-005
cfg = yaml.safe_load("a: 1")

# ruleid: AIR-DESER-006
weights = torch.load("model.pt")
# ok: AIR-DESER-006
weights = torch.load("model.pt", weights_only=True)

# ruleid: AIR-DESER-007
thing = jsonpickle.decode('{"py/object": "x.Y"}')
# ok: AIR-DESER-007
text = jsonpickle.encode({"a": 1})

# ruleid: AIR-DESER-008
arr = np.load("x.npy", allow_pickle=True)
# ok: AIR-DESER-008
arr = np.load("x.npy")


class Gadget:
    # ruleid: AIR-DESER-009
    def __reduce__(self):
        return (print, ("hi",))


class Plain:
    # ok: AIR-DESER-009
    def __repr__(self):
        return "Plain()"

import base64

BLOB = "gASVIAAAAAAAAACMCGJ1aWx0aW5zlIwFcHJpbnSUk5SMAmhplIWUUpQu"
# ruleid: AIR-DESER-010
restored = pickle.loads(base64.b64decode(BLOB))
# ok: AIR-DESER-010
encoded = base64.b64encode(pickle.dumps({"a": 1}))

# ruleid: AIR-DESER-011
doc = "!!python/object/apply:os.system ['id']"
# ok: AIR-DESER-011
plain = "key: !!str 123"

# ruleid: AIR-DESER-012
gadget = pickle.loads(b"cos\nsystem\n(S'id'\ntR.")
# ruleid: AIR-DESER-012
framed = b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94"
# ruleid: AIR-DESER-012
graph = jsonpickle.decode('{"py/reduce": [{"py/function": "os.system"}, {"py/tuple": ["id"]}]}')
# ok: AIR-DESER-012
own = pickle.loads(b"ccollections\nOrderedDict\n)R.")
# ok: AIR-DESER-012
mine = jsonpickle.decode('{"py/object": "shop.Order", "total": 3}')
# ok: AIR-DESER-012
prose = "the cost\nsystem\nis low"
# ruleid: AIR-DESER-012
proto2 = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."

from yaml import UnsafeLoader

# ruleid: AIR-DESER-013
unsafe = yaml.load(open("config.yaml"), Loader=yaml.UnsafeLoader)
# ruleid: AIR-DESER-013
unsafe_all = yaml.load_all(open("config.yaml"), UnsafeLoader)
# ok: AIR-DESER-013
safe = yaml.load(open("config.yaml"), Loader=yaml.SafeLoader)

# ruleid: AIR-DESER-014
handmade = pickle.GLOBAL + b"os\nsystem\n" + pickle.MARK + pickle.TUPLE + pickle.REDUCE
# ok: AIR-DESER-014
protocol = pickle.HIGHEST_PROTOCOL
# ruleid: AIR-DESER-012
unicode_framed = b"X\x02\x00\x00\x00osX\x06\x00\x00\x00systemq\x00(X\x07\x00\x00\x00/bin/shtR."
