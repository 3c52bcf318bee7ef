#!/usr/bin/env python3
"""pier's TCPServer driven from Python through ctypes (docs/API.md §5, §7).

Runs under pytest (``python3 -m pytest -q tests-python``) and as a plain
script (``python3 tests-python/test_ctypes.py``). The library is found through
$PIER_LIB, else in the cargo target directory next to this file.

What it shows a Python user:
  * the callback type and the event structs, declared from the header;
  * that ctypes does NOT keep callback objects alive: a wrapper must hold a
    reference to every CFUNCTYPE object as long as it is registered
    (``Server._keep`` below); a callback object that was garbage-collected
    would be called through a dangling pointer;
  * an echo exchange with a real socket, writable parameters (Accept), and
    the error codes of misuse.
"""
import ctypes
import gc
import os
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _find_library():
    env = os.environ.get("PIER_LIB")
    if env:
        return env
    for d in ("target/release", "target/debug", "build/target/release"):
        p = os.path.join(ROOT, d, "libpier.so")
        if os.path.exists(p):
            return p
    raise RuntimeError("libpier.so not found: build it (cmake or cargo) or set PIER_LIB")


def _header_constants():
    """Every numeric #define of include/pier.h (so ids never drift from the header)."""
    consts = {}
    with open(os.path.join(ROOT, "include", "pier.h")) as f:
        for line in f:
            m = re.match(r"#define\s+(PIER_\w+)\s+(-?\d+)\s*$", line)
            if m:
                consts[m.group(1)] = int(m.group(2))
            m = re.match(r'#define\s+PIER_VERSION\s+"([^"]*)"', line)
            if m:
                consts["PIER_VERSION"] = m.group(1)
    return consts


K = _header_constants()
lib = ctypes.CDLL(_find_library())

# int (*pier_callback)(void *handle, int event_id, void *params, void *user_data)
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class ConnectedParams(ctypes.Structure):
    _fields_ = [("connection_id", ctypes.c_int), ("status_code", ctypes.c_int), ("description", ctypes.c_char_p)]


class ConnectionRequestParams(ctypes.Structure):
    _fields_ = [("address", ctypes.c_char_p), ("port", ctypes.c_int), ("accept", ctypes.c_bool)]


class DataInParams(ctypes.Structure):
    _fields_ = [("connection_id", ctypes.c_int), ("text", ctypes.POINTER(ctypes.c_uint8)),
                ("text_len", ctypes.c_int), ("eol", ctypes.c_bool)]


class DisconnectedParams(ctypes.Structure):
    _fields_ = [("connection_id", ctypes.c_int), ("status_code", ctypes.c_int), ("description", ctypes.c_char_p)]


class ErrorParams(ctypes.Structure):
    _fields_ = [("connection_id", ctypes.c_int), ("error_code", ctypes.c_int), ("description", ctypes.c_char_p)]


class ReadyToSendParams(ctypes.Structure):
    _fields_ = [("connection_id", ctypes.c_int)]


H = ctypes.c_void_p
_sigs = {
    "pier_version": (ctypes.c_char_p, []),
    "pier_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "pier_tcpserver_open": (H, []),
    "pier_tcpserver_close": (ctypes.c_int, [H]),
    "pier_tcpserver_register_callback": (ctypes.c_int, [H, ctypes.c_int, CALLBACK, ctypes.c_void_p]),
    "pier_tcpserver_get_last_error": (ctypes.c_char_p, [H]),
    "pier_tcpserver_get_last_error_code": (ctypes.c_int, [H]),
    "pier_tcpserver_set": (ctypes.c_int, [H, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]),
    "pier_tcpserver_get": (ctypes.c_void_p, [H, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]),
    "pier_tcpserver_set_int": (ctypes.c_int, [H, ctypes.c_int, ctypes.c_int, ctypes.c_int64]),
    "pier_tcpserver_get_int": (ctypes.c_int64, [H, ctypes.c_int, ctypes.c_int]),
    "pier_tcpserver_do_config": (ctypes.c_char_p, [H, ctypes.c_char_p]),
    "pier_tcpserver_do_doevents": (ctypes.c_int, [H]),
    "pier_tcpserver_do_startlistening": (ctypes.c_int, [H]),
    "pier_tcpserver_do_stoplistening": (ctypes.c_int, [H]),
    "pier_tcpserver_do_disconnect": (ctypes.c_int, [H, ctypes.c_int]),
    "pier_tcpserver_do_send": (ctypes.c_int, [H, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]),
    "pier_tcpserver_do_sendline": (ctypes.c_int, [H, ctypes.c_int, ctypes.c_char_p]),
    "pier_tcpserver_get_pollfd": (ctypes.c_int, [H]),
    "pier_tcpserver_get_timeout_ms": (ctypes.c_int, [H]),
}
for _name, (_res, _args) in _sigs.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

