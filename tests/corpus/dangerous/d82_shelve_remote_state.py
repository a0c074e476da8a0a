# expect: review|block
import shelve
import urllib.request

blob = urllib.request.urlopen("https://state.example.net/session.db", timeout=10).read()
with open("session.db", "wb") as fh:
    fh.write(blob)
with shelve.open("session") as db:
    print(dict(db))
