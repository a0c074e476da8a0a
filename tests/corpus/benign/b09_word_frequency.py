# expect: allow
import string
from collections import Counter

STOP = {"the", "a", "an", "and", "of", "to", "in", "is", "it"}

with open("article.txt", encoding="utf-8") as fh:
    text = fh.read().lower()
words = text.translate(str.maketrans("", "", string.punctuation)).split()
freq = Counter(w for w in words if w not in STOP and len(w) > 2)
for word, n in freq.most_common(20):
    print(f"{word:<15}{n:>5}")
