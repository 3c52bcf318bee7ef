#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/corpus/<target>/<name>.

Each seed is a small, valid (or deliberately borderline) input written after
the specification the target's codec follows, so libFuzzer starts from the
interesting shapes instead of discovering them. Re-run after changing a
target's input layout:  python3 fuzz/make_seeds.py
The TLS seeds come from tests-python's fixture-free certificates made here
with openssl (a throwaway key; nothing secret).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def pad(s, n):
    return s.ljust(n)


# --- TFTP (RFC 1350, 2347-2349, 7440) ------------------------------------
def rq(op, name, mode, *opts):
    body = struct.pack(">H", op) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        body += k + b"\0" + v + b"\0"
    return body


put("tftp_packet", "rrq", rq(1, b"a.txt", b"octet"))
put("tftp_packet", "wrq-opts", rq(2, b"up.bin", b"netascii", (b"blksize", b"1428"), (b"tsize", b"0")))
put("tftp_packet", "data", struct.pack(">HH", 3, 1) + b"x" * 512)
put("tftp_packet", "ack", struct.pack(">HH", 4, 65535))
put("tftp_packet", "error", struct.pack(">HH", 5, 1) + b"File not found\0")
put("tftp_packet", "oack", struct.pack(">H", 6) + b"blksize\x001024\x00windowsize\x008\x00")
# tftp_options: 2 bytes MaxPacketSize (LE), 1 byte max windowsize, then a request.
for i, (mps, win, req) in enumerate([
    (1468, 16, rq(1, b"f", b"octet", (b"blksize", b"65464"), (b"timeout", b"1"), (b"tsize", b"0"), (b"windowsize", b"64"))),
    (512, 1, rq(2, b"f", b"octet", (b"BLKSIZE", b"7"), (b"tsize", b"99999999999"))),
    (65535, 255, rq(1, b"f", b"octet", (b"blksize", b"8"), (b"timeout", b"256"), (b"utimeout", b"1000"))),
]):
    put("tftp_options", f"req{i}", struct.pack("<HB", mps, win) + req)
put("tftp_netascii", "mixed", b"\x07line one\nline two\r\nbare cr\r\0nul\r")
put("tftp_netascii", "crlf-split", b"\x02\r\n\r\n\n\r\r")
for name, path in [("plain", "a.txt"), ("sub", "sub/x"), ("dotdot", "../secret"), ("abs", "/etc/passwd"),
                   ("link-up", "up/secret"), ("link-out", "passwd"), ("link-sub", "sub/secret"),
                   ("dangling", "dangling/x"), ("backslash", "sub\\..\\..\\secret"), ("dots", "./sub/./../a.txt")]:
    put("tftp_path", name, path)

# --- TCP framing: mode, max, eol kind, number of cuts, cuts, input ---------
put("tcp_framing", "lines-crlf", bytes([1, 20, 0, 3, 2, 9, 17]) + b"one\r\ntwo\r\nthree\r\nlong line beyond twenty\r\n")
put("tcp_framing", "lines-lf-split-eol", bytes([1, 10, 1, 2, 3, 4]) + b"ab\ncd\n\n")
put("tcp_framing", "two-byte-eol", bytes([1, 8, 2, 1, 5]) + b"xxaayyabzzab")
put("tcp_framing", "single-line", bytes([2, 5, 0, 1, 3]) + b"hello world\r\n")
put("tcp_framing", "records", bytes([3, 4, 0, 2, 1, 6]) + b"0123456789")
put("tcp_framing", "stream", bytes([0, 1, 0, 1, 2]) + b"raw bytes")

# --- config strings (docs/reference/tcpserver.md) --------------------------
for i, s in enumerate(["MaxConnections=10", "AllowedClients=127.0.0.1,10.0.0.0/8,::1", "BlockedClients=192.168.*.*",
                       "TcpNoDelay=true", "KeepAliveTime=-5", "SSLEnabledProtocols=0x3000", "Bogus=1",
                       "MaxLineLength[1]", "SelectWaitMillis", "InBufferSize=99999999999999999999",
                       "UseIPv6=yes", "SSLNegotiatedCipher[7]", "DefaultConnectionTimeout=60\r\nLinger=0"]):
    put("config", f"s{i}", s)

