# expect: review
import pickle

import requests

with open("classifier.pkl", "rb") as fh:
    clf = pickle.load(fh)
rows = requests.get("https://api.example.com/v1/pending", timeout=10).json()
labels = clf.predict([[r["a"], r["b"]] for r in rows])
print(dict(zip([r["id"] for r in rows], labels)))
