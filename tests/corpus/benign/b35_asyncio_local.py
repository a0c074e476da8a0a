# expect: allow
import asyncio


async def crunch(name: str, n: int) -> tuple[str, int]:
    total = 0
    for i in range(n):
        total += i * i
        if i % 1000 == 0:
            await asyncio.sleep(0)
    return name, total


async def main() -> None:
    results = await asyncio.gather(*(crunch(f"job{i}", 10_000 * (i + 1)) for i in range(4)))
    for name, total in results:
        print(name, total)


asyncio.run(main())
