"""WSServer interop: examples-c/ws_echo_server driven by real WebSocket
clients — Python `websockets` (compression on and off, text and binary,
large and fragmented messages, pings, close codes, sub-protocols), over ws://
and wss://, and the Node.js `ws` client when Node and the package are there
(scripts/deps.sh installs them).

The example is taken from $PIER_BUILD_DIR/examples-c (build/ by default), or
compiled here with the system C compiler against include/pier.h and the
library (PIER_LIB, else target/release).

    python3 -m pytest -q tests-python/test_ws.py
"""

import asyncio
import os
import shutil
import subprocess
import tempfile

import pytest
import websockets
from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 20


def library_dir():
    lib = os.environ.get("PIER_LIB") or os.path.join(ROOT, "target", "release", "libpier.so")
    return os.path.dirname(os.path.abspath(lib))


def example_binary(tmp, name="ws_echo_server"):
    built = os.path.join(os.environ.get("PIER_BUILD_DIR", os.path.join(ROOT, "build")), "examples-c", name)
    if os.path.exists(built):
        return built
    out = os.path.join(tmp, name)
    libdir = library_dir()
    # The library's SONAME is libpier.so.0: cargo alone does not make that link.
    soname = os.path.join(libdir, "libpier.so.0")
    if not os.path.exists(soname):
        os.symlink("libpier.so", soname)
    subprocess.run(["cc", "-O1", "-I", os.path.join(ROOT, "include"), os.path.join(ROOT, "examples-c", name + ".c"),
                    "-L", libdir, "-lpier", f"-Wl,-rpath,{libdir}", "-o", out], check=True)
    return out


