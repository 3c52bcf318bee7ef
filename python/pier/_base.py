"""What every component class shares: the handle's lifetime, properties by
type, events, errors and the asyncio loop.  The component classes themselves
(ids, properties, events, methods, docstrings) are generated from
``include/pier.h`` into ``_generated.py``; nothing here knows an id.

The C contract this wraps is docs/API.md in the repository: §1 (functions
and callbacks), §3 (values), §4 (errors), §5 (threads and re-entrancy) and
§8 "Host loop".
"""

from __future__ import annotations

import asyncio
import ctypes
import weakref
from typing import Any, Callable, Iterator, Optional, Sequence, Union

from . import _lib

# typedef int (*pier_callback)(void *handle, int event_id, void *params, void *user_data);
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                            ctypes.c_void_p)


class Error(Exception):
    """A failed call: ``code`` is the reference's (or pier's 900–914) error
    code, ``message`` the library's text for it.

    Codes with a name in the header raise a subclass (``pier.WouldBlockError``
    for 10035, ``pier.InvalidHandleError`` for 901, ...); any other code
    raises ``Error`` itself, so ``except pier.Error`` catches them all.
    """

    code_value: Optional[int] = None

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = code
        self.message = message


def error_for(code: int, message: str) -> Error:
    """The exception for ``code``: its named subclass when there is one."""
    from ._generated import ERROR_CLASSES

    return ERROR_CLASSES.get(code, Error)(code, message)


def _bytes_arg(value: Union[bytes, bytearray, memoryview, str]) -> tuple:
    """A data argument as (pointer-compatible bytes, length); text is UTF-8."""
    data = value.encode() if isinstance(value, str) else bytes(value)
    return data, len(data)


def _text_arg(value: Union[str, bytes]) -> bytes:
    """A ``const char *`` argument (UTF-8, NUL-terminated by ctypes)."""
    data = value.encode() if isinstance(value, str) else bytes(value)
    if b"\0" in data:
        raise ValueError("text arguments cannot contain NUL")
    return data


class Event:
    """Base of the generated event classes: a view on the event's C struct.

    No field is copied until it is read.  The view is valid only while the
    handler runs — the C struct lives on pier's stack (docs/API.md §1,
    Callbacks) — so reading it afterwards raises RuntimeError; copy what must
    outlive the handler.  Writable fields (``accept``, ``status_code``, ...)
    are set as attributes; pier reads them back when the handler returns.
    """

    __slots__ = ("_c", "_server")
    name = ""
    event_id = 0
    fields: tuple = ()
    _struct: Any = None

    def __init__(self, params: int, server: "Component") -> None:
        self._c = self._struct.from_address(params)
        self._server = server

    def _s(self) -> Any:
        c = self._c
        if c is None:
            raise RuntimeError(f"the {self.name} event was used after its handler returned")
        return c

    def _str(self, name: str) -> str:
        raw = getattr(self._s(), name)
        return raw.decode("utf-8", "replace") if raw else ""

    def _blob(self, name: str) -> bytes:
        s = self._s()
        ptr, n = getattr(s, name), getattr(s, name + "_len")
        return ctypes.string_at(ptr, n) if ptr and n > 0 else b""

    def _set_str(self, name: str, value: Union[str, bytes]) -> None:
        data = _text_arg(value)
        # pier reads the pointer after the handler returned: the bytes stay
        # pinned on the server until the next event (docs/API.md §1).
        self._server._pinned.append(data)
        setattr(self._s(), name, data)

    def _set_blob(self, name: str, value: Union[bytes, str]) -> None:
        data, n = _bytes_arg(value)
        buf = ctypes.create_string_buffer(data, n)
        self._server._pinned.append(buf)
        s = self._s()
        setattr(s, name, ctypes.addressof(buf))
        setattr(s, name + "_len", n)

    def _release(self) -> None:
        self._c = None

    def __repr__(self) -> str:
        if self._c is None:
            return f"<{self.name} event (handler returned)>"
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.fields)
        return f"<{self.name} {shown}>"


