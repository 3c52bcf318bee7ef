#!/usr/bin/env python3
"""Hostile peers against TFTPServer, with figures (docs/RELIABILITY.md).

Runs examples-c/tftp_server (PIER_TFTP_QUIET=1, RetransmitTimeout 2 s,
Timeout 30 s, WindowSize 64, InBufferSize 2 MiB) on a scratch directory and attacks it from
127.0.0.1, one process, one scenario at a time, each against a fresh server:

  rrq-1000      1,000 RRQs sent at once from 1,000 sockets, each then
                downloading a 64 KiB file stop-and-wait (a client resends its
                last packet after 1 s of silence), six rounds (ROUNDS=N):
                completions, byte-exact count, time, server RSS before, at
                the peak and after each round, server CPU.
  abandoned     1,000 RRQs whose clients never answer: the server holds 1,000
                transfers, retransmits MaxRetransmits times and ends them;
                RSS at the peak and after, time until every socket is gone.
  wrong-tid     100,000 datagrams from 50 wrong ports (ACKs, DATA, ERRORs) at
                one transfer's port while it runs: ERROR 5 answers, none to
                the ERRORs, the transfer completes byte-exact.
  dup-acks      one download whose client sends every ACK 10 times, and one
                with windowsize 16 whose client also sends old and future
                ACKs: DATA sent per block needed (1.00 = no Sorcerer's
                Apprentice).
  bad-options   20,000 requests with abusive options (blksize 7, repeated
                options, unterminated strings, 200 options): one ERROR each,
                RSS flat.
  nofile        the server under RLIMIT_NOFILE 256 (prlimit) and 600 RRQs at
                once: what cannot get a socket is refused with an ERROR at
                once, the rest completes, the server serves afterwards.

Figures: server RSS (VmRSS sampled, VmHWM) and CPU (utime+stime) from /proc.
Only 127.0.0.1, bounded in count and time.

  python3 bench/tftp_hostile.py [--build build] [--only NAME] [--write]

--write puts the table into docs/RELIABILITY.md between
<!-- tftp-hostile:start --> and <!-- tftp-hostile:end -->. A measuring tool,
not a test (tests/tftp_hostile.rs checks the behaviour).
"""

import argparse
import os
import resource
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from hostile import report  # noqa: E402  (the table and its section in docs/RELIABILITY.md)
CLK = os.sysconf("SC_CLK_TCK")
FILE_SIZE = 64 * 1024


def content(n, seed=7):
    return bytes((i * 131 + seed + (i >> 9)) & 0xFF for i in range(n))