PARAMS = {
    K["PIER_TCPSERVER_EVENT_CONNECTED"]: ConnectedParams,
    K["PIER_TCPSERVER_EVENT_CONNECTIONREQUEST"]: ConnectionRequestParams,
    K["PIER_TCPSERVER_EVENT_DATAIN"]: DataInParams,
    K["PIER_TCPSERVER_EVENT_DISCONNECTED"]: DisconnectedParams,
    K["PIER_TCPSERVER_EVENT_ERROR"]: ErrorParams,
    K["PIER_TCPSERVER_EVENT_READYTOSEND"]: ReadyToSendParams,
}


class PierError(Exception):
    def __init__(self, code, text):
        super().__init__("%d: %s" % (code, text))
        self.code = code


class Server:
    """A thin wrapper. It keeps every callback object it registers in
    ``self._keep``: ctypes only holds a C pointer, and a CFUNCTYPE object that
    Python collects while registered would crash the process when called."""

    def __init__(self):
        self.h = lib.pier_tcpserver_open()
        assert self.h
        self._keep = {}

    def check(self, rc):
        if rc != 0:
            raise PierError(rc, lib.pier_tcpserver_get_last_error(self.h).decode())

    def on(self, event_id, fn):
        """fn(params_struct) for the event; the wrapper holds the CFUNCTYPE."""
        struct = PARAMS[event_id]

        def trampoline(handle, eid, params, user_data):
            fn(ctypes.cast(params, ctypes.POINTER(struct)).contents)
            return 0

        cb = CALLBACK(trampoline)
        self.check(lib.pier_tcpserver_register_callback(self.h, event_id, cb, None))
        self._keep[event_id] = cb  # keep it alive while registered

    def set(self, prop, value, index=0):
        if isinstance(value, int) and not isinstance(value, bool):
            self.check(lib.pier_tcpserver_set_int(self.h, prop, index, value))
        else:
            b = value if isinstance(value, bytes) else str(value).encode()
            self.check(lib.pier_tcpserver_set(self.h, prop, index, b, len(b)))

    def get(self, prop, index=0):
        n = ctypes.c_int(-1)
        p = lib.pier_tcpserver_get(self.h, prop, index, ctypes.byref(n))
        if not p:
            raise PierError(lib.pier_tcpserver_get_last_error_code(self.h),
                            lib.pier_tcpserver_get_last_error(self.h).decode())
        return ctypes.string_at(p, n.value)

    def get_int(self, prop, index=0):
        return lib.pier_tcpserver_get_int(self.h, prop, index)

    def config(self, setting):
        r = lib.pier_tcpserver_do_config(self.h, setting.encode())
        if r is None:
            raise PierError(lib.pier_tcpserver_get_last_error_code(self.h),
                            lib.pier_tcpserver_get_last_error(self.h).decode())
        return r.decode()

    def listen(self):
        self.set(K["PIER_TCPSERVER_PROP_LOCALHOST"], "127.0.0.1")
        self.set(K["PIER_TCPSERVER_PROP_LOCALPORT"], 0)
        self.check(lib.pier_tcpserver_do_startlistening(self.h))
        return self.get_int(K["PIER_TCPSERVER_PROP_LOCALPORT"])

    def pump_until(self, cond, seconds=5.0):
        deadline = time.monotonic() + seconds
        while not cond():
            assert time.monotonic() < deadline, "timed out waiting"
            self.check(lib.pier_tcpserver_do_doevents(self.h))

    def close(self):
        if self.h:
            rc = lib.pier_tcpserver_close(self.h)
            assert rc == 0, rc
            self.h = None
            self._keep.clear()


def recv_until(sock, srv, want, seconds=5.0):
    sock.setblocking(False)
    got = b""
    deadline = time.monotonic() + seconds
    while want not in got and time.monotonic() < deadline:
        srv.check(lib.pier_tcpserver_do_doevents(srv.h))
        try:
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
        except BlockingIOError:
            pass
    return got


# ---------------------------------------------------------------- tests