# --- TLS certificate loading ----------------------------------------------
def tls_seeds():
    if not shutil.which("openssl"):
        print("openssl missing: tls_cert keeps its old seeds", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as t:
        run = lambda *a: subprocess.run(a, cwd=t, check=True, capture_output=True)
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=fuzz", "-days", "3650")
        run("openssl", "x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der")
        run("openssl", "pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-out", "c.pfx", "-passout", "pass:pw")
        run("openssl", "pkcs8", "-topk8", "-in", "k.pem", "-out", "k8.pem", "-passout", "pass:pw")
        r = lambda n: open(os.path.join(t, n), "rb").read()
        # first byte picks the store type (3 PFX blob, 7 PEM blob, 9 public key, 12 P7B, 99 auto);
        # the password runs to the first NUL.
        put("tls_cert", "pfx", bytes([0]) + b"pw\0" + r("c.pfx"))
        put("tls_cert", "pem", bytes([1]) + b"\0" + r("c.pem") + r("k.pem"))
        put("tls_cert", "pem-pkcs8-enc", bytes([1]) + b"pw\0" + r("c.pem") + r("k8.pem"))
        put("tls_cert", "der", bytes([4]) + b"\0" + r("c.der"))
        put("tls_cert", "pub", bytes([2]) + b"\0" + r("c.pem"))


tls_seeds()

# --- WebSocket (RFC 6455 §5, RFC 7692) --------------------------------------
def frame(op, payload, fin=True, rsv1=False, mask=b"\x01\x02\x03\x04"):
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | op
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, 0x80 | n])
    elif n < 65536:
        hdr = bytes([b0, 0x80 | 126]) + struct.pack(">H", n)
    else:
        hdr = bytes([b0, 0x80 | 127]) + struct.pack(">Q", n)
    return hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def raw_deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]  # RFC 7692 §7.2.1: drop the 00 00 ff ff tail


put("ws_decoder", "text", bytes([0x10]) + frame(1, b"hello"))
put("ws_decoder", "fragments", bytes([0x20]) + frame(1, "h\u00e9".encode()[:2], fin=False) + frame(9, b"") + frame(0, "h\u00e9".encode()[2:]))
put("ws_decoder", "binary-126", bytes([0x30]) + frame(2, bytes(300)))
put("ws_decoder", "close", bytes([0x00]) + frame(8, struct.pack(">H", 1000) + b"bye"))
put("ws_decoder", "deflate", bytes([0x01]) + frame(1, raw_deflate(b"compressed " * 20), rsv1=True))
put("ws_decoder", "bad-utf8", bytes([0x00]) + frame(1, b"\xc3\x28"))
put("ws_decoder", "unmasked", bytes([0x00]) + bytes([0x81, 2]) + b"hi")
# The same client frames, without the flags byte, for the tungstenite differential.
put("ws_frames_vs_tungstenite", "text", frame(1, b"hello") + frame(9, b"p") + frame(2, bytes(200)))
put("ws_frames_vs_tungstenite", "fragments", frame(1, "h\u00e9".encode()[:2], fin=False) + frame(10, b"") + frame(0, "h\u00e9".encode()[2:]))
put("ws_frames_vs_tungstenite", "bad-utf8-later", frame(1, b"ok") + frame(1, b"\xe2\x82", fin=False) + frame(0, b"\x28"))
put("ws_frames_vs_tungstenite", "close", frame(1, b"a") + frame(8, struct.pack(">H", 1000)) + frame(1, b"after"))
req = ("GET /chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n"
       "Sec-WebSocket-Protocol: chat, superchat\r\n"
       "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=8\r\n\r\n")
