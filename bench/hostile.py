#!/usr/bin/env python3
"""Hostile peers against TCPServer, with figures (docs/RELIABILITY.md).

Runs bench/hostile_server (a pier line echo, SingleLineMode, settings from
argv) and attacks it from 127.0.0.1 with asyncio clients, one scenario at a
time, each against a fresh server:

  slowloris     5,000 connections trickling one byte every 2 s (no line end)
                while a normal client measures its echo latency; then the same
                connections trickling slower than IdleTimeout (5 s), which
                must end them all.
  never-reads   20 clients sending 16 MiB of lines each without ever reading
                the echoes: the server's sends fail with 10035 and nothing
                queues; RSS must stay flat.
  no-eol        one client sending 64 MiB without a line end: DataIn in pieces
                of the maximum line length, RSS flat.
  maxconn       3,000 simultaneous connections against MaxConnections=1000:
                refused ones get a FIN, the server keeps its limit and serves.
  nofile        descriptors exhausted (RLIMIT_NOFILE 256, 600 clients): accept
                fails with the Error event, no busy loop (server CPU measured),
                and the server recovers once clients leave.

Figures: server RSS (VmRSS) before/peak, server CPU (utime+stime), counters
from the server (Connected/Disconnected/Error events, idle closes), and the
normal client's round-trip p50/p99. Only 127.0.0.1, bounded in count and time.

  python3 bench/hostile.py [--build build] [--only NAME] [--write]

--write puts the table into docs/RELIABILITY.md between
<!-- hostile:start --> and <!-- hostile:end -->. A measuring tool, not a test.
"""

