"""TLS through pier's TCPServer, driven from Python through ctypes, with real
TLS clients: Python's ssl module (OpenSSL) and curl.

The server runs in a thread that calls pier_tcpserver_do_doevents; callbacks
fire on that thread. Anything else the test does on the handle goes through
Server.call(), which runs it on the same thread between two DoEvents, so
blocking methods (a send with Timeout > 0, SendFile) behave as they would in a
single-threaded C program while the client reads in the test's thread.

Covers: TLS 1.2 and 1.3, client certificates (accepted, rejected, absent),
STARTTLS-style explicit mode, curl, and the plaintext behaviours over TLS:
EOL and RecordLength framing, backpressure (10035, then ReadyToSend once the
client drains — also while reading is paused), blocking send (Timeout > 0,
and 10060 when the client never reads), SendFile byte-exact, IdleTimeout,
PauseData/ProcessData, and Linger False (the client sees a reset).

Certificates are made by the tests with the openssl CLI in a temporary
directory. The library is PIER_LIB, else found as test_ctypes.py finds it
(target/release, then target/debug); constants come from include/pier.h.

    python3 -m pytest -q tests-python/test_tls.py
    python3 tests-python/test_tls.py          # the same, without pytest
"""

import ctypes
import hashlib
import os
import queue
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_int, c_int64, c_uint8, c_void_p)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 20.0  # generous: every wait fails only after this many seconds


# --------------------------------------------------------------------------
# The library and its constants
# --------------------------------------------------------------------------

def find_library():
    env = os.environ.get("PIER_LIB")
    if env:
        return env
    # The same search as test_ctypes.py.
    for d in ("target/release", "target/debug", "build/target/release"):
        path = os.path.join(ROOT, d, "libpier.so")
        if os.path.exists(path):
            return path
    raise RuntimeError("libpier.so not found: build it (cargo build --release) or set PIER_LIB")


def header_constants():
    """Every #define NAME <integer> of include/pier.h."""
    consts = {}
    with open(os.path.join(ROOT, "include", "pier.h")) as f:
        for m in re.finditer(r"^#define (PIER_\w+) (-?\d+)\s*$", f.read(), re.M):
            consts[m.group(1)] = int(m.group(2))
    return consts


C = header_constants()
lib = ctypes.CDLL(find_library())

CALLBACK = CFUNCTYPE(c_int, c_void_p, c_int, c_void_p, c_void_p)
_sigs = {
    "open": (c_void_p, []),
    "close": (c_int, [c_void_p]),
    "register_callback": (c_int, [c_void_p, c_int, CALLBACK, c_void_p]),
    "get_last_error": (c_char_p, [c_void_p]),
    "get_last_error_code": (c_int, [c_void_p]),
    "set": (c_int, [c_void_p, c_int, c_int, c_char_p, c_int]),
    "get": (c_void_p, [c_void_p, c_int, c_int, POINTER(c_int)]),
    "set_int": (c_int, [c_void_p, c_int, c_int, c_int64]),
    "get_int": (c_int64, [c_void_p, c_int, c_int]),
    "do_config": (c_char_p, [c_void_p, c_char_p]),
    "do_doevents": (c_int, [c_void_p]),
    "do_startlistening": (c_int, [c_void_p]),
    "do_disconnect": (c_int, [c_void_p, c_int]),
    "do_startssl": (c_int, [c_void_p, c_int]),
    "do_pausedata": (c_int, [c_void_p, c_int]),
    "do_processdata": (c_int, [c_void_p, c_int]),
    "do_changerecordlength": (c_int, [c_void_p, c_int, c_int]),
    "do_send": (c_int, [c_void_p, c_int, c_char_p, c_int]),
    "do_sendline": (c_int, [c_void_p, c_int, c_char_p]),
    "do_sendfile": (c_int, [c_void_p, c_int, c_char_p]),
}
for _name, (_res, _args) in _sigs.items():
    _f = getattr(lib, "pier_tcpserver_" + _name)
    _f.restype, _f.argtypes = _res, _args


def P(name):
    return C["PIER_TCPSERVER_PROP_" + name]


class ConnectedParams(Structure):
    _fields_ = [("connection_id", c_int), ("status_code", c_int), ("description", c_char_p)]


class DataInParams(Structure):
    _fields_ = [("connection_id", c_int), ("text", POINTER(c_uint8)), ("text_len", c_int), ("eol", c_bool)]