class Connection:
    """Base of the generated connection classes: one connection's fields."""

    __slots__ = ("_server", "_id")

    def __init__(self, server: "Component", connection_id: int) -> None:
        self._server = server
        self._id = connection_id

    @property
    def connection_id(self) -> int:
        """The connection's id (positive, never reused by the server)."""
        return self._id

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Connection) and other._server is self._server
                and other._id == self._id)

    def __hash__(self) -> int:
        return hash((id(self._server), self._id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._id}>"


class Connections:
    """The open connections of a server: ``len()``, iteration (in the
    library's order), ``cid in connections`` and ``connections[cid]``.

    ``connections[cid]`` does not look the id up (so it costs nothing in a
    DataIn handler); reading a field of a connection that is gone raises the
    library's error (126 or 913).
    """

    __slots__ = ("_server",)

    def __init__(self, server: "Component") -> None:
        self._server = server

    def __len__(self) -> int:
        return self._server._get_int(self._server._count_prop, 0)

    def ids(self) -> list:
        """The connection ids, by position."""
        s = self._server
        return [int(s._get_text(s._position_prop, i)) for i in range(len(self))]

    def __iter__(self) -> Iterator[Connection]:
        for cid in self.ids():
            yield self[cid]

    def __contains__(self, connection_id: object) -> bool:
        return connection_id in self.ids()

    def __getitem__(self, connection_id: int) -> Any:
        return self._server._connection_class(self._server, int(connection_id))

    def __repr__(self) -> str:
        return f"<connections {self.ids()}>"


def _close_handle(close: Callable, handle: int, _keep: Any) -> None:
    # _keep is the C callback object: it must outlive the handle.
    close(handle)


def _trampoline(ref: "weakref.ref[Component]") -> Any:
    def callback(_handle: int, event_id: int, params: int, _user: int) -> int:
        server = ref()
        if server is None:
            return 0
        server._pinned.clear()  # pier has read the previous event's writes
        entry = server._handlers.get(event_id)
        if entry is None:
            return 0
        cls, handler = entry
        event = cls(params, server)
        try:
            handler(event)
        except BaseException as exc:  # never unwind into C: raised after the call
            if server._pending is None:
                server._pending = exc
        finally:
            event._release()
        return 0

    return CALLBACK(callback)


class Component:
    """Base of TCPServer, TFTPServer, WSServer: one library handle.

    The handle is closed by ``close()``, by leaving a ``with`` block, when the
    object is garbage-collected, or at interpreter exit — whichever comes
    first.  An exception raised in an event handler is raised again by the
    call that fired the event (``do_events()``, a blocking send, ...).
    """

    _prefix = ""
    _connection_class: type = Connection
    _count_prop = 0
    _position_prop = 0
    _events: dict = {}

    def __init__(self, **properties: Any) -> None:
        self._lib = _lib.library()
        self._f = _lib.functions(self._prefix)
        handle = self._f["open"]()
        if not handle:
            raise MemoryError(f"{self._prefix}_open failed")
        self._h: Optional[int] = handle
        self._handlers: dict = {}
        self._pinned: list = []
        self._pending: Optional[BaseException] = None
        self._serve_wake: Optional[asyncio.Event] = None
        self._cb = _trampoline(weakref.ref(self))
        self._finalizer = weakref.finalize(self, _close_handle, self._f["close"], handle, self._cb)
        self._connections = Connections(self)
        for name, value in properties.items():
            if not hasattr(type(self), name):
                self.close()
                raise AttributeError(f"{type(self).__name__} has no property {name!r}")
            setattr(self, name, value)

    # --- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Stops listening, drops every connection and frees the handle.
        A second call does nothing."""
        if self._h is None:
            return
        rc = self._f["close"](self._h)
        if rc:
            raise self._error(rc)  # e.g. 909 from inside one of its own events
        self._finalizer.detach()
        self._h = None
        if self._serve_wake is not None:
            self._serve_wake.set()

    @property
    def closed(self) -> bool:
        """Whether close() has run."""
        return self._h is None

    def __enter__(self) -> "Component":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _handle(self) -> int:
        if self._h is None:
            raise error_for(901, _lib.strerror(901))
        return self._h

    # --- errors ------------------------------------------------------------------
    def _error(self, code: int) -> Error:
        message = ""
        if self._h is not None:
            raw = self._f["get_last_error"](self._h)
            message = raw.decode("utf-8", "replace") if raw else ""
        return error_for(code, message or _lib.strerror(code))

    def _raise_pending(self) -> None:
        exc = self._pending
        if exc is not None:
            self._pending = None
            raise exc

    def _call(self, name: str, *args: Any) -> None:
        rc = self._lib[name](self._handle(), *args)
        self._raise_pending()
        if rc:
            raise self._error(rc)

    def _last_code(self) -> int:
        return self._f["get_last_error_code"](self._handle())

    # --- properties by type (docs/API.md §3) ---------------------------------------
    def _get_int(self, prop: int, index: int) -> int:
        value = self._f["get_int"](self._handle(), prop, index)
        if value == 0:
            code = self._last_code()
            if code:
                raise self._error(code)
        return value

    def _get_bool(self, prop: int, index: int) -> bool:
        return self._get_int(prop, index) != 0

    def _get_binary(self, prop: int, index: int) -> bytes:
        n = ctypes.c_int(0)
        ptr = self._f["get"](self._handle(), prop, index, ctypes.byref(n))
        if not ptr:
            raise self._error(self._last_code() or 900)
        return ctypes.string_at(ptr, n.value)

    def _get_text(self, prop: int, index: int) -> str:
        return self._get_binary(prop, index).decode("utf-8", "replace")

    def _set_int(self, prop: int, index: int, value: int) -> None:
        rc = self._f["set_int"](self._handle(), prop, index, int(value))
        self._raise_pending()
        if rc:
            raise self._error(rc)

    def _set_bool(self, prop: int, index: int, value: bool) -> None:
        self._set_int(prop, index, 1 if value else 0)

    def _set_binary(self, prop: int, index: int, value: Union[bytes, str]) -> None:
        data, n = _bytes_arg(value)
        rc = self._f["set"](self._handle(), prop, index, data, n)
        self._raise_pending()
        if rc:
            raise self._error(rc)

    _set_text = _set_binary

    # --- generic access by id ----------------------------------------------------------
    def get(self, prop_id: int, index: int = 0) -> bytes:
        """Any property by id, as the bytes ``pier_<component>_get`` returns."""
        return self._get_binary(prop_id, index)

    def set(self, prop_id: int, value: Union[bytes, str, int, bool], index: int = 0) -> None:
        """Any property by id; integers and booleans go through set_int."""
        if isinstance(value, (bool, int)):
            self._set_int(prop_id, index, int(value))
        else:
            self._set_binary(prop_id, index, value)

    @property
    def connections(self) -> Connections:
        """The open connections (see Connections)."""
        return self._connections

    def config(self, setting: str) -> str:
        """``"Name=Value"`` sets a config setting (returns ""), ``"Name"`` reads
        it, ``"Name[ConnectionId]"`` for per-connection settings."""
        raw = self._f["do_config"](self._handle(), _text_arg(setting))
        self._raise_pending()
        if raw is None:
            raise self._error(self._last_code() or 900)
        return raw.decode("utf-8", "replace")

    def _int_array(self, ids: Sequence[int]) -> tuple:
        arr = (ctypes.c_int * len(ids))(*ids)
        return arr, len(ids)

    # --- events ----------------------------------------------------------------------------
    def _event_class(self, event: Union[str, int]) -> type:
        for name, cls in self._events.items():
            if event in (name, cls.event_id) or (
                    isinstance(event, str) and event.replace("_", "").lower() == name.lower()):
                return cls
        raise error_for(904, f"unknown event {event!r}; {type(self).__name__} has "
                             f"{', '.join(self._events)}")

    def on(self, event: Union[str, int], handler: Optional[Callable] = None) -> Callable:
        """Registers ``handler(e)`` for an event named as the reference names it
        (``"DataIn"``; ``"data_in"`` and the id work too).  Used as a decorator,
        ``@server.on("DataIn")``, or called with the handler.  One handler per
        event: registering again replaces it; ``off()`` removes it."""
        cls = self._event_class(event)

        def register(fn: Callable) -> Callable:
            rc = self._f["register_callback"](self._handle(), cls.event_id, self._cb, None)
            if rc:
                raise self._error(rc)
            self._handlers[cls.event_id] = (cls, fn)
            return fn

        return register(handler) if handler is not None else register

    def off(self, event: Union[str, int]) -> None:
        """Removes the handler of an event."""
        cls = self._event_class(event)
        rc = self._f["register_callback"](self._handle(), cls.event_id, CALLBACK(), None)
        if rc:
            raise self._error(rc)
        self._handlers.pop(cls.event_id, None)

    # --- running ----------------------------------------------------------------------------
    def do_events(self) -> None:
        """Handles ready I/O and due timers, firing events (waits up to the
        SelectWaitMillis setting when there is nothing to do)."""
        try:
            self._call(f"{self._prefix}_do_doevents")
        finally:
            self._pinned.clear()

    def get_pollfd(self) -> int:
        """A descriptor readable while do_events has work (docs/API.md §8 "Host loop")."""
        fd = self._f["get_pollfd"](self._handle())
        if fd < 0:
            raise self._error(self._last_code() or 900)
        return fd

    def get_timeout_ms(self) -> int:
        """Milliseconds until the next timer (0: work is waiting), -1 when none."""
        ms = self._f["get_timeout_ms"](self._handle())
        if ms < 0:
            code = self._last_code()
            if code:
                raise self._error(code)
        return ms

    async def serve(self) -> None:
        """Runs the server inside the running asyncio loop, without a thread,
        until the task is cancelled or the server is closed.

        The loop watches ``get_pollfd()`` with ``add_reader`` and sleeps until
        it is readable or ``get_timeout_ms()`` has passed; ``do_events()``
        then runs without waiting (SelectWaitMillis=0, set here).  Start
        listening before or after; handlers run on the loop's thread.
        """
        loop = asyncio.get_running_loop()
        self.config("SelectWaitMillis=0")
        fd = self.get_pollfd()
        ready = asyncio.Event()
        self._serve_wake = ready  # close() wakes the loop
        loop.add_reader(fd, ready.set)
        try:
            while self._h is not None:
                ready.clear()
                self.do_events()
                if self._h is None:
                    break
                ms = self.get_timeout_ms()
                if ms == 0:
                    await asyncio.sleep(0)
                    continue
                try:
                    await asyncio.wait_for(ready.wait(), None if ms < 0 else ms / 1000)
                except asyncio.TimeoutError:
                    pass
        finally:
            self._serve_wake = None
            loop.remove_reader(fd)

    def __repr__(self) -> str:
        state = "closed" if self._h is None else f"handle {self._h:#x}"
        return f"<pier.{type(self).__name__} {state}>"


for _cls in (Error, Event, Connection, Connections, Component):
    _cls.__module__ = "pier"  # shown as pier.Error, not pier._base.Error