put("ws_handshake", "rfc6455", req)
put("ws_handshake", "version-8", req.replace("Version: 13", "Version: 8"))
put("ws_handshake", "post", req.replace("GET", "POST"))
put("ws_handshake", "partial", req[:60])
put("ws_inflate", "two-messages", bytes([6]) + raw_deflate(b"abc" * 50) + b"\xaa" + raw_deflate(b"second"))
put("ws_inflate", "bomb", bytes([0x86]) + raw_deflate(bytes(100000)))

# --- ODETTE FTP (RFC 5024 §5) -----------------------------------------------
ssid20 = ("X5" + pad("O0013000001TESTSITE", 25) + pad("SECRET", 8) + "04096" + "B" + "YYN" + "099" + "Y    " + pad("", 8) + "\r")
sfid20 = ("H" + pad("PAYROLL", 26) + "   202612070615020001" + pad("", 8) + pad("O0013000002DEST", 25) + pad("O0013000001ORIG", 25)
          + "T00000" + "0000000000042" + "0000000000084" + "00000000000000003" + "000101Y005hello")
for name, cmd in [("ssrm", "IODETTE FTP READY \r"), ("ssid", ssid20), ("sfid", sfid20), ("cdt", "C  "),
                  ("efid", "T000000010000000020480"), ("esid", "F09004late\r"), ("cd", "R"), ("sfpa", "2000000000000000003")]:
    put("oftp_command", name, cmd)
put("oftp_command", "auch", b"A\x00\x02\x30\x00")
# STH (RFC 5024 §4.3.1): 0x10 flags, 24-bit length including the header.
def stb(*oebs):
    return b"".join(bytes([0x10]) + (len(o) + 4).to_bytes(3, "big") + o for o in oebs)


_ssid = b"X5" + b"O0013CLIENT".ljust(25) + b"CLIPW".ljust(8) + b"01024BYYN007N" + b" " * 12 + b"\r"
_sfid = (b"H" + b"FILE".ljust(26) + b"   20261207" + b"0600000001" + b" " * 8 + b"O0013SERVER".ljust(25)
         + b"O0013CLIENT".ljust(25) + b"U00000" + b"1".rjust(13, b"0") * 2 + b"0" * 17 + b"0000" + b"00N000")
put("oftp_session", "a-file", b"\x00" + stb(_ssid, _sfid, b"D\x85hello", b"T" + b"0" * 17 + b"5".rjust(17, b"0"), b"R",
                                             b"P", b"F00000\r"))
put("oftp_session", "refused-13", b"\x12" + stb(b"X2" + _ssid[2:]))
put("oftp_sth", "small", b"\x10\x00\x00\x1a" + b"IODETTE FTP READY \r")
put("oftp_sth", "max", b"\x10\x00\x10\x00")
put("oftp_sth", "bad-flags", b"\x20\x00\x00\x05D")
# Subrecords (RFC 5024 §7.2, §8.2): header byte E|C|count.
put("oftp_subrecord", "plain", b"D" + b"\x05hello" + b"\x83world")
put("oftp_subrecord", "compressed", b"D" + b"\x45\x41" + b"\x03abc" + b"\x80")
put("oftp_subrecord", "truncated", b"D\x3f" + b"short")

# --- Inputs that once failed a target (docs/RELIABILITY.md "Fuzzing"): kept
# so every run replays them first. ws_inflate "bomb" and tcp_framing "stream"
# above are two more.
put("config", "regress-dns-garbage-name", "AllowedClients=127.0.0.llowedClients=:1")
put("oftp_command", "regress-esid-text-below-2.0", "F09004late\r")
put("oftp_command", "regress-esid-unknown-reason", "F81004late\r")
# A partial header at the end of its definite-length parent: the reader ended
# the parent and dropped the byte.
put("cms_ber", "regress-header-cut-by-parent-end", bytes.fromhex("031f26071604 0c0100f003".replace(" ", "")))
# A Ping whose length 0 came in the 16-bit form: pier refused it, tungstenite
# (and RFC 6455, which only asks senders for the minimal form) did not.
put("ws_frames_vs_tungstenite", "regress-ping-with-16-bit-length-0",
    bytes([0x89, 0xFE, 0x00, 0x00, 0xFF, 0x3B, 0x82, 0x82]) + bytes([0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82, 0x82]))

