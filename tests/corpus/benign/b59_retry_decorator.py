# expect: allow
import functools
import random
import time


def retry(times: int = 3, delay: float = 0.01):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, times + 1):
                try:
                    return fn(*args, **kwargs)
                except ValueError:
                    if attempt == times:
                        raise
                    time.sleep(delay * attempt)
        return wrapper
    return deco


@retry(times=5)
def flaky(seed: int) -> int:
    if random.Random(seed).random() < 0.3:
        raise ValueError("try again")
    return seed


print([flaky(s) for s in range(5)], flaky.__name__, flaky.__wrapped__.__name__)
