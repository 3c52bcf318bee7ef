#!/usr/bin/env python3
"""A TCP echo server and a TFTP server inside one asyncio program, beside an
ordinary asyncio task, with no thread: each server's ``await serve()``
watches its poll descriptor with the loop's ``add_reader`` and its timers
with ``get_timeout_ms``.

    PYTHONPATH=python python3 examples-python/asyncio_servers.py \\
        [--tcp-port N] [--tftp-port N] [--dir DIR] [--seconds S]

Prints "tcp PORT tftp PORT" once both listen, then "tick N" every second
from the other task; stops after --seconds (0: until interrupted).
Port 0 picks a free port.  Exit status 2 on bad arguments.
"""

import argparse
import asyncio
import sys

import pier


def port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text}")
    return value


async def ticker() -> None:
    n = 0
    while True:
        await asyncio.sleep(1)
        n += 1
        print(f"tick {n}", flush=True)


async def main(args: argparse.Namespace) -> None:
    with pier.TCPServer(local_host="127.0.0.1", local_port=args.tcp_port) as tcp, \
            pier.TFTPServer(local_host="127.0.0.1", local_port=args.tftp_port,
                            local_dir=args.dir) as tftp:
        @tcp.on("DataIn")
        def echo(e: pier.TCPServerDataInEvent) -> None:
            tcp.send_line(e.connection_id, e.text.decode("utf-8", "replace"))

        @tcp.on("Connected")
        def connected(e: pier.TCPServerConnectedEvent) -> None:
            tcp.connections[e.connection_id].eol = b"\r\n"

        tcp.start_listening()
        tftp.start_listening()
        print(f"tcp {tcp.local_port} tftp {tftp.local_port}", flush=True)
        tasks = [asyncio.create_task(tcp.serve()), asyncio.create_task(tftp.serve()),
                 asyncio.create_task(ticker())]
        try:
            if args.seconds:
                await asyncio.sleep(args.seconds)
            else:
                await asyncio.Event().wait()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tcp-port", type=port, default=7000)
    ap.add_argument("--tftp-port", type=port, default=6969)
    ap.add_argument("--dir", default=".", help="the directory TFTP serves (LocalDir)")
    ap.add_argument("--seconds", type=float, default=0)
    try:
        asyncio.run(main(ap.parse_args()))
    except KeyboardInterrupt:
        pass
    except pier.Error as e:
        print(f"asyncio_servers: {e}", file=sys.stderr)
        sys.exit(1)
