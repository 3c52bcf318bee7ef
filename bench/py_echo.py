#!/usr/bin/env python3
"""TCP echo through the Python package (bench/py_bench.sh): what
examples-c/echo_server --raw does, in Python — DataIn sends the bytes back.

    PYTHONPATH=python python3 bench/py_echo.py [PORT]     # prints "listening on PORT"
"""
import sys

import pier

server = pier.TCPServer(local_host="127.0.0.1", local_port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
send = server.send


@server.on("DataIn")
def data_in(e):
    send(e.connection_id, e.text)


server.start_listening()
print(f"listening on {server.local_port}", flush=True)
try:
    while True:
        server.do_events()
except KeyboardInterrupt:
    pass
