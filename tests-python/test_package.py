"""The Python package (python/pier) against the real library, with real
sockets and real clients: Python's socket and ssl modules, asyncio streams,
the `websockets` client, the tftp-hpa client.

Covers: the generated module is fresh and agrees with the library (every
property id is known to it, every event id registers, every error code has
its text) and with the C compiler (every event struct's size and field
offsets); properties by type, read-only / write-only, errors as pier.Error
subclasses; TCP echo with Connected / DataIn / Disconnected and
connections[cid]; a refused ConnectionRequest; an exception in a handler
raised again by do_events; an event used after its handler; TLS with the ssl
module; WSServer with websockets and a writable string field
(WebSocketOpenRequest.sub_protocols); TFTP download with tftp-hpa and an
upload whose name the ConnectionRequest sees; asyncio: TCP and TFTP served by
`await serve()` beside another task, no thread; interpreter exit with
servers open; `pip install ./python` into a fresh venv, and the wheel of
scripts/build_wheel.sh bundling libpier.so.

The library is PIER_LIBRARY (scripts/test.sh sets it to target/release).

    PIER_LIBRARY=target/release/libpier.so python3 -m pytest -q tests-python/test_package.py
"""

import asyncio
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYDIR = os.path.join(ROOT, "python")
TIMEOUT = 20.0

if not os.environ.get("PIER_LIBRARY"):
    for d in ("target/release", "target/debug"):
        candidate = os.path.join(ROOT, d, "libpier.so")
        if os.path.exists(candidate):
            os.environ["PIER_LIBRARY"] = candidate
            break
sys.path.insert(0, PYDIR)

import pier  # noqa: E402
from pier import _generated  # noqa: E402


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


async def serving(*servers):
    """Tasks that run each server's serve() in the current loop."""
    return [asyncio.create_task(s.serve()) for s in servers]


async def stop(tasks):
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- generated, and agreeing ----------------------------------------------