class DisconnectedParams(Structure):
    _fields_ = [("connection_id", c_int), ("status_code", c_int), ("description", c_char_p)]


class ErrorParams(Structure):
    _fields_ = [("connection_id", c_int), ("error_code", c_int), ("description", c_char_p)]


class ReadyToSendParams(Structure):
    _fields_ = [("connection_id", c_int)]


class SSLClientAuthenticationParams(Structure):
    _fields_ = [("connection_id", c_int), ("cert_encoded", POINTER(c_uint8)), ("cert_encoded_len", c_int),
                ("cert_subject", c_char_p), ("cert_issuer", c_char_p), ("status", c_char_p), ("accept", c_bool)]


class SSLStatusParams(Structure):
    _fields_ = [("connection_id", c_int), ("message", c_char_p)]


EVENTS = {
    "Connected": (C["PIER_TCPSERVER_EVENT_CONNECTED"], ConnectedParams),
    "DataIn": (C["PIER_TCPSERVER_EVENT_DATAIN"], DataInParams),
    "Disconnected": (C["PIER_TCPSERVER_EVENT_DISCONNECTED"], DisconnectedParams),
    "Error": (C["PIER_TCPSERVER_EVENT_ERROR"], ErrorParams),
    "ReadyToSend": (C["PIER_TCPSERVER_EVENT_READYTOSEND"], ReadyToSendParams),
    "SSLClientAuthentication": (C["PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION"], SSLClientAuthenticationParams),
    "SSLStatus": (C["PIER_TCPSERVER_EVENT_SSLSTATUS"], SSLStatusParams),
}


def _plain(params):
    """A dict copy of an event's params (pointers are valid only during the callback)."""
    out = {}
    for name, _ in params._fields_:
        v = getattr(params, name)
        if name in ("text", "cert_encoded"):
            v = ctypes.string_at(v, getattr(params, name + "_len")) if v else b""
        elif isinstance(v, bytes):
            v = v.decode()
        out[name] = v
    return out


# --------------------------------------------------------------------------
# Certificates (openssl CLI, temporary directory)
# --------------------------------------------------------------------------

_certs = None


