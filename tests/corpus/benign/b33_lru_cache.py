# expect: allow
from functools import lru_cache


@lru_cache(maxsize=None)
def ways(n: int, coins: tuple[int, ...]) -> int:
    if n == 0:
        return 1
    if n < 0 or not coins:
        return 0
    return ways(n - coins[0], coins) + ways(n, coins[1:])


print(ways(100, (50, 25, 10, 5, 1)))
print(ways.cache_info())