# --- CMS (src/cms/, RFC 5652 / 3274 / 5024 §6) ------------------------------
# cms_ber: piece size, depth limit, BER. cms_envelope: decoder choice
# (0 pipeline, 1 SignedData, 2 CompressedData, 3 EnvelopedData), piece
# size, then the CMS file: openssl signs as the committed test identity alice
# and encrypts to bob (src/cms/testdata), the CompressedData is written here.
def der(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + content


def compressed_data(inner):
    oid = lambda hexs: der(0x06, bytes.fromhex(hexs))
    data, cd, zl = "2a864886f70d010701", "2a864886f70d0109100109", "2a864886f70d0109100308"
    eci = der(0x30, oid(data) + der(0xA0, der(0x04, zlib.compress(inner))))
    body = der(0x30, der(0x02, b"\0") + der(0x30, oid(zl)) + eci)
    return der(0x30, oid(cd) + der(0xA0, body))


def cms_seeds():
    td = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "cms", "testdata")
    with tempfile.TemporaryDirectory() as t:
        def f(n):
            return os.path.join(t, n)

        def r(n):
            with open(f(n), "rb") as h:
                return h.read()

        def ossl(*a):
            subprocess.run(("openssl",) + a, check=True, capture_output=True)

        for who in ("alice", "bob"):
            ossl("x509", "-inform", "DER", "-in", os.path.join(td, who + ".crt.der"), "-out", f(who + ".pem"))
            ossl("pkey", "-inform", "DER", "-in", os.path.join(td, who + ".key.der"), "-out", f(who + ".key"))
        with open(f("msg"), "wb") as h:
            h.write(b"ODETTE FTP secured file " * 8)
        sign = ("cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-signer", f("alice.pem"), "-inkey",
                f("alice.key"), "-outform", "DER")
        ossl(*sign, "-in", f("msg"), "-out", f("signed"))
        ossl(*sign, "-stream", "-in", f("msg"), "-out", f("signed-stream"))
        with open(f("cmpr"), "wb") as h:
            h.write(compressed_data(r("signed")))
        enc = ("cms", "-encrypt", "-binary", "-outform", "DER", "-aes256")
        ossl(*enc, "-stream", "-in", f("cmpr"), "-out", f("full"), f("bob.pem"))
        ossl(*enc, "-in", f("msg"), "-out", f("enc"), f("bob.pem"))
        put("cms_ber", "indefinite", bytes([0x03, 0x1F]) + bytes.fromhex("3080020105248004026162040163000004000000"))
        put("cms_ber", "signed-stream", bytes([0x40, 0x1F]) + r("signed-stream"))
        put("cms_ber", "signed-der", bytes([0xFF, 0x1F]) + r("signed"))
        put("cms_envelope", "pipeline", bytes([0x00, 0x02]) + r("full"))
        put("cms_envelope", "signed-stream", bytes([0x01, 0x01]) + r("signed-stream"))
        put("cms_envelope", "signed-der", bytes([0x81, 0x10]) + r("signed"))
        put("cms_envelope", "compressed", bytes([0x02, 0x00]) + r("cmpr"))
        put("cms_envelope", "enveloped", bytes([0x03, 0x04]) + r("enc"))


cms_seeds()

# --- C API: 4-byte operations (see c_api.rs) ----------------------------------
put("c_api", "open-set-listen", bytes([0, 0, 0, 0, 1, 2, 20, 0, 3, 2, 22, 0, 9, 2, 0, 0, 10, 2, 0, 0, 13, 2, 0, 0]))
put("c_api", "config-close", bytes([0, 0, 0, 0, 5, 2, 1, 2, 5, 2, 3, 1, 12, 2, 0, 0, 2, 2, 5, 0, 12, 1, 0, 0]))
put("c_api", "tftp", bytes([7, 0, 0, 0, 8, 2, 3, 0, 8, 2, 5, 1, 11, 2, 0, 0]))
print("seeds written under", ROOT)