def test_version_and_strerror():
    assert lib.pier_version().decode() == K["PIER_VERSION"]
    assert lib.pier_version().decode() == "%d.%d.%d" % (
        K["PIER_VERSION_MAJOR"], K["PIER_VERSION_MINOR"], K["PIER_VERSION_PATCH"])
    for code in (901, 903, 906, 10035, 10060):
        assert lib.pier_strerror(code)


def test_misuse_error_codes():
    assert lib.pier_tcpserver_close(None) == 0
    assert lib.pier_tcpserver_do_doevents(None) == K["PIER_ERR_INVALID_HANDLE"]
    assert lib.pier_tcpserver_get_last_error_code(None) == K["PIER_ERR_INVALID_HANDLE"]
    assert lib.pier_tcpserver_get_last_error(None)
    assert lib.pier_tcpserver_do_doevents(0x1234) == K["PIER_ERR_INVALID_HANDLE"]
    s = Server()
    h = s.h
    assert lib.pier_tcpserver_set_int(h, 9999, 0, 1) == K["PIER_ERR_UNKNOWN_PROPERTY"]
    assert lib.pier_tcpserver_get_last_error_code(h) == K["PIER_ERR_UNKNOWN_PROPERTY"]
    assert lib.pier_tcpserver_get_last_error(h) != b""
    assert lib.pier_tcpserver_register_callback(h, 99, CALLBACK(lambda *a: 0), None) == K["PIER_ERR_UNKNOWN_EVENT"]
    assert lib.pier_tcpserver_set_int(h, K["PIER_TCPSERVER_PROP_LOCALHOST"], 0, 1) == K["PIER_ERR_WRONG_TYPE"]
    assert lib.pier_tcpserver_set_int(h, K["PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH"], 0, 255) == \
        K["PIER_ERR_INVALID_VALUE"]
    assert s.get_int(K["PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH"]) == 2048
    assert lib.pier_tcpserver_set(h, K["PIER_TCPSERVER_PROP_CONNECTIONCOUNT"], 0, b"1", 1) == K["PIER_ERR_READ_ONLY"]
    assert lib.pier_tcpserver_get(h, K["PIER_TCPSERVER_PROP_DATATOSEND"], 0, None) is None
    assert lib.pier_tcpserver_get_last_error_code(h) == K["PIER_ERR_WRITE_ONLY"]
    assert lib.pier_tcpserver_set(h, K["PIER_TCPSERVER_PROP_DEFAULTEOL"], 0, None, 5) == K["PIER_ERR_NULL_ARGUMENT"]
    try:
        s.config("NoSuchSetting")
        raise AssertionError("unknown setting accepted")
    except PierError as e:
        assert e.code == K["PIER_ERR_UNKNOWN_SETTING"]
    # A success resets the last error.
    assert s.get(K["PIER_TCPSERVER_PROP_LINGER"]) == b"True"
    assert lib.pier_tcpserver_get_last_error_code(h) == 0
    assert lib.pier_tcpserver_get_last_error(h) == b""
    assert s.config("MaxConnections") == "1000"
    assert lib.pier_tcpserver_do_disconnect(h, 42) == K["PIER_ERR_INVALID_CONNECTION"]
    s.close()
    assert lib.pier_tcpserver_close(h) == K["PIER_ERR_INVALID_HANDLE"]
    assert lib.pier_tcpserver_do_doevents(h) == K["PIER_ERR_INVALID_HANDLE"]