def certs():
    """A CA, a server certificate for localhost signed by it (server.pem = key +
    certificate), and a client certificate, made once per run."""
    global _certs
    if _certs:
        return _certs
    d = tempfile.mkdtemp(prefix="pier-py-tls-")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-subj", "/CN=pier test CA", "-days", "2")
    with open(os.path.join(d, "v3.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    for name, cn in (("server", "localhost"), ("client", "pier client")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/O=pier/CN=" + cn)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2", "-extfile", "v3.ext")
    with open(os.path.join(d, "server.pem"), "wb") as out:
        for part in ("server.key", "server.crt"):
            with open(os.path.join(d, part), "rb") as f:
                out.write(f.read())
    _certs = d
    return d


def cleanup_certs():
    global _certs
    if _certs:
        shutil.rmtree(_certs, ignore_errors=True)
        _certs = None


def teardown_module(module):  # pytest
    cleanup_certs()


# --------------------------------------------------------------------------
# A TLS server on a pump thread
# --------------------------------------------------------------------------

class PierError(Exception):
    def __init__(self, code, text):
        super().__init__(f"[{code}] {text}")
        self.code = code


class Server:
    """A TCPServer with TLS on 127.0.0.1, pumped by a thread.

    handler(server, name, params) runs on the pump thread for every event of
    `EVENTS` (params is the ctypes struct: writable fields may be changed);
    every event is also logged as (name, dict) in server.log."""

    def __init__(self, handler=None, start_mode=1, configure=None):
        self.h = lib.pier_tcpserver_open()
        assert self.h
        self.handler = handler
        self.log = []
        self.lock = threading.Lock()
        self.calls = queue.Queue()
        self.stop = False
        self._cbs = []  # ctypes callbacks must stay alive while registered
        for name, (eid, struct) in EVENTS.items():
            cb = CALLBACK(self._make_cb(name, struct))
            self._cbs.append(cb)
            assert lib.pier_tcpserver_register_callback(self.h, eid, cb, None) == 0
        d = certs()
        self.check(lib.pier_tcpserver_set_int(self.h, P("SSLCERTSTORETYPE"), 0, 6))
        self.set_text(P("SSLCERTSTORE"), os.path.join(d, "server.pem"))
        self.set_text(P("SSLCERTSUBJECT"), "*")
        self.check(lib.pier_tcpserver_set_int(self.h, P("SSLSTARTMODE"), 0, start_mode))
        self.set_text(P("DEFAULTEOL"), "\n")
        self.config("SelectWaitMillis=5")
        if configure:
            configure(self)
        self.set_text(P("LOCALHOST"), "127.0.0.1")
        self.check(lib.pier_tcpserver_set_int(self.h, P("LOCALPORT"), 0, 0))
        self.check(lib.pier_tcpserver_do_startlistening(self.h))
        self.port = lib.pier_tcpserver_get_int(self.h, P("LOCALPORT"), 0)
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _make_cb(self, name, struct):
        def cb(handle, event_id, params, user_data):
            p = ctypes.cast(params, POINTER(struct)).contents
            try:
                if self.handler:
                    self.handler(self, name, p)
            except Exception as e:  # never let an exception vanish in a callback
                with self.lock:
                    self.log.append(("handler-exception", {"error": repr(e)}))
            with self.lock:
                self.log.append((name, _plain(p)))
            return 0
        return cb

    def _pump(self):
        while not self.stop:
            try:
                while True:
                    fn, box, done = self.calls.get_nowait()
                    try:
                        box.append(("ok", fn(self)))
                    except BaseException as e:
                        box.append(("err", e))
                    done.set()
            except queue.Empty:
                pass
            rc = lib.pier_tcpserver_do_doevents(self.h)
            assert rc == 0, self.last_error()

    # --- helpers usable from any thread (call) or from callbacks (direct) ---

    def call(self, fn, timeout=TIMEOUT * 3):
        """Runs fn(server) on the pump thread and returns its result."""
        box, done = [], threading.Event()
        self.calls.put((fn, box, done))
        assert done.wait(timeout), "the pump thread did not run the call"
        kind, value = box[0]
        if kind == "err":
            raise value
        return value

    def last_error(self):
        return lib.pier_tcpserver_get_last_error(self.h).decode()

    def check(self, rc):
        if rc != 0:
            raise PierError(rc, self.last_error())

    def set_text(self, prop, text, index=0):
        data = text.encode() if isinstance(text, str) else text
        self.check(lib.pier_tcpserver_set(self.h, prop, index, data, len(data)))

    def get_text(self, prop, index=0):
        n = c_int(0)
        p = lib.pier_tcpserver_get(self.h, prop, index, ctypes.byref(n))
        assert p, self.last_error()
        return ctypes.string_at(p, n.value).decode()

    def config(self, setting):
        r = lib.pier_tcpserver_do_config(self.h, setting.encode())
        if r is None:
            raise PierError(lib.pier_tcpserver_get_last_error_code(self.h), self.last_error())
        return r.decode()

    def send(self, cid, data):
        """do_send: returns 0 or the error code (10035: see BytesSent)."""
        return lib.pier_tcpserver_do_send(self.h, cid, data, len(data))

    def bytes_sent(self, cid):
        return lib.pier_tcpserver_get_int(self.h, P("BYTESSENT"), cid)

    # --- waiting on the log (test thread) ---

    def events(self, name=None, cid=None):
        with self.lock:
            return [p for n, p in self.log
                    if (name is None or n == name) and (cid is None or p.get("connection_id") == cid)]

    def wait_for(self, name, cid=None, pred=lambda p: True, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.events(name, cid):
                if pred(p):
                    return p
            time.sleep(0.005)
        raise AssertionError(f"no {name} event (connection {cid}) within {timeout} s; log: {self.summary()}")

    def summary(self):
        with self.lock:
            return [(n, {k: v for k, v in p.items() if k not in ("text", "cert_encoded")}) for n, p in self.log][-40:]

    def close(self):
        self.stop = True
        self.thread.join(TIMEOUT)
        lib.pier_tcpserver_close(self.h)
        errors = [p for n, p in self.log if n == "handler-exception"]
        assert not errors, errors


def echo_lines(server, name, p):
    """DataIn handler: "echo: <line>" for complete lines."""
    if name == "DataIn" and p.eol:
        line = ctypes.string_at(p.text, p.text_len)
        server.check(lib.pier_tcpserver_do_sendline(server.h, p.connection_id, b"echo: " + line))


# --------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------

def client_context(version=None, with_cert=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(certs(), "ca.pem"))
    ctx.check_hostname = True
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    if with_cert:
        ctx.load_cert_chain(os.path.join(certs(), "client.crt"), os.path.join(certs(), "client.key"))
    return ctx


def tls_connect(port, version=None, with_cert=False, rcvbuf=None):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(TIMEOUT)
    raw.connect(("127.0.0.1", port))
    return client_context(version, with_cert).wrap_socket(raw, server_hostname="localhost")


def recv_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        buf += chunk
    return buf


def recv_exact(s, n):
    parts, got = [], 0
    while got < n:
        chunk = s.recv(min(1 << 16, n - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def connected_id(server, before=0):
    """The id of the next Connected event after `before` connections."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ids = [p["connection_id"] for p in server.events("Connected")]
        if len(ids) > before:
            return ids[before]
        time.sleep(0.005)
    raise AssertionError(f"no Connected event; log: {server.summary()}")


# --------------------------------------------------------------------------
# Handshakes with real clients
# --------------------------------------------------------------------------

def test_echo_over_tls13_and_tls12():
    srv = Server(echo_lines)
    try:
        for n, (version, name) in enumerate(((ssl.TLSVersion.TLSv1_3, "TLS1.3"), (ssl.TLSVersion.TLSv1_2, "TLS1.2"))):
            with tls_connect(srv.port, version) as s:
                assert s.version() == name.replace("TLS", "TLSv")
                cid = connected_id(srv, n)
                s.sendall(b"hello " + name.encode() + b"\n")
                assert recv_line(s) == b"echo: hello " + name.encode() + b"\r\n"
                assert srv.call(lambda sv: sv.config(f"SSLNegotiatedVersion[{cid}]")) == name
                assert srv.call(lambda sv: sv.config(f"SSLNegotiatedCipherSuite[{cid}]")) == s.cipher()[0] \
                    or name == "TLS1.2"  # OpenSSL names TLS 1.2 suites its own way
            srv.wait_for("Disconnected", cid)
        assert srv.events("SSLStatus"), "SSLStatus reports the handshake"
    finally:
        srv.close()


def test_client_certificates_accepted_rejected_and_absent():
    decision = {"accept": True}

    def handler(server, name, p):
        if name == "SSLClientAuthentication":
            p.accept = p.accept and decision["accept"]
        echo_lines(server, name, p)

    def configure(sv):
        sv.check(lib.pier_tcpserver_set_int(sv.h, P("SSLAUTHENTICATECLIENTS"), 0, 1))
        with open(os.path.join(certs(), "ca.pem")) as f:
            sv.config("SSLCACerts=" + f.read())

    srv = Server(handler, configure=configure)
    try:
        # Accepted: the application sees the verified certificate.
        with tls_connect(srv.port, with_cert=True) as s:
            s.sendall(b"signed\n")
            assert recv_line(s) == b"echo: signed\r\n"
        auth = srv.wait_for("SSLClientAuthentication")
        assert auth["cert_subject"] == "CN=pier client, O=pier"
        assert auth["cert_issuer"] == "CN=pier test CA"
        assert auth["status"] == "OK" and auth["accept"]
        assert auth["cert_encoded"][:1] == b"\x30"  # DER
        first = auth["connection_id"]
        srv.wait_for("Disconnected", first)

        # Rejected by the application: no Connected, Disconnected 280, the client gets nothing.
        decision["accept"] = False
        with tls_connect(srv.port, ssl.TLSVersion.TLSv1_3, with_cert=True) as s:
            # TLS 1.3: the client's handshake is done before the server decides.
            try:
                s.sendall(b"refused\n")
                got = s.recv(100)
            except (ssl.SSLError, ConnectionError):
                got = b""
            assert got == b""
        d = srv.wait_for("Disconnected", pred=lambda p: p["connection_id"] != first)
        assert d["status_code"] == 280
        assert [p["connection_id"] for p in srv.events("Connected")] == [first]

        # No certificate at all: the request is optional, so the handshake
        # completes; SSLClientAuthentication does not fire (it fires "when the
        # client presents its credentials") and SSLStatus says so.
        before = len(srv.events("SSLClientAuthentication"))
        with tls_connect(srv.port, ssl.TLSVersion.TLSv1_3) as s:
            s.sendall(b"anonymous\n")
            assert recv_line(s) == b"echo: anonymous\r\n"
        third = srv.events("Connected")[-1]["connection_id"]
        assert third not in (first, d["connection_id"])
        srv.wait_for("Disconnected", third)
        assert len(srv.events("SSLClientAuthentication")) == before
        assert any("no certificate" in p["message"] for p in srv.events("SSLStatus", third))
    finally:
        srv.close()


def test_explicit_mode_starttls_after_plaintext():
    def handler(server, name, p):
        if name == "DataIn":
            line = ctypes.string_at(p.text, p.text_len)
            if line == b"STARTTLS":
                server.check(lib.pier_tcpserver_do_sendline(server.h, p.connection_id, b"220 go ahead"))
                server.check(lib.pier_tcpserver_do_startssl(server.h, p.connection_id))
                return
        echo_lines(server, name, p)

    srv = Server(handler, start_mode=2)
    try:
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
        raw.sendall(b"plain\n")
        assert recv_line(raw) == b"echo: plain\r\n"
        raw.sendall(b"STARTTLS\n")
        assert recv_line(raw) == b"220 go ahead\r\n"
        s = client_context().wrap_socket(raw, server_hostname="localhost")
        s.sendall(b"secret\n")
        assert recv_line(s) == b"echo: secret\r\n"
        s.close()
        cid = srv.events("Connected")[0]["connection_id"]
        assert len(srv.events("Connected", cid)) == 2, "Connected fires again after the handshake"
    finally:
        srv.close()


def test_curl_gets_a_reply_over_tls13():
    if not shutil.which("curl"):
        print("curl not installed: skipped")
        return

    def handler(server, name, p):
        if name == "DataIn" and ctypes.string_at(p.text, p.text_len).startswith(b"GET"):
            server.check(server.send(p.connection_id, b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
            server.check(lib.pier_tcpserver_do_disconnect(server.h, p.connection_id))

    srv = Server(handler)
    try:
        out = subprocess.run(["curl", "-sS", "-k", "--tlsv1.3", "--max-time", str(int(TIMEOUT)),
                              f"https://127.0.0.1:{srv.port}/"], capture_output=True, timeout=TIMEOUT * 2)
        assert out.returncode == 0, out.stderr
        assert out.stdout == b"hello"
        cid = srv.wait_for("Connected")["connection_id"]
        assert srv.wait_for("Disconnected", cid)["status_code"] == 0
    finally:
        srv.close()


# --------------------------------------------------------------------------
# Plaintext behaviours over TLS
# --------------------------------------------------------------------------

def test_eol_framing_across_records():
    srv = Server(configure=lambda sv: sv.set_text(P("DEFAULTEOL"), "||"))
    try:
        with tls_connect(srv.port) as s:
            cid = connected_id(srv)
            # Each sendall is its own TLS record: the EOL is split across records.
            for piece in (b"one|", b"|tw", b"o||thr", b"ee|", b"|tail"):
                s.sendall(piece)
            srv.wait_for("DataIn", cid, lambda p: p["text"] == b"three")
        srv.wait_for("Disconnected", cid)
        texts = [(p["text"], p["eol"]) for p in srv.events("DataIn", cid)]
        # A partial line is delivered with EOL False when the connection closes.
        assert texts == [(b"one", True), (b"two", True), (b"three", True), (b"tail", False)]
    finally:
        srv.close()


def test_record_length_framing():
    def handler(server, name, p):
        if name == "Connected":
            server.check(lib.pier_tcpserver_do_changerecordlength(server.h, p.connection_id, 5))

    srv = Server(handler)
    try:
        with tls_connect(srv.port) as s:
            cid = connected_id(srv)
            s.sendall(b"abc")
            s.sendall(b"defghij\nkl")
            srv.wait_for("DataIn", cid, lambda p: p["text"] == b"fghij")
            s.sendall(b"mno")
            srv.wait_for("DataIn", cid, lambda p: p["text"] == b"\nklmn")
        srv.wait_for("Disconnected", cid)
        data = [(p["text"], p["eol"]) for p in srv.events("DataIn", cid)]
        # Records of exactly 5 bytes whatever the TLS records were, the EOL
        # ignored; the incomplete rest arrives at the close with EOL False.
        assert data == [(b"abcde", True), (b"fghij", True), (b"\nklmn", True), (b"o", False)], data
    finally:
        srv.close()


def _fill_until_would_block(server, cid):
    """Sends 1 MiB chunks until one fails with 10035; returns (bytes taken, code)."""
    chunk = bytes(range(256)) * 4096
    taken = 0
    for _ in range(64):
        rc = server.send(cid, chunk)
        if rc == 0:
            taken += len(chunk)
            continue
        taken += server.bytes_sent(cid)
        return taken, rc
    return taken, 0


def _backpressure(pause):
    # Small kernel buffers on both sides, so that the bound below is tight.
    srv = Server(configure=lambda sv: sv.config("OutBufferSize=16384"))
    try:
        with tls_connect(srv.port, rcvbuf=32768) as s:
            cid = connected_id(srv)
            srv.wait_for("ReadyToSend", cid)  # the one after the handshake
            before = len(srv.events("ReadyToSend", cid))

            def fill(sv):
                taken, rc = _fill_until_would_block(sv, cid)
                if pause:
                    sv.check(lib.pier_tcpserver_do_pausedata(sv.h, cid))
                ready = lib.pier_tcpserver_get_int(sv.h, P("READYTOSEND"), cid)
                return taken, rc, ready

            taken, rc, ready = srv.call(fill)
            assert rc == C["PIER_ERR_WOULD_BLOCK"]
            assert ready == 0, "ReadyToSend reads False after 10035"
            # What the send took is bounded by the TLS layer's 64 KiB plus the
            # kernel's buffers (send 2 × 16 KiB, receive 2 × 32 KiB: Linux
            # doubles them) — nowhere near the 1 MiB offered.
            assert 0 < taken <= (64 << 10) + 2 * (16 << 10) + 2 * (32 << 10) + (64 << 10), taken
            assert len(srv.events("ReadyToSend", cid)) == before
            # The client drains everything that was taken: ReadyToSend fires once.
            got = recv_exact(s, taken)
            assert len(got) == taken
            pattern = bytes(range(256)) * 4096
            assert got == (pattern * (taken // len(pattern) + 1))[:taken]
            srv.wait_for("ReadyToSend", cid, lambda p: len(srv.events("ReadyToSend", cid)) > before)
            assert srv.call(lambda sv: lib.pier_tcpserver_get_int(sv.h, P("READYTOSEND"), cid)) == 1
            assert len(srv.events("ReadyToSend", cid)) == before + 1
            if pause:
                # Reading resumes with ProcessData.
                s.sendall(b"after\n")
                srv.call(lambda sv: sv.check(lib.pier_tcpserver_do_processdata(sv.h, cid)))
                srv.wait_for("DataIn", cid, lambda p: p["text"] == b"after")
    finally:
        srv.close()


def test_backpressure_10035_then_ready_to_send_once():
    _backpressure(pause=False)


def test_backpressure_while_reading_is_paused():
    # The echo examples pause reading after 10035 until ReadyToSend.
    _backpressure(pause=True)


class FlowControlledEcho:
    """The echo examples' pattern: what a send does not take is kept, reading
    pauses, and ReadyToSend sends the rest and resumes reading."""

    def __init__(self):
        self.pending = {}

    def __call__(self, server, name, p):
        if name == "DataIn":
            self.send(server, p.connection_id, ctypes.string_at(p.text, p.text_len))
        elif name == "ReadyToSend" and self.pending.get(p.connection_id):
            data = self.pending.pop(p.connection_id)
            rc = server.send(p.connection_id, data)
            if rc == C["PIER_ERR_WOULD_BLOCK"]:
                self.pending[p.connection_id] = data[server.bytes_sent(p.connection_id):]
            else:
                server.check(rc)
                server.check(lib.pier_tcpserver_do_processdata(server.h, p.connection_id))

    def send(self, server, cid, data):
        if cid in self.pending:
            self.pending[cid] += data
            return
        rc = server.send(cid, data)
        if rc == C["PIER_ERR_WOULD_BLOCK"]:
            self.pending[cid] = data[server.bytes_sent(cid):]
            server.check(lib.pier_tcpserver_do_pausedata(server.h, cid))
        else:
            server.check(rc)


def _raw_echo(sv):
    sv.set_text(P("DEFAULTEOL"), b"")


def echo_through(s, data):
    """Writes data and reads its echo at once, from one thread (an SSLSocket
    must not be read and written by two threads at the same time)."""
    import selectors
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent, got = 0, []
    received = 0
    deadline = time.monotonic() + TIMEOUT * 3
    while received < len(data):
        if time.monotonic() > deadline:
            break
        progress = False
        if sent < len(data):
            try:
                sent += s.send(data[sent:sent + (1 << 16)])
                progress = True
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                pass
        try:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got.append(chunk)
            received += len(chunk)
            progress = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            pass
        if not progress:
            sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if sent < len(data) else 0))
            sel.select(1.0)
    sel.close()
    s.setblocking(True)
    return b"".join(got)


def test_raw_echo_of_8_mib_with_flow_control():
    # The client writes and reads at once, as fast as it can: both directions
    # fill up, sends fail with 10035, reading pauses and resumes many times.
    srv = Server(FlowControlledEcho(), configure=_raw_echo)
    try:
        with tls_connect(srv.port) as s:
            data = os.urandom(8 << 20)
            got = echo_through(s, data)
            assert len(got) == len(data)
            assert got == data
    finally:
        srv.close()


def test_big_async_reply_sent_on_ready_to_send():
    # One DataIn asks for 16 MiB; the server sends it with Timeout 0,
    # continuing at each ReadyToSend, while the client reads as fast as it can
    # (default kernel buffers). Every 10035 must be followed by a ReadyToSend.
    payload = bytes(range(256)) * (1 << 16)  # 16 MiB
    state = {"off": 0, "would_block": 0}

    def push(server, cid):
        while state["off"] < len(payload):
            rc = server.send(cid, payload[state["off"]:state["off"] + (1 << 20)])
            if rc == C["PIER_ERR_WOULD_BLOCK"]:
                state["off"] += server.bytes_sent(cid)
                state["would_block"] += 1
                return
            server.check(rc)
            state["off"] += min(1 << 20, len(payload) - state["off"])

    def handler(server, name, p):
        if name == "DataIn" and ctypes.string_at(p.text, p.text_len) == b"go":
            push(server, p.connection_id)
        elif name == "ReadyToSend" and 0 < state["off"] < len(payload):
            push(server, p.connection_id)

    srv = Server(handler)
    try:
        with tls_connect(srv.port) as s:
            s.sendall(b"go\n")
            got = recv_exact(s, len(payload))
            assert len(got) == len(payload), (len(got), state)
            assert got == payload
            assert state["would_block"] > 0, "the TLS layer's bounded buffer made sends fail with 10035"
    finally:
        srv.close()


def test_blocking_send_with_timeout():
    srv = Server(configure=lambda sv: sv.config("OutBufferSize=16384"))
    try:
        # Small kernel buffers, so that 4 MiB cannot hide in them.
        with tls_connect(srv.port, rcvbuf=32768) as s:
            cid = connected_id(srv)
            data = os.urandom(4 << 20)
            result = {}

            def blocking_send(sv):
                sv.check(lib.pier_tcpserver_set_int(sv.h, P("TIMEOUT"), cid, 30))
                result["rc"] = sv.send(cid, data)
                result["sent"] = sv.bytes_sent(cid)

            t = threading.Thread(target=lambda: srv.call(blocking_send))
            t.start()
            got = recv_exact(s, len(data))
            t.join(TIMEOUT * 3)
            assert result == {"rc": 0, "sent": len(data)}
            assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()

            # A client that never reads: the blocking send gives up with 10060
            # after Timeout seconds without progress.
            def stuck_send(sv):
                sv.check(lib.pier_tcpserver_set_int(sv.h, P("TIMEOUT"), cid, 1))
                return sv.send(cid, data)

            assert srv.call(stuck_send) == C["PIER_ERR_TIMED_OUT"]
    finally:
        srv.close()


def test_sendfile_is_byte_exact():
    d = tempfile.mkdtemp(prefix="pier-py-sendfile-")
    try:
        path = os.path.join(d, "payload.bin")
        data = os.urandom(3 << 20) + b"end"
        with open(path, "wb") as f:
            f.write(data)
        srv = Server()
        try:
            with tls_connect(srv.port) as s:
                cid = connected_id(srv)
                result = {}

                def sendfile(sv):
                    result["rc"] = lib.pier_tcpserver_do_sendfile(sv.h, cid, path.encode())
                    result["sent"] = sv.bytes_sent(cid)

                t = threading.Thread(target=lambda: srv.call(sendfile))
                t.start()
                got = recv_exact(s, len(data))
                t.join(TIMEOUT * 3)
                assert result == {"rc": 0, "sent": len(data)}
                assert got == data
        finally:
            srv.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_idle_timeout():
    srv = Server(configure=lambda sv: sv.check(lib.pier_tcpserver_set_int(sv.h, P("DEFAULTIDLETIMEOUT"), 0, 1)))
    try:
        with tls_connect(srv.port) as s:
            cid = connected_id(srv)
            d = srv.wait_for("Disconnected", cid)
            assert d["status_code"] == C["PIER_ERR_TIMED_OUT"]
            try:
                end = s.recv(10)
            except (ssl.SSLError, ConnectionError):
                end = b""
            assert end == b"", "the client sees the connection end"
    finally:
        srv.close()


def test_pause_and_process_data():
    def handler(server, name, p):
        if name == "Connected":
            server.check(lib.pier_tcpserver_do_pausedata(server.h, p.connection_id))

    srv = Server(handler)
    try:
        with tls_connect(srv.port) as s:
            cid = connected_id(srv)
            s.sendall(b"held\n")
            # Whatever the timing, nothing may arrive while paused.
            srv.call(lambda sv: None)
            time.sleep(0.3)
            assert srv.events("DataIn", cid) == []
            srv.call(lambda sv: sv.check(lib.pier_tcpserver_do_processdata(sv.h, cid)))
            p = srv.wait_for("DataIn", cid)
            assert (p["text"], p["eol"]) == (b"held", True)
    finally:
        srv.close()


def _close_seen_by_client(linger):
    """How the client's TCP stack sees the server's Disconnect: 'reset' or 'eof'."""
    srv = Server(configure=lambda sv: sv.check(lib.pier_tcpserver_set_int(sv.h, P("LINGER"), 0, linger)))
    try:
        s = tls_connect(srv.port)
        cid = connected_id(srv)
        s.sendall(b"x\n")
        srv.wait_for("DataIn", cid)
        srv.call(lambda sv: sv.check(lib.pier_tcpserver_do_disconnect(sv.h, cid)))
        assert srv.wait_for("Disconnected", cid)["status_code"] == 0
        # Read the TLS stream to its end, then the socket below it.
        try:
            while s.recv(100):
                pass
        except (ssl.SSLError, ConnectionError):
            pass
        raw = socket.socket(fileno=os.dup(s.fileno()))
        raw.settimeout(TIMEOUT)
        try:
            seen = "eof" if raw.recv(100) == b"" else "data"
        except ConnectionResetError:
            seen = "reset"
        raw.close()
        s.close()
        return seen
    finally:
        srv.close()


def test_linger_false_resets_and_linger_true_closes_in_order():
    assert _close_seen_by_client(0) == "reset"
    assert _close_seen_by_client(1) == "eof"


def _sigpipe_child():
    """Runs in a child process with SIGPIPE at its default action (Python
    ignores it, C programs usually do not): sends to a client that has closed
    its socket. Each send must fail with an error code, never kill the process."""
    import signal
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    def handler(server, name, p):
        if name == "Connected":  # do not notice the client's FIN
            server.check(lib.pier_tcpserver_do_pausedata(server.h, p.connection_id))

    srv = Server(handler)
    s = tls_connect(srv.port)
    cid = connected_id(srv)
    srv.wait_for("ReadyToSend", cid)
    s.close()  # FIN; the server's next write draws a reset, the one after it EPIPE
    codes = []
    for _ in range(50):
        rc = srv.call(lambda sv: sv.send(cid, b"x" * 1000))
        codes.append(rc)
        if rc != 0:
            break
        time.sleep(0.05)
    srv.close()
    print("codes", codes)


def test_send_to_a_closed_client_raises_no_sigpipe():
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--sigpipe-child"], capture_output=True,
                         timeout=TIMEOUT * 3, env=dict(os.environ, PIER_LIB=find_library()))
    assert out.returncode == 0, (out.returncode, out.stderr.decode()[-2000:])
    codes = eval(out.stdout.decode().split("codes", 1)[1])
    assert codes[-1] not in (0, C["PIER_ERR_WOULD_BLOCK"]), codes  # a real error, reported


# --------------------------------------------------------------------------

if __name__ == "__main__":
    if sys.argv[1:] == ["--sigpipe-child"]:
        try:
            _sigpipe_child()
        finally:
            cleanup_certs()
        sys.exit(0)
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    passed = failed = 0
    try:
        for name, fn in tests:
            try:
                fn()
                passed += 1
                print(f"ok   {name}")
            except Exception as e:  # report and go on
                failed += 1
                print(f"FAIL {name}: {e!r}")
    finally:
        cleanup_certs()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