class Server:
    def __init__(self, build, directory, wrap=()):
        env = dict(os.environ, PIER_TFTP_QUIET="1")
        self.proc = subprocess.Popen(
            [*wrap, os.path.join(build, "examples-c", "tftp_server"), directory, "0"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = self.proc.stdout.readline()
        if "UDP port" not in line:
            raise SystemExit(f"tftp_server did not start: {line!r}")
        self.port = int(line.split("UDP port")[1].split()[0])
        self.addr = ("127.0.0.1", self.port)

    def status(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_kib(self):
        return self.status("VmRSS")

    def hwm_kib(self):
        return self.status("VmHWM")

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def rrq(name, opts=()):
    b = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    for k, v in opts:
        b += k.encode() + b"\0" + v.encode() + b"\0"
    return b


def ack(n):
    return struct.pack("!HH", 4, n & 0xFFFF)


def parse(d):
    op = struct.unpack("!H", d[:2])[0] if len(d) >= 2 else 0
    blk = struct.unpack("!H", d[2:4])[0] if len(d) >= 4 else 0
    return op, blk, d[4:]


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    return s


def downloads(srv, n, name, limit, answer=True, sample=None, errors=None):
    """n clients sending their RRQ at once; stop-and-wait downloads.
    Returns (payloads or None, seconds, RRQs resent)."""
    sel = selectors.DefaultSelector()
    st = []
    for i in range(n):
        s = sock()
        sel.register(s, selectors.EVENT_READ, i)
        st.append({"s": s, "tid": None, "next": 1, "got": bytearray(), "last": rrq(name), "at": 0.0, "done": False})
    t0 = time.monotonic()
    for c in st:
        c["s"].sendto(c["last"], srv.addr)
        c["at"] = time.monotonic()
    left, resent = n, 0
    last_sample = 0.0
    while left and time.monotonic() - t0 < limit:
        for key, _ in sel.select(0.05):
            c = st[key.data]
            while True:
                try:
                    d, frm = c["s"].recvfrom(70000)
                except BlockingIOError:
                    break
                if c["done"] or (c["tid"] and c["tid"] != frm):
                    continue
                op, blk, payload = parse(d)
                if op != 3:
                    c["done"] = True
                    c["error"] = blk
                    c["msg"] = payload.split(b"\0")[0].decode(errors="replace")
                    left -= 1
                    break
                c["tid"] = frm
                if not answer:
                    continue
                if blk == c["next"] & 0xFFFF:
                    c["got"] += payload
                    c["next"] += 1
                    c["last"] = ack(blk)
                    c["at"] = time.monotonic()
                    if len(payload) < 512:
                        c["done"] = True
                        left -= 1
                if blk == (c["next"] - 1) & 0xFFFF:
                    c["s"].sendto(c["last"], frm)
        now = time.monotonic()
        if sample and now - last_sample > 0.1:
            sample()
            last_sample = now
        if answer:
            for c in st:
                if not c["done"] and now - c["at"] > 1.0:
                    c["s"].sendto(c["last"], c["tid"] or srv.addr)
                    c["at"] = now
                    if c["tid"] is None:
                        resent += 1
    secs = time.monotonic() - t0
    out = [bytes(c["got"]) if c["done"] and "error" not in c else None for c in st]
    if errors is not None:
        for c in st:
            if "error" in c:
                errors[c["error"]] = errors.get(c["error"], 0) + 1
                errors.setdefault("messages", set()).add(c["msg"].split(":")[0])
    for c in st:
        c["s"].close()
    return out, secs, resent


def scenario_rrq_1000(build, d, want):
    s = Server(build, d)
    rounds = []
    try:
        rss0 = s.rss_kib()
        for _ in range(int(os.environ.get("ROUNDS", "6"))):
            cpu0 = s.cpu_s()
            peak = [s.rss_kib()]
            got, secs, resent = downloads(s, 1000, "boot.img", 60, sample=lambda: peak.append(s.rss_kib()))
            cpu = s.cpu_s() - cpu0
            done = sum(1 for g in got if g is not None)
            exact = sum(1 for g in got if g == want)
            time.sleep(0.5)
            rounds.append((done, exact, secs, resent, max(peak), s.rss_kib(), cpu))
        hwm = s.hwm_kib()
    finally:
        s.stop()
    done, exact, secs, resent, peak, after, cpu = rounds[0]
    mib = 1000 * FILE_SIZE / 2**20
    return [
        (
            f"1,000 concurrent RRQs (sent at once from one process), 64 KiB each, blksize 512; {len(rounds)} rounds",
            f"round 1: {done} of 1000 completed, {exact} byte-exact, in {secs:.1f} s ({mib / secs:.1f} MiB/s overall), "
            f"RRQs resent after 1 s of silence: {resent}, server CPU {cpu:.2f} s; the next rounds: "
            + ", ".join(f"{r[1]} byte-exact in {r[2]:.1f} s" for r in rounds[1:])
            + f"; server RSS {rss0} KiB → peak per round {', '.join(str(r[4]) for r in rounds)} → after each round "
            f"{', '.join(str(r[5]) for r in rounds)} KiB (VmHWM {hwm} KiB: {(hwm - rss0) * 1024 // 1000} B per "
            f"concurrent transfer; {rounds[-1][5] - rounds[0][5]} KiB more after the last round than after the first)",
        )
    ]


def scenario_abandoned(build, d, want):
    s = Server(build, d)
    try:
        rss0, fd0, cpu0 = s.rss_kib(), s.fds(), s.cpu_s()
        socks = [sock() for _ in range(1000)]
        t0 = time.monotonic()
        for x in socks:
            x.sendto(rrq("boot.img"), s.addr)
        peak_fd, peak_rss = fd0, rss0
        gone = None
        received = 0
        answered = set()
        while time.monotonic() - t0 < 30:
            time.sleep(0.1)
            for i, x in enumerate(socks):
                while True:
                    try:
                        x.recvfrom(70000)
                        received += 1
                        answered.add(i)
                    except BlockingIOError:
                        break
            fds = s.fds()
            peak_fd, peak_rss = max(peak_fd, fds), max(peak_rss, s.rss_kib())
            if peak_fd > fd0 + 100 and fds <= fd0:
                gone = time.monotonic() - t0
                break
        for x in socks:
            x.close()
        rss1, cpu = s.rss_kib(), s.cpu_s() - cpu0
    finally:
        s.stop()
    return [
        (
            "1,000 abandoned RRQs (clients never ACK; RetransmitTimeout 2 s, MaxRetransmits 3)",
            f"{len(answered)} transfers started"
            + (" (the other RRQs of the burst dropped by the kernel: the listening socket's buffer was full)"
               if len(answered) < 1000 else "")
            + f", all ended after {gone:.1f} s, server descriptors {fd0} → {peak_fd} → {fd0} "
            f"(a socket and the open file per transfer); DATA 1 sent {received} times "
            f"({received / max(1, len(answered)):.1f} per transfer: 1 + 3 retransmissions); RSS {rss0} → peak {peak_rss} "
            f"→ {rss1} KiB; server CPU {cpu:.2f} s"
            if gone
            else f"not all ended within 30 s (sockets peak {peak_fd}, now {s.fds() if s.alive() else '?'})",
        )
    ]


def drain_errors(socks):
    """Reads every datagram waiting on `socks`; returns the ERROR 5 count."""
    n = 0
    for x in socks:
        while True:
            try:
                data, _ = x.recvfrom(70000)
            except BlockingIOError:
                break
            if parse(data)[:2] == (5, 5):
                n += 1
    return n


def scenario_wrong_tid(build, d, want):
    s = Server(build, d)
    try:
        c = sock()
        sel = selectors.DefaultSelector()
        sel.register(c, selectors.EVENT_READ)
        c.sendto(rrq("boot.img"), s.addr)
        sel.select(5)
        data, tid = c.recvfrom(70000)
        got = bytearray(parse(data)[2])
        nxt = 2
        # Ports 0-39 send ACK 1 and DATA 2, ports 40-49 ERRORs.
        strangers = [sock() for _ in range(50)]
        pkts = [ack(1), struct.pack("!HH", 3, 2) + b"X" * 512, struct.pack("!HH", 5, 0) + b"spoofed\0"]
        sent = [0, 0, 0]
        answers = to_errors = 0
        cpu0 = s.cpu_s()
        t0 = time.monotonic()

        def client_step():
            # The real client: take what came, ACK the last block in order.
            nonlocal nxt, got
            last = False
            while True:
                try:
                    data, frm = c.recvfrom(70000)
                except BlockingIOError:
                    break
                op, blk, payload = parse(data)
                if op == 3 and blk == nxt:
                    got += payload
                    nxt += 1
                    last = len(payload) < 512
            c.sendto(ack(nxt - 1), tid)
            return last

        for i in range(100_000):
            k = i % 3
            strangers[i % 40 if k < 2 else 40 + i % 10].sendto(pkts[k], tid)
            sent[k] += 1
            if i % 500 == 0:
                answers += drain_errors(strangers[:40])
                to_errors += drain_errors(strangers[40:])
            if i % 1000 == 0:
                client_step()
        flood = time.monotonic() - t0
        done = False
        while not done and time.monotonic() - t0 < 60:
            sel.select(2.5)
            done = client_step()
        time.sleep(0.3)
        answers += drain_errors(strangers[:40])
        to_errors += drain_errors(strangers[40:])
        cpu = s.cpu_s() - cpu0
    finally:
        s.stop()
    return [
        (
            "wrong TIDs: 100,000 datagrams from 50 other ports at a running transfer's port (ACK, DATA from 40, ERROR from 10)",
            f"sent in {flood:.1f} s; ERROR 5 answers {answers} for the {sent[0] + sent[1]} ACK/DATA, "
            f"{to_errors} for the {sent[2]} ERRORs; the transfer completed byte-exact: {bytes(got) == want}; "
            f"server CPU {cpu:.2f} s ({cpu * 1e6 / sum(sent):.1f} µs per datagram)",
        )
    ]


def one_download(srv, opts, acks_for):
    """One download with `opts`; `acks_for(block)` lists the ACKs to send
    after receiving the last block of a window. Returns (bytes, DATA seen)."""
    c = sock()
    sel = selectors.DefaultSelector()
    sel.register(c, selectors.EVENT_READ)
    c.sendto(rrq("boot.img", opts), srv.addr)
    win = 1
    for k, v in opts:
        if k == "windowsize":
            win = int(v)
    got, nxt, seen, tid = bytearray(), 1, 0, None
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30:
        if not sel.select(3):
            c.sendto(ack(nxt - 1), tid or srv.addr)
            continue
        data, tid = c.recvfrom(70000)
        op, blk, payload = parse(data)
        if op == 6:
            for a in acks_for(0):
                c.sendto(ack(a), tid)
            continue
        seen += 1
        if blk != nxt:
            continue
        got += payload
        nxt += 1
        last = len(payload) < 512
        if last or blk % win == 0:
            for a in acks_for(blk):
                c.sendto(ack(a), tid)
        if last:
            break
    c.close()
    return bytes(got), seen


def scenario_dup_acks(build, d, want):
    s = Server(build, d)
    blocks = len(want) // 512 + 1
    try:
        cpu0 = s.cpu_s()
        got1, seen1 = one_download(s, [], lambda b: [b] * 10)
        got2, seen2 = one_download(
            s, [("windowsize", "16")], lambda b: [b, b, max(0, b - 20), b + 40, b, 65535, b]
        )
        cpu = s.cpu_s() - cpu0
    finally:
        s.stop()
    return [
        (
            "duplicate ACKs: every ACK sent 10 times (blksize 512, 129 blocks)",
            f"DATA received {seen1} for {blocks} blocks ({seen1 / blocks:.2f} per block); byte-exact: {got1 == want}",
        ),
        (
            "windowsize 16, each window's ACK sent 4 times with an old ACK, a future ACK and ACK 65535",
            f"DATA received {seen2} for {blocks} blocks ({seen2 / blocks:.2f} per block); "
            f"byte-exact: {got2 == want}; server CPU for both {cpu:.2f} s",
        ),
    ]


def scenario_bad_options(build, d, want):
    s = Server(build, d)
    bad = [
        rrq("boot.img", [("blksize", "7")]),
        rrq("boot.img", [("blksize", "512"), ("BLKSIZE", "1024")]),
        b"\0\1boot.img\0octet\0blksize\0512",
        rrq("boot.img", [(f"x{i}", "1") for i in range(200)]),
        rrq("boot.img", [("blksize", "-1")]),
    ]
    try:
        rss0, cpu0 = s.rss_kib(), s.cpu_s()
        peak = rss0
        clients = [sock() for _ in range(100)]
        answers, errors, sent = 0, {}, 0

        def drain():
            nonlocal answers
            for x in clients:
                while True:
                    try:
                        data, _ = x.recvfrom(70000)
                    except BlockingIOError:
                        break
                    op, code, _ = parse(data)
                    answers += 1
                    errors[code] = errors.get(code, 0) + 1

        t0 = time.monotonic()
        for i in range(20_000):
            clients[i % 100].sendto(bad[i % len(bad)], s.addr)
            sent += 1
            if i % 20 == 19:
                time.sleep(0.001)
                drain()
            if i % 2000 == 0:
                peak = max(peak, s.rss_kib())
        time.sleep(0.5)
        drain()
        secs = time.monotonic() - t0
        cpu = s.cpu_s() - cpu0
        rss1 = s.rss_kib()
        ok = downloads(s, 1, "boot.img", 10)[0][0] == want
    finally:
        s.stop()
    codes = ", ".join(f"ERROR {k}: {v}" for k, v in sorted(errors.items()))
    return [
        (
            "option abuse: 20,000 requests (blksize 7 or -1, repeated option, unterminated value, 200 options)",
            f"from 100 ports: {answers} answers in {secs:.1f} s ({codes}); no transfer started; RSS {rss0} → peak {peak} → {rss1} KiB; "
            f"server CPU {cpu:.2f} s ({cpu * 1e6 / sent:.0f} µs per request); serves afterwards: {ok}",
        )
    ]


def scenario_nofile(build, d, want):
    s = Server(build, d, wrap=("prlimit", "--nofile=256:256"))
    try:
        cpu0 = s.cpu_s()
        errors = {}
        got, secs, _ = downloads(s, 600, "boot.img", 60, errors=errors)
        cpu = s.cpu_s() - cpu0
        done = sum(1 for g in got if g == want)
        time.sleep(0.5)
        after = downloads(s, 50, "boot.img", 30)[0]
        ok_after = sum(1 for g in after if g == want)
        alive = s.alive()
    finally:
        s.stop()
    messages = "; ".join(sorted(errors.pop("messages", ())))
    codes = ", ".join(f"ERROR {k}: {v}" for k, v in sorted(errors.items())) or "none"
    return [
        (
            "descriptors exhausted: RLIMIT_NOFILE 256, 600 concurrent RRQs",
            f"{done} completed byte-exact (a transfer holds a socket and the open file), the others refused at once "
            f"({codes}: \"{messages}\") "
            f"in {secs:.1f} s; server CPU {cpu:.2f} s; alive: {alive}; then 50 concurrent: {ok_after} of 50 completed",
        )
    ]


SCENARIOS = {
    "rrq-1000": scenario_rrq_1000,
    "abandoned": scenario_abandoned,
    "wrong-tid": scenario_wrong_tid,
    "dup-acks": scenario_dup_acks,
    "bad-options": scenario_bad_options,
    "nofile": scenario_nofile,
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
    d = tempfile.mkdtemp(prefix="pier-tftp-hostile-")
    want = content(FILE_SIZE)
    with open(os.path.join(d, "boot.img"), "wb") as f:
        f.write(want)
    rows = []
    try:
        for name, fn in SCENARIOS.items():
            if a.only and name != a.only:
                continue
            print(f"== {name}", flush=True)
            for r in fn(a.build, d, want):
                print(f"   {r[0]}: {r[1]}", flush=True)
                rows.append(r)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    report(rows, f"`python3 bench/tftp_hostile.py`, {os.cpu_count()} cores; server examples-c/tftp_server (one "
           "thread), clients Python on 127.0.0.1 (one process).", "tftp-hostile", "Hostile peers (TFTPServer)", a.write)


if __name__ == "__main__":
    sys.exit(main())