def test_generated_module_is_fresh():
    r = subprocess.run([sys.executable, os.path.join(PYDIR, "gen_bindings.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_package_version_matches_header_and_library():
    text = open(os.path.join(PYDIR, "pyproject.toml")).read()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == pier.__version__
    assert pier.version() == pier.__version__


COMPONENTS = [pier.TCPServer, pier.TFTPServer, pier.WSServer, pier.OFTPServer]


@pytest.mark.parametrize("cls", COMPONENTS, ids=lambda c: c.__name__)
def test_every_generated_id_is_known_to_the_library(cls):
    prefix = cls.__name__.upper() + "_PROP_"
    props = {k: v for k, v in vars(_generated).items() if k.startswith(prefix)}
    assert props, "no property ids generated"
    with cls() as s:
        for name, ident in props.items():
            try:
                s.get(ident, 0)
            except pier.Error as e:
                # write-only, no such connection or position: known ids all the same
                assert e.code in (914, 126, 913), (name, e)
        with pytest.raises(pier.UnknownPropertyError):
            s.get(max(props.values()) + 1)
        for name, ev in cls._events.items():
            s.on(name, lambda e: None)
            s.off(ev.event_id)
        with pytest.raises(pier.UnknownEventError):
            s.on("NoSuchEvent", lambda e: None)


def test_every_error_code_has_its_text():
    unknown = pier.strerror(987654)
    for code, cls in _generated.ERROR_CLASSES.items():
        assert issubclass(cls, pier.Error)
        assert cls.code_value == code
        assert pier.strerror(code) != unknown, code


def test_event_structs_match_the_c_compiler(tmp_path):
    """sizeof and offsetof of every event struct, from gcc, against ctypes."""
    import ctypes
    structs = {name[1:]: cls for name, cls in vars(_generated).items()
               if name.startswith("_pier_") and isinstance(cls, type)
               and issubclass(cls, ctypes.Structure)}
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "pier.h"', "int main(void) {"]
    for name, cls in structs.items():
        lines.append(f'printf("{name} %zu\\n", sizeof({name}));')
        for fname, _ in cls._fields_:
            lines.append(f'printf("{name}.{fname} %zu\\n", offsetof({name}, {fname}));')
    lines.append("return 0; }")
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run(["gcc", "-std=c11", "-I", os.path.join(ROOT, "include"), str(src), "-o", str(exe)],
                   check=True)
    want = dict(line.split() for line in subprocess.run([str(exe)], capture_output=True, text=True,
                                                         check=True).stdout.splitlines())
    for name, cls in structs.items():
        assert int(want[name]) == ctypes.sizeof(cls), name
        for fname, _ in cls._fields_:
            assert int(want[f"{name}.{fname}"]) == getattr(cls, fname).offset, (name, fname)


# --- properties and errors --------------------------------------------------

def test_properties_by_type_and_errors():
    with pier.TCPServer(local_port=0, default_eol=b"\n") as s:
        assert s.local_port == 0 and s.listening is False
        s.keep_alive = True
        assert s.keep_alive is True
        assert s.default_eol == b"\n"
        s.local_host = "127.0.0.1"
        assert s.local_host == "127.0.0.1"
        with pytest.raises(AttributeError):
            s.connection_count = 3  # read-only: no setter
        with pytest.raises(pier.InvalidValueError) as e:
            s.local_port = 70000
        assert e.value.code == 906 and "LocalPort" in e.value.message
        with pytest.raises(pier.UnknownSettingError):
            s.config("NoSuchSetting=1")
        assert s.config("MaxConnections=7") == ""
        assert s.config("MaxConnections") == "7"
        with pytest.raises(pier.InvalidConnectionError):
            s.connections[12345].remote_host
        with pytest.raises(AttributeError):
            s.connections[1].data_to_send  # write-only
        with pytest.raises(AttributeError):
            pier.TCPServer(no_such_property=1)
    with pytest.raises(pier.InvalidHandleError):
        s.local_port
    s.close()  # a second close does nothing


# --- TCP ---------------------------------------------------------------------

def test_tcp_echo_events_and_connections():
    log = []

    async def go():
        with pier.TCPServer(local_host="127.0.0.1", local_port=0) as s:
            @s.on("Connected")
            def connected(e):
                log.append(("connected", e.connection_id, e.status_code, e.description))
                c = s.connections[e.connection_id]
                assert c.remote_host == "127.0.0.1" and c.connected
                c.eol = b"\n"

            @s.on("DataIn")
            def data_in(e):
                log.append(("data", e.text, e.eol))
                s.send_line(e.connection_id, e.text.decode().upper())

            @s.on("Disconnected")
            def disconnected(e):
                log.append(("disconnected", e.connection_id))

            s.start_listening()
            tasks = await serving(s)
            reader, writer = await asyncio.open_connection("127.0.0.1", s.local_port)
            writer.write(b"hello\nworld\n")
            assert await reader.readline() == b"HELLO\r\n"
            assert await reader.readline() == b"WORLD\r\n"
            assert len(s.connections) == 1
            [conn] = list(s.connections)
            assert conn.connection_id in s.connections and conn.remote_port > 0
            writer.close()
            for _ in range(200):
                if any(x[0] == "disconnected" for x in log):
                    break
                await asyncio.sleep(0.01)
            await stop(tasks)
            assert len(s.connections) == 0
    run(go())
    cid = log[0][1]
    assert log[0] == ("connected", cid, 0, "OK")
    assert log[1:3] == [("data", b"hello", True), ("data", b"world", True)]
    assert log[-1] == ("disconnected", cid)


def test_connection_request_refused_and_handler_exception():
    with pier.TCPServer(local_host="127.0.0.1", local_port=0) as s:
        @s.on("ConnectionRequest")
        def request(e):
            assert e.address == "127.0.0.1" and e.accept is True
            e.accept = False

        connected = []
        s.on("Connected", lambda e: connected.append(e.connection_id))
        s.start_listening()
        c = socket.create_connection(("127.0.0.1", s.local_port), timeout=TIMEOUT)
        c.settimeout(TIMEOUT)
        while True:
            s.config("SelectWaitMillis=20")
            s.do_events()
            try:
                c.setblocking(False)
                if c.recv(1) == b"":
                    break
            except BlockingIOError:
                pass
        c.close()
        assert connected == []

        # an exception in a handler comes out of the do_events that ran it
        kept = []

        @s.on("ConnectionRequest")
        def boom(e):
            kept.append(e)
            raise KeyError("from the handler")

        c = socket.create_connection(("127.0.0.1", s.local_port), timeout=TIMEOUT)
        with pytest.raises(KeyError, match="from the handler"):
            for _ in range(500):
                s.do_events()
        c.close()
        with pytest.raises(RuntimeError, match="after its handler returned"):
            kept[0].address


def make_cert(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=localhost", "-days", "2",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    both = os.path.join(tmp, "both.pem")
    with open(both, "w") as f:
        f.write(open(cert).read() + open(key).read())
    return cert, both


def test_tls_echo_with_the_ssl_module():
    tmp = tempfile.mkdtemp(prefix="pier-py-tls-")
    try:
        cert, both = make_cert(tmp)

        async def go():
            with pier.TCPServer(local_host="127.0.0.1", local_port=0, ssl_enabled=True,
                                ssl_cert_store_type=6, ssl_cert_store=both,
                                ssl_cert_subject="*") as s:
                assert "localhost" in s.ssl_cert_subject
                s.on("DataIn", lambda e: s.send(e.connection_id, e.text[::-1]))
                s.start_listening()
                tasks = await serving(s)
                ctx = ssl.create_default_context(cafile=cert)
                reader, writer = await asyncio.open_connection("127.0.0.1", s.local_port, ssl=ctx,
                                                               server_hostname="localhost")
                writer.write(b"abc")
                assert await reader.readexactly(3) == b"cba"
                assert writer.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
                writer.close()
                await stop(tasks)
        run(go())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- WebSocket ----------------------------------------------------------------

def test_wsserver_with_websockets_and_a_writable_text_field():
    from websockets.asyncio.client import connect

    async def go():
        with pier.WSServer(local_host="127.0.0.1", local_port=0) as s:
            @s.on("WebSocketOpenRequest")
            def open_request(e):
                assert e.request_uri == "/chat?x=1"
                assert [p.strip() for p in e.sub_protocols.split(",")] == ["superchat", "chat"]
                e.sub_protocols = "chat"  # a string pier reads after the handler
                e.response_headers = "X-Pier: yes"

            @s.on("DataIn")
            def data_in(e):
                assert s.connections[e.connection_id].request_uri == "/chat?x=1"
                s.send_text(e.connection_id, "echo:" + e.text.decode())

            s.start_listening()
            tasks = await serving(s)
            async with connect(f"ws://127.0.0.1:{s.local_port}/chat?x=1",
                               subprotocols=["superchat", "chat"]) as ws:
                assert ws.subprotocol == "chat"
                assert ws.response.headers["X-Pier"] == "yes"
                await ws.send("hi")
                assert await ws.recv() == "echo:hi"
            await stop(tasks)
    run(go())


# --- TFTP ----------------------------------------------------------------------

def test_tftp_download_and_upload_with_tftp_hpa():
    if not shutil.which("tftp"):
        pytest.skip("tftp-hpa is not installed (scripts/deps.sh installs it)")
    root = tempfile.mkdtemp(prefix="pier-py-tftp-")
    try:
        data = os.urandom(100000)
        with open(os.path.join(root, "blob.bin"), "wb") as f:
            f.write(data)
        seen = []

        async def go():
            with pier.TFTPServer(local_host="127.0.0.1", local_port=0, local_dir=root) as s:
                s.on("ConnectionRequest", lambda e: seen.append((e.filename, e.operation)))
                ended = []
                s.on("EndTransfer", lambda e: ended.append(e.direction))
                s.start_listening()
                tasks = await serving(s)
                out = os.path.join(root, "got.bin")
                up = os.path.join(root, "up-src.bin")
                with open(up, "wb") as f:
                    f.write(data[:5000])
                for cmd in (f"get blob.bin {out}", f"put {up} up.bin"):
                    proc = await asyncio.create_subprocess_exec(
                        "tftp", "127.0.0.1", str(s.local_port), "-m", "binary", "-c", *cmd.split())
                    assert await proc.wait() == 0
                for _ in range(200):
                    if len(ended) == 2:
                        break
                    await asyncio.sleep(0.01)
                await stop(tasks)
                assert sorted(ended) == [pier.TFTPSERVER_DIRECTION_CLIENT, pier.TFTPSERVER_DIRECTION_SERVER]
                assert open(out, "rb").read() == data
                assert open(os.path.join(root, "up.bin"), "rb").read() == data[:5000]
        run(go())
        assert seen == [("blob.bin", pier.TFTPSERVER_OPERATION_READ),
                        ("up.bin", pier.TFTPSERVER_OPERATION_WRITE)]
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- asyncio: two servers and another task in one loop -----------------------------

def test_asyncio_example_serves_tcp_and_tftp_beside_another_task():
    example = os.path.join(ROOT, "examples-python", "asyncio_servers.py")
    root = tempfile.mkdtemp(prefix="pier-py-aio-")
    try:
        with open(os.path.join(root, "hello.txt"), "w") as f:
            f.write("hello from tftp\n")
        proc = subprocess.Popen([sys.executable, example, "--tcp-port", "0", "--tftp-port", "0",
                                 "--dir", root, "--seconds", "15"],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=PYDIR))
        try:
            line = proc.stdout.readline()
            m = re.match(r"tcp (\d+) tftp (\d+)", line)
            assert m, line
            tcp, tftp = int(m.group(1)), int(m.group(2))
            c = socket.create_connection(("127.0.0.1", tcp), timeout=TIMEOUT)
            c.sendall(b"ping\r\n")
            assert c.recv(100) == b"ping\r\n"
            c.close()
            got = os.path.join(root, "got.txt")
            subprocess.run(["tftp", "127.0.0.1", str(tftp), "-c", "get", "hello.txt", got],
                           check=True, timeout=TIMEOUT)
            assert open(got).read() == "hello from tftp\n"
            # the other task ticks while both servers serve
            assert proc.stdout.readline().startswith("tick ")
        finally:
            proc.kill()
            proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_interpreter_exit_with_servers_open():
    script = textwrap.dedent("""
        import socket, pier
        t = pier.TCPServer(local_host="127.0.0.1", local_port=0)
        t.on("DataIn", lambda e: None)
        t.start_listening()
        c = socket.create_connection(("127.0.0.1", t.local_port))
        for _ in range(20):
            t.config("SelectWaitMillis=5"); t.do_events()
        w = pier.WSServer(local_port=0); w.start_listening()
        f = pier.TFTPServer(local_port=0); f.on("Log", lambda e: None); f.start_listening()
        print("exiting")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT,
                       env=dict(os.environ, PYTHONPATH=PYDIR))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "exiting" and r.stderr == ""


# --- installing -------------------------------------------------------------------

def venv(tmp):
    subprocess.run([sys.executable, "-m", "venv", tmp], check=True)
    return os.path.join(tmp, "bin", "python")


SMOKE = ("import pier; s = pier.TCPServer(local_port=0); s.start_listening(); "
         "assert s.local_port > 0; print(pier.__file__); print(pier._lib.library().path)")


def test_pip_install_of_the_source_tree(tmp_path):
    py = venv(str(tmp_path / "venv"))
    subprocess.run([py, "-m", "pip", "install", "-q", PYDIR], check=True,
                   timeout=300)
    r = subprocess.run([py, "-c", SMOKE], capture_output=True, text=True, cwd=str(tmp_path), check=True)
    assert str(tmp_path) in r.stdout.splitlines()[0]  # the installed copy, not python/


def test_wheel_bundles_the_library(tmp_path):
    out = tmp_path / "dist"
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "build_wheel.sh"), str(out)], check=True,
                   timeout=600)
    [wheel] = list(out.glob("pier-*.whl"))
    py = venv(str(tmp_path / "venv"))
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k != "PIER_LIBRARY"}
    r = subprocess.run([py, "-c", SMOKE], capture_output=True, text=True, cwd=str(tmp_path), env=env,
                       check=True)
    package_file, lib = r.stdout.splitlines()
    assert os.path.dirname(lib) == os.path.dirname(package_file)  # the bundled copy