import argparse
import asyncio
import os
import resource
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK = os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, build, *args):
        self.proc = subprocess.Popen(
            [os.path.join(build, "bench", "hostile_server"), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            raise SystemExit(f"hostile_server did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK

    def stats(self):
        self.proc.send_signal(signal.SIGUSR1)
        line = self.proc.stdout.readline()
        return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


async def echo_rtts(port, n=200, pause=0.005):
    """A well-behaved client: n line round trips; returns the RTTs in µs."""
    r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    out = []
    for i in range(n):
        t = time.perf_counter()
        w.write(b"ping %d\n" % i)
        await asyncio.wait_for(r.readline(), 10)
        out.append((time.perf_counter() - t) * 1e6)
        await asyncio.sleep(pause)
    w.close()
    return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


async def open_many(port, n, batch=200):
    conns = []
    for i in range(0, n, batch):
        conns += await asyncio.gather(
            *[asyncio.open_connection("127.0.0.1", port) for _ in range(min(batch, n - i))], return_exceptions=True
        )
    return [c for c in conns if not isinstance(c, BaseException)]


async def trickle(conns, every, seconds):
    """Each connection writes one byte every `every` seconds (spread out);
    returns how many found their connection closed by the server."""
    closed = 0
    end = time.monotonic() + seconds

    async def one(i, r, w):
        nonlocal closed
        await asyncio.sleep(every * i / len(conns))
        while time.monotonic() < end:
            try:
                w.write(b"x")
                await w.drain()
                data = await asyncio.wait_for(r.read(1), every)
                if data == b"":
                    closed += 1
                    return
            except asyncio.TimeoutError:
                continue
            except (ConnectionError, OSError):
                closed += 1
                return

    await asyncio.gather(*[one(i, r, w) for i, (r, w) in enumerate(conns)])
    return closed


async def slowloris(build):
    rows = []
    s = Server(build, "--idle", "5", "--config", "MaxConnections=10000")
    try:
        rss0 = s.rss_kib()
        conns = await open_many(s.port, 5000)
        cpu0 = s.cpu_s()
        task = asyncio.ensure_future(trickle(conns, 2.0, 20))
        await asyncio.sleep(4)
        rtts = await echo_rtts(s.port)
        closed = await task
        rss1 = s.rss_kib()
        st = s.stats()
        rows.append(
            (
                "slow-loris: 5,000 connections, 1 byte / 2 s, 20 s (IdleTimeout 5 s)",
                f"{len(conns)} open, {closed} closed by the server; RSS {rss0} → {rss1} KiB "
                f"({(rss1 - rss0) * 1024 // max(1, len(conns))} B/connection); server CPU {s.cpu_s() - cpu0:.1f} s; "
                f"a normal client's echo p50 {pct(rtts, 50):.0f} µs, p99 {pct(rtts, 99):.0f} µs",
            )
        )
        for _, w in conns:
            w.close()
        # Slower than IdleTimeout: every one of them must be ended.
        conns = await open_many(s.port, 5000)
        t0 = time.monotonic()
        closed = await trickle(conns, 8.0, 16)
        st = s.stats()
        rows.append(
            (
                "slow-loris: 5,000 connections, 1 byte / 8 s (IdleTimeout 5 s)",
                f"{closed} of {len(conns)} ended by the server within {time.monotonic() - t0:.0f} s; "
                f"idle closes reported: {st.get('idle_closed')}; open afterwards: {st.get('open')}",
            )
        )
        for _, w in conns:
            w.close()
    finally:
        s.stop()
    return rows


async def never_reads(build):
    s = Server(build)
    try:
        rss0 = s.rss_kib()
        peak = rss0
        conns = await open_many(s.port, 20)
        line = b"y" * 1023 + b"\n"
        chunk = line * 64

        async def flood(w):
            sent = 0
            while sent < 16 << 20:
                w.write(chunk)
                await w.drain()
                sent += len(chunk)

        task = asyncio.gather(*[flood(w) for _, w in conns])
        while not task.done():
            peak = max(peak, s.rss_kib())
            await asyncio.sleep(0.2)
        await task
        await asyncio.sleep(0.5)
        st = s.stats()
        alive = s.alive()
        rtts = await echo_rtts(s.port, 50)
    finally:
        for _, w in conns:
            w.close()
        s.stop()
    return [
        (
            "never reads: 20 clients × 16 MiB of lines, echoes never read",
            f"RSS {rss0} → peak {peak} KiB; server alive: {alive}; DataIn {st.get('datain')}; "
            f"send_queue {st.get('send_queue', '?')} B; another client's echo p50 {pct(rtts, 50):.0f} µs",
        )
    ]


async def no_eol(build):
    s = Server(build)
    try:
        rss0 = s.rss_kib()
        peak = rss0
        r, w = await asyncio.open_connection("127.0.0.1", s.port)
        chunk = b"z" * 65536
        for i in range(1024):
            w.write(chunk)
            await w.drain()
            if i % 64 == 0:
                peak = max(peak, s.rss_kib())
        await asyncio.sleep(0.5)
        st = s.stats()
        w.close()
    finally:
        s.stop()
    return [
        (
            "no line end: 64 MiB in one line (DefaultMaxLineLength 2048)",
            f"RSS {rss0} → peak {peak} KiB; DataIn pieces {st.get('datain')} (64 MiB / 2048 = 32768)",
        )
    ]


async def maxconn(build):
    s = Server(build, "--config", "MaxConnections=1000")
    try:
        cpu0 = s.cpu_s()
        conns = await open_many(s.port, 3000, batch=500)
        await asyncio.sleep(1)
        # Refused ones were closed with a FIN: reading gives EOF at once.
        refused = 0
        for r, _ in conns:
            try:
                if await asyncio.wait_for(r.read(1), 0.01) == b"":
                    refused += 1
            except asyncio.TimeoutError:
                pass
        st = s.stats()
        cpu = s.cpu_s() - cpu0
        for _, w in conns:
            w.close()
        await asyncio.sleep(1)
        rtts = await echo_rtts(s.port, 50)
    finally:
        s.stop()
    return [
        (
            "connection storm: 3,000 at once, MaxConnections 1000",
            f"open at most {st.get('max_open')}; {refused} refused with a FIN; server CPU {cpu:.2f} s; "
            f"serves afterwards: echo p50 {pct(rtts, 50):.0f} µs",
        )
    ]


async def nofile(build):
    s = Server(build, "--nofile", "256", "--config", "MaxConnections=1000")
    try:
        conns = await open_many(s.port, 600, batch=100)
        await asyncio.sleep(0.5)
        cpu0 = s.cpu_s()
        await asyncio.sleep(5)
        cpu_busy = s.cpu_s() - cpu0
        st = s.stats()
        for _, w in conns:
            w.close()
        await asyncio.sleep(1)
        rtts = await echo_rtts(s.port, 50)
        st2 = s.stats()
    finally:
        s.stop()
    return [
        (
            "descriptors exhausted: RLIMIT_NOFILE 256, 600 clients",
            f"connected {st.get('connected')}, Error events {st.get('errors')} (accept failed, EMFILE); "
            f"server CPU over 5 s with clients waiting: {cpu_busy:.2f} s (no busy loop); "
            f"after they leave: serving again (echo p50 {pct(rtts, 50):.0f} µs, connected {st2.get('connected')})",
        )
    ]


SCENARIOS = {"slowloris": slowloris, "never-reads": never_reads, "no-eol": no_eol, "maxconn": maxconn, "nofile": nofile}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--only", choices=sorted(SCENARIOS))
    ap.add_argument("--write", action="store_true", help="write the table into docs/RELIABILITY.md")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 12000
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY else want, hard))
    rows = []
    for name, fn in SCENARIOS.items():
        if a.only and name != a.only:
            continue
        print(f"== {name}", flush=True)
        for r in asyncio.run(fn(a.build)):
            print(f"   {r[0]}: {r[1]}", flush=True)
            rows.append(r)
    report(rows, f"`python3 bench/hostile.py`, {os.cpu_count()} cores; server bench/hostile_server (TCPServer line "
           "echo), clients asyncio on 127.0.0.1.", "hostile", "Hostile peers (TCPServer)", a.write)


def report(rows, setting, section, heading, write):
    """Prints the scenarios' table, and with `write` puts it into
    docs/RELIABILITY.md between the section's markers (bench/perf_doc.sh)."""
    table = "\n".join(
        [f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {setting}", "",
         "| scenario | what happened |", "|---|---|"]
        + [f"| {k} | {v} |" for k, v in rows]
    )
    print()
    print(table)
    if write:
        subprocess.run(
            ["bash", "-c", '. "$0/bench/perf_doc.sh"; write_perf_section "$0/docs/RELIABILITY.md" "$1" "$2" "$3"',
             ROOT, section, heading, table],
            check=True,
        )
        print("written to docs/RELIABILITY.md")


if __name__ == "__main__":
    sys.exit(main())
