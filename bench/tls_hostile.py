#!/usr/bin/env python3
"""Hostile TLS peers against TCPServer, with figures (docs/RELIABILITY.md).

Runs bench/hostile_server --tls (a pier line echo over implicit TLS, a
self-signed certificate made with the openssl CLI) and attacks it from
127.0.0.1, one scenario at a time, each against a fresh server:

  stalled       1,000 connections that send half a ClientHello and stall,
                three rounds (DefaultConnectionTimeout 3 s): every one ended
                by the server, RSS after each round (flat = nothing leaked).
  garbage       1,000 sessions that handshake, echo a line, then write bytes
                that are no TLS record, a record that fails to decrypt, or a
                record cut short before closing: each closed by the server
                (Error + Disconnected 284), RSS before/after, CPU per session.
  renegotiate   50 openssl s_client -tls1_2 sessions sending "R": each
                refused (no_renegotiation) and closed, nothing left open.
  keyupdate     one s_client -tls1_3 session sending 300 KeyUpdates ("K",
                update_requested) each followed by a line: every line
                echoed, RSS flat; then KeyUpdates without data in between:
                the session is ended after rustls' limit of 32.

Figures: server RSS (VmRSS) and CPU (utime+stime) from /proc, the server's
counters (Connected/Disconnected/Error events, 10060 closes, open
connections). Only 127.0.0.1, bounded in count and time.

  python3 bench/tls_hostile.py [--build build] [--only NAME] [--write]

--write puts the table into docs/RELIABILITY.md between
<!-- tls-hostile:start --> and <!-- tls-hostile:end -->. A measuring tool,
not a test (tests/tls_hostile.rs checks the behaviour).
"""

import argparse
import os
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from hostile import Server, report  # noqa: E402  (the same process wrapper and table)


def make_cert(d):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem"],
        cwd=d, check=True, stderr=subprocess.DEVNULL,
    )
    with open(os.path.join(d, "server.pem"), "w") as f:
        f.write(open(os.path.join(d, "key.pem")).read() + open(os.path.join(d, "cert.pem")).read())
    return os.path.join(d, "server.pem")


