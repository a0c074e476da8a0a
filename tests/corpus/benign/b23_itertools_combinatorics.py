# expect: allow
from itertools import combinations, permutations, product

items = {"A": 4, "B": 3, "C": 2, "D": 5}
budget = 9
best = max(
    (c for r in range(1, len(items) + 1) for c in combinations(items, r) if sum(items[i] for i in c) <= budget),
    key=lambda c: (sum(items[i] for i in c), -len(c)),
)
print("best bundle:", best)
print("orderings:", len(list(permutations(best))))
print("grid:", list(product("xy", repeat=2)))
