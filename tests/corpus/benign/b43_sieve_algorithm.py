# expect: allow
import sys

sys.setrecursionlimit(5000)


def sieve(limit: int) -> list[int]:
    is_prime = bytearray([1]) * (limit + 1)
    is_prime[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if is_prime[i]:
            is_prime[i * i :: i] = bytearray(len(is_prime[i * i :: i]))
    return [i for i, p in enumerate(is_prime) if p]


primes = sieve(1_000_000)
print(len(primes), primes[-5:])