def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_hello():
    """The first flight of a Python TLS client, as bytes."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx().wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def closed_by_server(s, limit=10.0):
    s.settimeout(limit)
    try:
        while s.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def scenario_stalled(build, pem):
    s = Server(build, "--tls", pem, "--config", "DefaultConnectionTimeout=3", "--config", "MaxConnections=5000")
    hello = client_hello()
    rows = []
    try:
        rss0, cpu0 = s.rss_kib(), s.cpu_s()
        after = []
        peaks = []
        ended_all = []
        for _ in range(3):
            socks = []
            for i in range(1000):
                x = socket.create_connection(("127.0.0.1", s.port))
                x.sendall(hello[: len(hello) // 2])
                socks.append(x)
            time.sleep(0.5)
            peaks.append(s.rss_kib())
            t0 = time.monotonic()
            ended = sum(1 for x in socks if closed_by_server(x, max(0.01, 10 - (time.monotonic() - t0))))
            ended_all.append((ended, time.monotonic() - t0))
            for x in socks:
                x.close()
            time.sleep(0.3)
            after.append(s.rss_kib())
        st = s.stats()
        cpu = s.cpu_s() - cpu0
    finally:
        s.stop()
    rows.append(
        (
            "stalled handshakes: 1,000 connections × 3 rounds, half a ClientHello each, DefaultConnectionTimeout 3 s",
            f"ended by the server per round: {', '.join(f'{e} in {t:.1f} s' for e, t in ended_all)}; "
            f"10060 closes {st.get('idle_closed')}, Connected {st.get('connected')}, open afterwards {st.get('open')}; "
            f"RSS {rss0} KiB → with 1,000 waiting {', '.join(map(str, peaks))} → after each round "
            f"{', '.join(map(str, after))} KiB; server CPU {cpu:.2f} s",
        )
    )
    return rows


def scenario_garbage(build, pem):
    # TCP_NODELAY on both sides: no echo waits for a delayed ACK behind the
    # TLS 1.3 session tickets or the client's Finished (docs/API-NOTES.md).
    s = Server(build, "--tls", pem, "--config", "TcpNoDelay=True")
    ctx = client_ctx()
    kinds = [
        ("not TLS", lambda raw: raw.sendall(b"GET / HTTP/1.1\r\n\r\n")),
        ("bad record MAC", lambda raw: raw.sendall(b"\x17\x03\x03\x00\x40" + bytes(range(64)))),
        ("truncated record, then EOF", lambda raw: (raw.sendall(b"\x17\x03\x03\x01\x00" + b"\0" * 100),
                                                     raw.shutdown(socket.SHUT_WR))),
    ]
    try:
        # Warm up (first handshake allocations) before measuring.
        w = ctx.wrap_socket(socket.create_connection(("127.0.0.1", s.port)), server_hostname="localhost")
        w.sendall(b"warm\n")
        w.recv(100)
        w.close()
        time.sleep(0.2)
        rss0, cpu0 = s.rss_kib(), s.cpu_s()
        peak = rss0
        closed, echoed = 0, 0
        t0 = time.monotonic()
        for i in range(1000):
            raw_conn = socket.create_connection(("127.0.0.1", s.port))
            raw_conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = ctx.wrap_socket(raw_conn, server_hostname="localhost")
            tls.sendall(b"hello\n")
            if tls.recv(100) == b"hello\n":
                echoed += 1
            raw = socket.socket(fileno=os.dup(tls.fileno()))
            kinds[i % 3][1](raw)
            if closed_by_server(raw):
                closed += 1
            raw.close()
            tls.close()
            if i % 100 == 0:
                peak = max(peak, s.rss_kib())
        secs = time.monotonic() - t0
        time.sleep(0.3)
        st = s.stats()
        cpu = s.cpu_s() - cpu0
        rss1 = s.rss_kib()
    finally:
        s.stop()
    return [
        (
            "garbage mid-session: 1,000 sessions (handshake, echo, then no TLS / a bad MAC / a truncated record + EOF)",
            f"{echoed} echoed, {closed} closed by the server in {secs:.1f} s; Error events {st.get('errors')}, "
            f"Disconnected 284 {st.get('tls_failed')} of {st.get('disconnected')} (the warm-up session's 0 "
            f"included), open afterwards {st.get('open')}; "
            f"RSS {rss0} → peak {peak} → {rss1} KiB; server CPU {cpu:.2f} s ({cpu:.2f} ms per session, "
            "handshake included)",
        )
    ]


class SClient:
    """openssl s_client in interactive mode (lines "R", "K" are its
    commands), its output collected by a thread."""

    def __init__(self, port, version):
        import threading

        self.p = subprocess.Popen(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", version, "-no_ign_eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.out = b""
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for chunk in iter(lambda: self.p.stdout.read1(65536), b""):
            with self.lock:
                self.out += chunk

    def send(self, b):
        self.p.stdin.write(b)
        self.p.stdin.flush()

    def wait_for(self, needle, limit=10.0):
        t = time.monotonic()
        while time.monotonic() - t < limit:
            with self.lock:
                if needle in self.out:
                    return True
            if self.p.poll() is not None:
                time.sleep(0.05)
                with self.lock:
                    return needle in self.out
            time.sleep(0.005)
        return False

    def close(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.p.returncode


def scenario_renegotiate(build, pem):
    s = Server(build, "--tls", pem)
    n = 50
    try:
        rss0 = s.rss_kib()
        refused = 0
        t0 = time.monotonic()
        for _ in range(n):
            c = SClient(s.port, "-tls1_2")
            c.send(b"hello\n")
            c.wait_for(b"hello\n")
            c.send(b"R\n")
            seen = c.wait_for(b"RENEGOTIATING") and c.wait_for(b"no renegotiation")
            if seen and c.close() != 0:
                refused += 1
            else:
                c.close()
        secs = time.monotonic() - t0
        time.sleep(0.3)
        st = s.stats()
        rss1 = s.rss_kib()
    finally:
        s.stop()
    return [
        (
            f"renegotiation: {n} s_client -tls1_2 sessions sending R after an echo",
            f"{refused} of {n} refused (s_client saw no_renegotiation and failed) in {secs:.1f} s; "
            f"Error events {st.get('errors')}, Disconnected 284 (the client's fatal alert) {st.get('tls_failed')} of "
            f"{st.get('disconnected')}, "
            f"open afterwards {st.get('open')}; RSS {rss0} → {rss1} KiB",
        )
    ]


def scenario_keyupdate(build, pem):
    s = Server(build, "--tls", pem)
    n = 300
    try:
        rss0, cpu0 = s.rss_kib(), s.cpu_s()
        # KeyUpdates between lines: each one taken, every line echoed.
        c = SClient(s.port, "-tls1_3")
        c.send(b"first\n")
        c.wait_for(b"first\n")
        t0 = time.monotonic()
        echoed = 0
        for i in range(n):
            c.send(b"K\n")  # one command per read of s_client's stdin
            time.sleep(0.01)
            c.send(b"line %d\n" % i)
            if c.wait_for(b"line %d\n" % i, 5):
                echoed += 1
        secs = time.monotonic() - t0
        with c.lock:
            updates = c.out.count(b"KEYUPDATE")
        c.close()
        rss1, cpu = s.rss_kib(), s.cpu_s() - cpu0
        # KeyUpdates and nothing else: rustls allows 32 in a row without
        # application data (BoringSSL's limit), then ends the session.
        f = SClient(s.port, "-tls1_3")
        f.send(b"first\n")
        f.wait_for(b"first\n")
        sent = 0
        for _ in range(100):
            if f.p.poll() is not None:
                break
            try:
                f.send(b"K\n")
            except BrokenPipeError:
                break
            sent += 1
            time.sleep(0.01)
        f.close()
        time.sleep(0.2)
        st = s.stats()
    finally:
        s.stop()
    return [
        (
            f"KeyUpdate: one s_client -tls1_3 session sending {n} K (update_requested), each followed by a line",
            f"{updates} KeyUpdates, {echoed} of {n} lines echoed in {secs:.1f} s; RSS {rss0} → {rss1} KiB; "
            f"server CPU {cpu:.2f} s",
        ),
        (
            "KeyUpdate flood: K after K, no data in between",
            f"the server ended the session after {sent - 1 if sent < 100 else 'more than 99'} KeyUpdates "
            f"(rustls allows 32 without data in between); Error events {st.get('errors')}, Disconnected 284 "
            f"{st.get('tls_failed')}, "
            f"open afterwards {st.get('open')}",
        ),
    ]


SCENARIOS = {
    "stalled": scenario_stalled,
    "garbage": scenario_garbage,
    "renegotiate": scenario_renegotiate,
    "keyupdate": scenario_keyupdate,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--only", choices=sorted(SCENARIOS))
    ap.add_argument("--write", action="store_true", help="write the table into docs/RELIABILITY.md")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    d = tempfile.mkdtemp(prefix="pier-tls-hostile-")
    rows = []
    try:
        pem = make_cert(d)
        for name, fn in SCENARIOS.items():
            if a.only and name != a.only:
                continue
            print(f"== {name}", flush=True)
            for r in fn(a.build, pem):
                print(f"   {r[0]}: {r[1]}", flush=True)
                rows.append(r)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    report(rows, f"`python3 bench/tls_hostile.py`, {os.cpu_count()} cores; server bench/hostile_server --tls "
           "(TCPServer line echo over rustls), clients Python ssl and openssl s_client on 127.0.0.1.",
           "tls-hostile", "Hostile peers (TLS)", a.write)


if __name__ == "__main__":
    sys.exit(main())