class Server:
    def __init__(self, *args, example="ws_echo_server"):
        self.tmp = tempfile.mkdtemp(prefix="pier-ws-")
        exe = example_binary(self.tmp, example)
        self.proc = subprocess.Popen([exe, "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=dict(os.environ, PIER_WS_VERBOSE="1"))
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), line + self.proc.stderr.read()
        self.port = int(line.split()[2])

    def close(self):
        self.proc.terminate()
        self.proc.wait(TIMEOUT)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def make_cert(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-subj", "/CN=localhost", "-days", "2",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return key, cert


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


@pytest.mark.parametrize("compression", ["deflate", None])
def test_websockets_echo_text_binary_large_and_fragmented(server, compression):
    async def go():
        async with connect(f"ws://127.0.0.1:{server.port}/echo", compression=compression, max_size=None) as ws:
            if compression:
                assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
            else:
                assert "Sec-WebSocket-Extensions" not in ws.response.headers
            await ws.send("héllo wörld")
            assert await ws.recv() == "héllo wörld"
            await ws.send(b"\x00\xffbinary")
            assert await ws.recv() == b"\x00\xffbinary"
            big = os.urandom(4 * 1024 * 1024)
            await ws.send(big)
            assert await ws.recv() == big
            text = "ab" * (3 * 1024 * 1024)  # 6 MiB of compressible text
            await ws.send(text)
            assert await ws.recv() == text
            # A message in fragments comes back as one message.
            await ws.send(["frag", "men", "ted ", "é"])
            assert await ws.recv() == "fragmented é"
            for i in range(200):
                await ws.send(f"msg {i}")
            for i in range(200):
                assert await ws.recv() == f"msg {i}"
    run(go())


def test_websockets_ping_and_close_codes(server):
    async def go():
        async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
            await ws.close(4001, "done here")
            # The server echoes the code (RFC 6455 §5.5.1), with no reason.
            assert ws.close_code == 4001
            assert ws.close_reason == ""
    run(go())


def test_websockets_subprotocols(server):
    async def go():
        # The example leaves SubProtocols as offered: a list selects none.
        async with connect(f"ws://127.0.0.1:{server.port}/", subprotocols=["chat", "superchat"]) as ws:
            assert ws.subprotocol is None
            await ws.send("x")
            assert await ws.recv() == "x"
        # A single offer is the client's list unchanged: it is selected.
        async with connect(f"ws://127.0.0.1:{server.port}/", subprotocols=["chat"]) as ws:
            assert ws.subprotocol == "chat"
    run(go())


def test_websockets_deflate_parameters():
    s = Server()
    try:
        async def go():
            for params in [dict(client_no_context_takeover=True), dict(server_no_context_takeover=True),
                           dict(server_max_window_bits=10), dict(client_max_window_bits=9),
                           dict(client_max_window_bits=True), dict(server_max_window_bits=15, client_max_window_bits=15),
                           dict(server_max_window_bits=8)]:
                ext = ClientPerMessageDeflateFactory(**params)
                async with connect(f"ws://127.0.0.1:{s.port}/", extensions=[ext], compression=None) as ws:
                    assert "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"], params
                    for i in range(5):
                        msg = ("context takeover " * 50) + str(i)
                        await ws.send(msg)
                        assert await ws.recv() == msg, params
        run(go())
    finally:
        s.close()


def test_deflate_disabled_by_config():
    s = Server("--config", "EnablePermessageDeflate=False")
    try:
        async def go():
            async with connect(f"ws://127.0.0.1:{s.port}/") as ws:
                assert "Sec-WebSocket-Extensions" not in ws.response.headers
                await ws.send("plain")
                assert await ws.recv() == "plain"
        run(go())
    finally:
        s.close()


def test_wss_with_websockets():
    import ssl
    tmp = tempfile.mkdtemp(prefix="pier-wss-")
    key, cert = make_cert(tmp)
    s = Server("--cert", cert, "--key", key)
    try:
        ctx = ssl.create_default_context(cafile=cert)

        async def go():
            async with connect(f"wss://localhost:{s.port}/secure", ssl=ctx, max_size=None) as ws:
                await ws.send("over tls")
                assert await ws.recv() == "over tls"
                data = os.urandom(1 << 20)
                await ws.send(data)
                assert await ws.recv() == data
        run(go())
    finally:
        s.close()
        shutil.rmtree(tmp, ignore_errors=True)


NODE_CLIENT = r"""
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[2], { perMessageDeflate: process.argv[3] === 'deflate' });
const out = [];
ws.on('open', () => { ws.send('node text'); ws.send(Buffer.from([1, 2, 3])); ws.send('x'.repeat(200000)); ws.ping('p'); });
ws.on('pong', (d) => out.push('pong:' + d));
ws.on('message', (data, isBinary) => {
  out.push(isBinary ? 'bin:' + [...data].join(',') : 'text:' + (data.length > 100 ? 'long' + data.length : data));
  if (out.filter((x) => !x.startsWith('pong')).length === 3) ws.close(1000, 'node bye');
});
ws.on('close', (code, reason) => { out.push('close:' + code + ':' + reason); console.log(JSON.stringify(out)); });
ws.on('error', (e) => { console.error(e); process.exit(1); });
"""


def node_ws():
    """The directory holding node_modules/ws (scripts/deps.sh installs it), or None."""
    for d in [os.environ.get("PIER_NODE_DIR", ""), os.path.join(ROOT, "build", "node")]:
        if d and os.path.isdir(os.path.join(d, "node_modules", "ws")) and shutil.which("node"):
            return d
    return None


@pytest.mark.parametrize("mode", ["deflate", "plain"])
def test_node_ws_client(server, mode):
    d = node_ws()
    if d is None:
        pytest.skip("Node.js with the ws package is not installed (scripts/deps.sh installs it)")
    script = os.path.join(d, "ws_client.js")
    with open(script, "w") as f:
        f.write(NODE_CLIENT)
    r = subprocess.run(["node", script, f"ws://127.0.0.1:{server.port}/node", mode], capture_output=True, text=True,
                       timeout=TIMEOUT, cwd=d)
    assert r.returncode == 0, r.stderr
    import json
    out = json.loads(r.stdout)
    assert "text:node text" in out and "bin:1,2,3" in out and "text:long200000" in out, out
    assert "pong:p" in out, out
    assert out[-1] == "close:1000:", out  # the code echoed, no reason


CHROMIUM_CLIENT = r"""
const { chromium } = require('playwright-core');
(async () => {
  const dir = require('fs').mkdtempSync(require('os').tmpdir() + '/pier-chromium-');
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'] });
  const page = await ctx.newPage();
  const out = await page.evaluate(async (url) => {
    const ws = new WebSocket(url, ['chat']);
    ws.binaryType = 'arraybuffer';
    const got = [];
    const next = () => new Promise((res) => { ws.onmessage = (m) => res(m.data); });
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
    got.push('protocol:' + ws.protocol, 'extensions:' + ws.extensions);
    ws.send('from the browser'); got.push('text:' + await next());
    ws.send(new Uint8Array([9, 8, 7]).buffer); got.push('bin:' + [...new Uint8Array(await next())].join(','));
    const big = 'y'.repeat(1 << 20); ws.send(big); got.push('big:' + ((await next()) === big));
    const closed = new Promise((res) => { ws.onclose = (e) => res(e); });
    ws.close(1000, 'page done');
    const e = await closed; got.push('close:' + e.code + ':' + e.wasClean);
    return got;
  }, process.argv[2]);
  console.log(JSON.stringify(out));
  await ctx.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def test_headless_chromium(server):
    d = node_ws()
    if d is None or not os.path.isdir(os.path.join(d, "node_modules", "playwright-core")) \
            or not os.path.exists("/usr/bin/chromium"):
        pytest.skip("headless Chromium with playwright-core is not installed (scripts/deps.sh installs them)")
    script = os.path.join(d, "chromium_client.js")
    with open(script, "w") as f:
        f.write(CHROMIUM_CLIENT)
    r = subprocess.run(["node", script, f"ws://127.0.0.1:{server.port}/browser"], capture_output=True, text=True,
                       timeout=60, cwd=d)
    assert r.returncode == 0, r.stderr
    import json
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out[0] == "protocol:chat", out
    assert out[1].startswith("extensions:permessage-deflate"), out
    assert out[2:] == ["text:from the browser", "bin:9,8,7", "big:true", "close:1000:true"], out


CHAT_CLIENT = r"""
const { chromium } = require('playwright-core');
(async () => {
  const dir = require('fs').mkdtempSync(require('os').tmpdir() + '/pier-chromium-');
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'] });
  const url = process.argv[2];
  const alice = await ctx.newPage(), bob = await ctx.newPage();
  for (const p of [alice, bob]) { await p.goto(url); await p.waitForSelector('text=connected'); }
  await alice.fill('#say', 'hello from alice');
  await alice.click('button');
  await bob.waitForSelector('text=hello from alice');
  const lines = await bob.$$eval('.line', (ls) => ls.map((l) => l.textContent));
  console.log(JSON.stringify(lines));
  await ctx.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def test_chat_example_in_two_chromium_pages():
    d = node_ws()
    if d is None or not os.path.isdir(os.path.join(d, "node_modules", "playwright-core")) \
            or not os.path.exists("/usr/bin/chromium"):
        pytest.skip("headless Chromium with playwright-core is not installed (scripts/deps.sh installs them)")
    s = Server(example="ws_chat_server")
    try:
        script = os.path.join(d, "chat_client.js")
        with open(script, "w") as f:
            f.write(CHAT_CLIENT)
        page = "file://" + os.path.join(ROOT, "examples-c", "ws_chat.html") + f"?port={s.port}"
        r = subprocess.run(["node", script, page], capture_output=True, text=True, timeout=60, cwd=d)
        assert r.returncode == 0, r.stderr
        import json
        lines = json.loads(r.stdout.strip().splitlines()[-1])
        assert any(line.endswith(": hello from alice") for line in lines), lines
        assert any("joined" in line for line in lines), lines
    finally:
        s.close()