def test_echo_with_a_real_socket():
    s = Server()
    seen = {"connected": [], "lines": [], "disconnected": [], "ready": 0}

    def on_connected(p):
        seen["connected"].append((p.connection_id, p.status_code, p.description))

    def on_datain(p):
        text = ctypes.string_at(p.text, p.text_len)
        assert p.text[p.text_len] == 0  # followed by a NUL byte
        seen["lines"].append((text, p.eol))
        # Calls on the handle from inside a callback are allowed ...
        s.check(lib.pier_tcpserver_do_sendline(s.h, p.connection_id, text))
        # ... but not a nested DoEvents.
        assert lib.pier_tcpserver_do_doevents(s.h) == K["PIER_ERR_REENTRANT"]

    def on_disconnected(p):
        seen["disconnected"].append((p.connection_id, p.status_code, p.description))

    def on_ready(p):
        seen["ready"] += 1

    s.on(K["PIER_TCPSERVER_EVENT_CONNECTED"], on_connected)
    s.on(K["PIER_TCPSERVER_EVENT_DATAIN"], on_datain)
    s.on(K["PIER_TCPSERVER_EVENT_DISCONNECTED"], on_disconnected)
    s.on(K["PIER_TCPSERVER_EVENT_READYTOSEND"], on_ready)
    s.set(K["PIER_TCPSERVER_PROP_DEFAULTEOL"], b"\n")
    # The wrapper holds the callback objects: collecting garbage changes nothing.
    gc.collect()
    port = s.listen()
    assert 0 < port < 65536
    c = socket.create_connection(("127.0.0.1", port))
    s.pump_until(lambda: seen["connected"])
    cid, status, desc = seen["connected"][0]
    assert cid > 0 and status == 0 and desc == b"OK"
    assert s.get(K["PIER_TCPSERVER_PROP_REMOTEHOST"], cid) == b"127.0.0.1"
    assert s.get_int(K["PIER_TCPSERVER_PROP_REMOTEPORT"], cid) == c.getsockname()[1]
    assert s.get(K["PIER_TCPSERVER_PROP_CONNECTIONID"], 0) == str(cid).encode()
    c.sendall(b"hello, ")
    c.sendall("pier \u00e9\n".encode())
    reply = recv_until(c, s, b"\r\n")
    assert reply == "hello, pier \u00e9\r\n".encode(), reply
    assert seen["lines"] == [("hello, pier \u00e9".encode(), True)]
    assert seen["ready"] == 1
    # Binary data with NUL bytes through set(DataToSend).
    s.set(K["PIER_TCPSERVER_PROP_DATATOSEND"], b"a\x00b", cid)
    assert recv_until(c, s, b"a\x00b") == b"a\x00b"
    c.close()
    s.pump_until(lambda: seen["disconnected"])
    assert seen["disconnected"] == [(cid, 0, b"OK")]
    assert s.get_int(K["PIER_TCPSERVER_PROP_CONNECTIONCOUNT"]) == 0
    s.close()


def test_writable_accept_refuses_a_client():
    s = Server()
    requests = []
    connected = []

    def on_request(p):
        requests.append((p.address, p.port, p.accept))
        p.accept = False  # writable parameter: refuse

    s.on(K["PIER_TCPSERVER_EVENT_CONNECTIONREQUEST"], on_request)
    s.on(K["PIER_TCPSERVER_EVENT_CONNECTED"], lambda p: connected.append(p.connection_id))
    port = s.listen()
    c = socket.create_connection(("127.0.0.1", port))
    s.pump_until(lambda: requests)
    for _ in range(5):
        lib.pier_tcpserver_do_doevents(s.h)
    assert requests[0][0] == b"127.0.0.1" and requests[0][1] == c.getsockname()[1] and requests[0][2] is True
    assert connected == []
    c.settimeout(5)
    assert c.recv(10) == b""  # closed with a FIN
    c.close()
    s.close()


def test_host_loop_with_select():
    """The host-loop pattern: SelectWaitMillis=0, wait on get_pollfd()."""
    import select
    s = Server()
    lines = []

    def on_datain(p):
        lines.append(ctypes.string_at(p.text, p.text_len))
        lib.pier_tcpserver_do_sendline(s.h, p.connection_id, b"ok")

    s.on(K["PIER_TCPSERVER_EVENT_DATAIN"], on_datain)
    s.set(K["PIER_TCPSERVER_PROP_DEFAULTEOL"], b"\n")
    s.config("SelectWaitMillis=0")
    fd = lib.pier_tcpserver_get_pollfd(s.h)
    assert fd >= 0
    port = s.listen()
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"ping\n")
    deadline = time.monotonic() + 5
    while not lines and time.monotonic() < deadline:
        t = lib.pier_tcpserver_get_timeout_ms(s.h)
        select.select([fd], [], [], 0.1 if t < 0 else min(t, 100) / 1000.0)
        s.check(lib.pier_tcpserver_do_doevents(s.h))
    assert lines == [b"ping"]
    c.settimeout(5)
    assert c.recv(10) == b"ok\r\n"
    c.close()
    s.close()


def _main():
    failed = 0
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    for name, fn in tests:
        try:
            fn()
            print("ok   ", name)
        except Exception:  # report every failure, then exit non-zero
            import traceback
            failed += 1
            print("FAIL ", name)
            traceback.print_exc()
    print("test_ctypes: %d of %d passed" % (len(tests) - failed, len(tests)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_main())
