"""pier from Python: TCPServer (with TLS), TFTPServer, WSServer and OFTPServer.

    import pier

    with pier.TCPServer(local_port=0) as server:
        @server.on("DataIn")
        def data_in(e):
            server.send_line(e.connection_id, e.text.decode().upper())

        server.start_listening()
        print("listening on", server.local_port)
        while True:
            server.do_events()

Properties are attributes in snake_case (``server.local_port``), the
per-connection ones on ``server.connections[connection_id]``; config settings
through ``server.config("Key=Value")``; methods in snake_case
(``start_listening()``, ``send(connection_id, data)``); failures raise a
``pier.Error`` subclass carrying the code and message.  ``await
server.serve()`` runs a server inside an asyncio loop.  The classes are
generated from the C header (python/gen_bindings.py); the C contract is
docs/API.md in the repository, the Python specifics docs/PYTHON.md.
"""

from ._base import Component, Connection, Connections, Error, Event
from ._generated import *  # noqa: F401,F403  (ids, error classes, components)
from ._generated import HEADER_VERSION, OFTPServer, TCPServer, TFTPServer, WSServer
from ._lib import strerror, version

__version__ = HEADER_VERSION

__all__ = [
    "Component", "Connection", "Connections", "Error", "Event",
    "OFTPServer", "TCPServer", "TFTPServer", "WSServer", "strerror", "version",
]
