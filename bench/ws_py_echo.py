"""Python `websockets` echo server for bench/ws_bench.sh.

    python3 ws_py_echo.py PORT [deflate]
"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main():
    compression = "deflate" if len(sys.argv) > 2 and sys.argv[2] == "deflate" else None
    async with serve(echo, "127.0.0.1", int(sys.argv[1]), compression=compression, max_size=64 * 1024 * 1024) as s:
        print(f"listening on {s.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.get_running_loop().create_future()


asyncio.run(main())
