#!/usr/bin/env python3
"""An ODETTE FTP Initiator written for pier's tests (no OFTP implementation
is installable from any package registry): OFTP 1.2, 1.3, 1.4 and 2.0 over
TCP or TLS, buffer compression, restart requests, and malformed-input modes.
It follows RFC 5024 (2.0) and RFC 2204 (1.3) on its own, sharing no code
with pier, so the two check each other.

    oftp_initiator.py --port 3305 --ssid O0013CLIENT --password SECRET \\
        --server-password SECRET --send file.dat [--receive-dir DIR]

A session: SSRM, SSID both ways, the files of --send (SFID, DATA within the
credit window, EFID), CD, then as Listener: EERPs answered with RTR, files
the server sends received into --receive-dir (EFPA, EERP at our next turn),
and ESID 00 when both sides are done.  Prints one line per command with
--trace.  Exit status 0 when the session ended with ESID 00 and every file
was accepted, 1 otherwise (the last line says why).

Used as a module by tests-python/test_oftp.py: ``Initiator`` below.
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import subprocess
import sys
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

LEVELS = {"1.2": 1, "1.3": 2, "1.4": 4, "2.0": 5}


def x(value: str, n: int) -> bytes:
    """An X(n) field: left-aligned, space-padded."""
    b = value.encode("ascii")
    if len(b) > n:
        raise ValueError(f"{value!r} is longer than {n}")
    return b.ljust(n)


def nine(value: int, n: int) -> bytes:
    """A 9(n) field: zero-padded digits."""
    s = str(value)
    if len(s) > n:
        raise ValueError(f"{value} does not fit 9({n})")
    return s.rjust(n, "0").encode()


class ProtocolError(Exception):
    pass


@dataclass
class Stamp:
    year: int = 2026
    month: int = 12
    day: int = 7
    hour: int = 12
    minute: int = 0
    second: int = 0
    counter: int = 1

    def fields(self, level: int) -> bytes:
        """DATE and TIME after the reserved field: 1.2/1.3 X(9) YYMMDD HHMMSS,
        1.4/2.0 X(3) CCYYMMDD HHMMSScccc (21 octets either way)."""
        if level >= 4:
            return (b"   " + f"{self.year:04}{self.month:02}{self.day:02}".encode()
                    + f"{self.hour:02}{self.minute:02}{self.second:02}{self.counter:04}".encode())
        return (b" " * 9 + f"{self.year % 100:02}{self.month:02}{self.day:02}".encode()
                + f"{self.hour:02}{self.minute:02}{self.second:02}".encode())

    @staticmethod
    def parse(b: bytes, level: int) -> "Stamp":
        if level >= 4:
            d, t = b[3:11].decode(), b[11:21].decode()
            return Stamp(int(d[:4]), int(d[4:6]), int(d[6:8]), int(t[:2]), int(t[2:4]), int(t[4:6]), int(t[6:10]))
        d, t = b[9:15].decode(), b[15:21].decode()
        y = int(d[:2])
        return Stamp(1900 + y if y >= 70 else 2000 + y, int(d[2:4]), int(d[4:6]), int(t[:2]), int(t[2:4]), int(t[4:6]), 0)


def subrecords(data: bytes, compression: bool, end: bool, space: int) -> tuple[bytes, int, bool]:
    """Fills up to `space` octets of subrecords from `data` (RFC 5024 §7.2:
    header octet E|C|count(6)); returns them, how much of data they took, and
    whether the record's end (E) is in them. With compression a run of 4+
    equal octets is a compressed subrecord."""
    out = bytearray()
    headers = []
    i = 0
    while i < len(data) and len(out) + 2 <= space:
        run = 1
        while compression and i + run < len(data) and run < 63 and data[i + run] == data[i]:
            run += 1
        headers.append(len(out))
        if compression and run >= 4:
            out += bytes([0x40 | run, data[i]])
            i += run
            continue
        n = min(63, len(data) - i, space - len(out) - 1)
        if compression:
            j = 1
            while j < n and not data[i + j:i + j + 4] == bytes([data[i + j]]) * 4:
                j += 1
            n = j
        out += bytes([n]) + data[i:i + n]
        i += n
    ended = False
    if end and i == len(data):
        if headers:
            out[headers[-1]] |= 0x80
            ended = True
        elif len(out) + 1 <= space:
            out += bytes([0x80])
            ended = True
    return bytes(out), i, ended


def parse_subrecords(buf: bytes, compression: bool):
    """Yields (data, end_of_record) of each subrecord of a DATA buffer (without 'D')."""
    i = 0
    while i < len(buf):
        h = buf[i]
        n = h & 0x3F
        if h & 0x40:
            if not compression:
                raise ProtocolError("compressed subrecord without compression")
            yield bytes([buf[i + 1]]) * n, bool(h & 0x80)
            i += 2
        else:
            if i + 1 + n > len(buf):
                raise ProtocolError("subrecord past the end of the buffer")
            yield buf[i + 1:i + 1 + n], bool(h & 0x80)
            i += 1 + n


def envelope(data: bytes, *, sign: tuple | None = None, compress: bool = False,
             encrypt: tuple | None = None) -> bytes:
    """A file secured in RFC 5024 §6.1's order, as a partner would send it:
    `sign` = (key PEM path, cert PEM path, "sha1" | "sha256" | "sha512") →
    SignedData with the content inside, no certificate (RFC 5024 §6.2);
    `compress` → CompressedData (RFC 3274, zlib; asn1crypto, as Debian's
    `openssl cms -compress` has no zlib); `encrypt` = (cert PEM path,
    openssl cipher option such as "-aes256" or "-des3") → EnvelopedData by
    `openssl cms -encrypt`. Each layer carries the one inside as id-data."""
    from cryptography.hazmat.primitives import hashes
    out = data
    if sign:
        key_path, cert_path, hash_name = sign
        if hash_name == "sha1":
            # `cryptography` signs with SHA-2 only: suite 01's SHA-1 by openssl.
            out = subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-nocerts", "-outform", "DER",
                                  "-md", "sha1", "-signer", cert_path, "-inkey", key_path],
                                 input=out, capture_output=True, check=True).stdout
        else:
            auth = SecureAuth.load(key_path, cert_path, cert_path)
            h = {"sha256": hashes.SHA256(), "sha512": hashes.SHA512()}[hash_name]
            out = (pkcs7.PKCS7SignatureBuilder().set_data(out).add_signer(auth.cert, auth.key, h)
                   .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCerts]))
    if compress:
        import zlib
        from asn1crypto import cms as acms
        out = acms.ContentInfo({"content_type": "compressed_data", "content": acms.CompressedData({
            "version": "v0", "compression_algorithm": {"algorithm": "zlib"},
            "encap_content_info": {"content_type": "data", "content": zlib.compress(out)}})}).dump()
    if encrypt:
        cert_path, cipher = encrypt
        out = subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-outform", "DER", cipher, cert_path],
                             input=out, capture_output=True, check=True).stdout
    return out


def open_envelope(env: bytes, *, key_path: str, cert_path: str, signer_cert: str | None) -> bytes:
    """The reverse of `envelope` for what the server sends: decrypt (`openssl
    cms -decrypt`), decompress (asn1crypto + zlib), verify (`openssl cms
    -verify` against `signer_cert`), whichever layers are there."""
    import zlib
    from asn1crypto import cms as acms
    while True:
        try:
            info = acms.ContentInfo.load(env, strict=True)
            kind = info["content_type"].native
        except ValueError:
            return env  # the content itself
        if kind == "enveloped_data":
            env = subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-binary", "-recip", cert_path,
                                  "-inkey", key_path], input=env, capture_output=True, check=True).stdout
        elif kind == "compressed_data":
            env = zlib.decompress(info["content"]["encap_content_info"]["content"].native)
        elif kind == "signed_data":
            if signer_cert is None:
                raise ProtocolError("a signed file and no certificate to verify it with")
            env = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-binary", "-CAfile", signer_cert,
                                  "-certfile", signer_cert, "-purpose", "any"], input=env, capture_output=True,
                                 check=True).stdout
        else:
            return env


@dataclass
class SecureAuth:
    """Our key and certificate, and the certificate we expect the server
    to prove it holds the key of. mode: "good", "wrong-response" (a flipped
    bit in our AURP), "garbled-challenge" (our AUCH's envelope cut short)."""
    key: object
    cert: object
    server_cert: object
    mode: str = "good"
    key_path: str = ""
    cert_path: str = ""

    @staticmethod
    def load(key_pem: str, cert_pem: str, server_cert_pem: str, mode: str = "good") -> "SecureAuth":
        with open(key_pem, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        with open(cert_pem, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        with open(server_cert_pem, "rb") as f:
            server = x509.load_pem_x509_certificate(f.read())
        return SecureAuth(key, cert, server, mode, key_pem, cert_pem)

    def open(self, envelope: bytes) -> bytes:
        """An EnvelopedData for us: `cryptography` reads AES-128/256 only,
        so 3DES and AES-192 go to `openssl cms -decrypt`."""
        try:
            return pkcs7.pkcs7_decrypt_der(envelope, self.cert, self.key, [])
        except UnsupportedAlgorithm:
            r = subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-binary", "-recip", self.cert_path,
                                "-inkey", self.key_path], input=envelope, capture_output=True, check=True)
            return r.stdout


@dataclass
class Received:
    name: str
    stamp: Stamp
    origin: str
    dest: str
    fmt: str
    data: bytearray = field(default_factory=bytearray)
    records: list = field(default_factory=list)
    # 2.0: SFIDSEC, SFIDCIPH, SFIDCOMP, SFIDENV as sent (b"000000": plain).
    security: bytes = b"000000"

    @property
    def enveloped(self) -> bool:
        return self.security[5:6] == b"1"


class Initiator:
    """One OFTP session with a responder."""

    def __init__(self, host: str, port: int, *, ssid: str = "O0013CLIENT", sfid: str = "", password: str = "SECRET",
                 level: str = "2.0", buffer_size: int = 4096, credit: int = 7, compression: bool = True,
                 restart: bool = True, tls: ssl.SSLContext | None = None, trace: bool = False, timeout: float = 10,
                 auth: SecureAuth | None = None):
        self.ssid, self.sfid, self.password = ssid, sfid or ssid, password
        self.auth = auth
        self.level = LEVELS[level]
        self.buffer_size, self.credit_window = buffer_size, credit
        self.compression, self.restart = compression, restart
        self.trace = trace
        raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = tls.wrap_socket(raw, server_hostname="localhost") if tls else raw
        self.buf = b""
        self.server_ssid: bytes = b""
        self.eerps: list[tuple[str, Stamp]] = []
        self.eerp_raw: list[bytes] = []  # each EERP as received
        self.received: list[Received] = []

    # --- framing -------------------------------------------------------------------------------
    def send_raw(self, oeb: bytes, sth: bytes | None = None) -> None:
        if self.trace:
            print(f"-> {oeb[:1].decode(errors='replace')} {oeb[1:60]!r}")
        self.sock.sendall((sth if sth is not None else bytes([0x10]) + (len(oeb) + 4).to_bytes(3, "big")) + oeb)

    def recv(self) -> bytes | None:
        """The next Exchange Buffer, or None when the server closed."""
        while True:
            if len(self.buf) >= 4:
                if self.buf[0] != 0x10:
                    raise ProtocolError(f"bad STH {self.buf[:4]!r}")
                n = int.from_bytes(self.buf[1:4], "big")
                if len(self.buf) >= n:
                    oeb, self.buf = self.buf[4:n], self.buf[n:]
                    if self.trace:
                        print(f"<- {oeb[:1].decode(errors='replace')} {oeb[1:60]!r}")
                    return oeb
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def expect(self, code: bytes) -> bytes:
        oeb = self.recv()
        if oeb is None:
            raise ProtocolError(f"closed; expected {code!r}")
        if oeb[:1] != code:
            raise ProtocolError(f"expected {code!r}, got {oeb[:80]!r}")
        return oeb

    def closed(self) -> bool:
        return self.recv() is None

    # --- the session -----------------------------------------------------------------------------
    def start(self, *, password: str | None = None) -> bytes:
        """SSRM, our SSID, theirs (ESID raises ProtocolError with its reason)."""
        ssrm = self.expect(b"I")
        if ssrm != b"IODETTE FTP READY \r":
            raise ProtocolError(f"bad SSRM {ssrm!r}")
        auth = (b"Y" if self.auth else b"N") if self.level == 5 else b" "
        ssid = (b"X" + str(self.level).encode() + x(self.ssid, 25) + x(self.password if password is None else password, 8)
                + nine(self.buffer_size, 5) + b"B" + (b"Y" if self.compression else b"N")
                + (b"Y" if self.restart else b"N") + b"N" + nine(self.credit_window, 3) + auth + b" " * 4
                + b" " * 8 + b"\r")
        assert len(ssid) == 61
        self.send_raw(ssid)
        answer = self.recv()
        if answer is None:
            raise ProtocolError("closed after our SSID")
        if answer[:1] == b"F":
            raise ProtocolError(f"ESID {answer[1:3].decode()}")
        if answer[:1] != b"X":
            raise ProtocolError(f"expected SSID, got {answer!r}")
        self.server_ssid = answer
        self.level = min(self.level, int(answer[1:2]))
        self.buffer_size = min(self.buffer_size, int(answer[35:40]))
        self.credit_window = min(self.credit_window, int(answer[44:47]))
        self.compression = self.compression and answer[41:42] == b"Y"
        self.restart = self.restart and answer[42:43] == b"Y"
        if self.auth and self.level == 5 and answer[47:48] == b"Y":
            self.authenticate()
        return answer

    def authenticate(self) -> None:
        """RFC 5024 §4.2.4, the Initiator's part: SECD; the Responder's AUCH
        opened with our key and answered (AURP); its SECD; our challenge
        sealed for its certificate (AUCH) and its AURP checked."""
        a = self.auth
        self.send_raw(b"J")
        auch = self.recv()
        if auch is None or auch[:1] == b"F":
            raise ProtocolError(f"ESID {auch[1:3].decode()}" if auch else "closed after our SECD")
        if auch[:1] != b"A":
            raise ProtocolError(f"expected AUCH, got {auch[:40]!r}")
        n = int.from_bytes(auch[1:3], "big")
        if len(auch) != 3 + n:
            raise ProtocolError(f"AUCH of {len(auch)} octets says {n}")
        challenge = a.open(auch[3:])
        if len(challenge) != 20:
            raise ProtocolError(f"the server's challenge holds {len(challenge)} octets")
        if a.mode == "wrong-response":
            challenge = bytes([challenge[0] ^ 1]) + challenge[1:]
        self.send_raw(b"S" + challenge)
        answer = self.recv()
        if answer is None or answer[:1] == b"F":
            raise ProtocolError(f"ESID {answer[1:3].decode()}" if answer else "closed after our AURP")
        if answer[:1] != b"J":
            raise ProtocolError(f"expected SECD, got {answer[:40]!r}")
        mine = os.urandom(20)
        envelope = (pkcs7.PKCS7EnvelopeBuilder().set_data(mine).add_recipient(a.server_cert)
                    .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
        if a.mode == "garbled-challenge":
            envelope = envelope[:-20]
        self.send_raw(b"A" + len(envelope).to_bytes(2, "big") + envelope)
        aurp = self.recv()
        if aurp is None or aurp[:1] == b"F":
            raise ProtocolError(f"ESID {aurp[1:3].decode()}" if aurp else "closed after our AUCH")
        if aurp[:1] != b"S" or aurp[1:] != mine:
            raise ProtocolError("the server failed our challenge")

    def sfid_command(self, name: str, stamp: Stamp, dest: str, fmt: str, lrecl: int, size: int, restart: int = 0,
                     secured: tuple[int, int, int] | None = None, signed_receipt: int = 0) -> bytes:
        """`secured`: (SFIDSEC, SFIDCIPH, SFIDCOMP) of an enveloped file (SFIDENV 1).
        `signed_receipt`: SFIDSIGN Y with this SFIDCIPH (a plain file's suite)."""
        v2 = self.level == 5
        blocks = max(1, (size + 1023) // 1024)
        head = b"H" + x(name, 26) + stamp.fields(self.level) + x("", 8) + x(dest, 25) + x(self.sfid, 25)
        head += fmt.encode() + nine(lrecl, 5)
        if v2:
            if secured:
                sec = nine(secured[0], 2) + nine(secured[1], 2) + nine(secured[2], 1) + b"1"
            else:
                sec = b"00" + nine(signed_receipt, 2) + b"00"
            sign = b"Y" if signed_receipt else b"N"
            return head + nine(blocks, 13) + nine(blocks, 13) + nine(restart, 17) + sec + sign + b"000"
        return head + nine(blocks, 7) + nine(restart, 9)

    def send_file(self, name: str, data: bytes, *, dest: str, fmt: str = "U", lrecl: int = 0,
                  stamp: Stamp | None = None, restart: int = 0, stop_after: int | None = None,
                  hang: bool = False, secured: tuple[int, int, int] | None = None,
                  signed_receipt: int = 0) -> bytes:
        """SFID … EFID; returns the answer to EFID (EFPA or EFNA), or the SFNA.
        F/V data is one record per CR-LF line. `stop_after`: stop after that
        many DATA buffers (a broken transfer) and close the connection, or
        with `hang` leave it open and silent. `restart`: SFIDREST; the data
        goes from the server's SFPAACNT on (records, or 1 KiB blocks).
        `secured`: `data` is a CMS envelope (see `envelope`), sent as
        format U whatever `fmt` says (RFC 5024 §5.3.3 SFIDREST)."""
        stamp = stamp or Stamp()
        self.send_raw(self.sfid_command(name, stamp, dest, fmt, lrecl, len(data), restart, secured, signed_receipt))
        answer = self.recv()
        if answer is None or answer[:1] != b"2":
            return answer or b""
        accepted = self.accepted = int(answer[1:])
        has_records = fmt in "FV" and not secured
        if has_records:
            records = data.split(b"\r\n")
            if records and records[-1] == b"":
                records.pop()
            total_records, total_units = len(records), sum(len(r) for r in records)
            records = records[accepted:]
        else:
            records = [data[accepted * 1024:]]
            total_records, total_units = 0, len(data)
        credit, sent = self.credit_window, 0
        buf = bytearray(b"D")
        for n, rec in enumerate(records):
            # F/V: E ends each record; U/T: the file is one record.
            end = has_records or n == len(records) - 1
            rest, ended = rec, False
            while rest or (end and not ended):
                chunk, took, ended = subrecords(rest, self.compression, end, self.buffer_size - len(buf))
                buf += chunk
                rest = rest[took:]
                if rest or (end and not ended) or self.buffer_size - len(buf) < 2:
                    # The buffer is full.
                    credit = self._flush(buf, credit)
                    buf, sent = bytearray(b"D"), sent + 1
                    if stop_after is not None and sent >= stop_after:
                        if not hang:
                            self.sock.close()
                        return b""
        if len(buf) > 1:
            credit = self._flush(buf, credit)
        if self.level == 5:
            self.send_raw(b"T" + nine(total_records, 17) + nine(total_units, 17))
        else:
            self.send_raw(b"T" + nine(total_records, 9) + nine(total_units, 12))
        while True:
            answer = self.recv()
            if answer is None or answer[:1] != b"C":
                return answer or b""

    def _flush(self, buf: bytearray, credit: int) -> int:
        if credit == 0:
            self.expect(b"C")
            credit = self.credit_window
        self.send_raw(bytes(buf))
        return credit - 1

    def listen(self, receive_dir: str | None = None) -> bytes:
        """After our CD: the server speaks. EERPs get RTR, its files are
        received (EFPA); returns the command that ends its turn (CD or ESID)."""
        current: Received | None = None
        while True:
            oeb = self.recv()
            if oeb is None:
                return b""
            code = oeb[:1]
            if code == b"E":
                self.eerps.append((oeb[1:27].decode().rstrip(), Stamp.parse(oeb[27:48], self.level)))
                self.eerp_raw.append(bytes(oeb))
                self.send_raw(b"P")
            elif code == b"H":
                fmt = oeb[106:107].decode()
                current = Received(oeb[1:27].decode().rstrip(), Stamp.parse(oeb[27:48], self.level),
                                   oeb[81:106].decode().rstrip(), oeb[56:81].decode().rstrip(), fmt)
                if self.level == 5:
                    current.security = bytes(oeb[155:161])
                self.send_raw(b"2" + nine(0, 17 if self.level == 5 else 9))
                credit = self.credit_window
            elif code == b"D":
                assert current is not None
                rec = bytearray()
                for data, end in parse_subrecords(oeb[1:], self.compression):
                    current.data += data
                    rec += data
                    # An enveloped file travels as format U (RFC 5024 §5.3.3).
                    if end and current.fmt in "FV" and not current.enveloped:
                        current.records.append(bytes(rec))
                        current.data += b"\r\n"
                        rec = bytearray()
                credit -= 1
                if credit == 0:
                    self.send_raw(b"C  ")
                    credit = self.credit_window
            elif code == b"T":
                assert current is not None
                self.received.append(current)
                if receive_dir:
                    with open(os.path.join(receive_dir, current.name), "wb") as f:
                        f.write(current.data)
                self.send_raw(b"4N")
                current = None
            elif code in (b"R", b"F"):
                return oeb
            else:
                raise ProtocolError(f"unexpected {oeb[:40]!r}")

    def eerp(self, name: str, stamp: Stamp, dest: str) -> None:
        """Our EERP for a file the server sent (we speak)."""
        body = b"E" + x(name, 26) + stamp.fields(self.level) + x("", 8) + x(dest, 25) + x(self.sfid, 25)
        if self.level == 5:
            body += b"\x00\x00" + b"\x00\x00"
        self.send_raw(body)
        self.expect(b"P")

    def esid(self, reason: int = 0) -> None:
        self.send_raw(b"F" + nine(reason, 2) + (b"000" if self.level == 5 else b"") + b"\r")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="An ODETTE FTP Initiator for pier's tests (RFC 5024, RFC 2204).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=3305)
    ap.add_argument("--ssid", default="O0013CLIENT", help="our SSID code (also our SFID code unless --sfid)")
    ap.add_argument("--sfid", default="")
    ap.add_argument("--password", default="SECRET", help="our password (SSIDPSWD)")
    ap.add_argument("--server-password", default=None, help="check the server's SSIDPSWD")
    ap.add_argument("--dest", default="", help="SFIDDEST of the files we send (default: the server's SSID code)")
    ap.add_argument("--level", choices=sorted(LEVELS), default="2.0")
    ap.add_argument("--buffer-size", type=int, default=4096)
    ap.add_argument("--credit", type=int, default=7)
    ap.add_argument("--no-compression", action="store_true")
    ap.add_argument("--tls", action="store_true", help="OFTP over TLS")
    ap.add_argument("--ca", default=None, help="with --tls: the CA bundle that signed the server's certificate")
    ap.add_argument("--send", action="append", default=[], help="a file to send (repeatable)")
    ap.add_argument("--format", choices="UTFV", default="U")
    ap.add_argument("--lrecl", type=int, default=0)
    ap.add_argument("--receive-dir", default=None, help="where files the server sends are written")
    ap.add_argument("--malformed", choices=["unknown-command", "bad-sth", "long-buffer", "bad-date"], default=None,
                    help="send this malformed input after the SSIDs and report the server's ESID")
    ap.add_argument("--auth-key", default=None, help="secure authentication: our PEM private key")
    ap.add_argument("--auth-cert", default=None, help="secure authentication: our PEM certificate")
    ap.add_argument("--server-cert", default=None, help="secure authentication: the server's PEM certificate")
    ap.add_argument("--trace", action="store_true")
    a = ap.parse_args(argv)
    auth = SecureAuth.load(a.auth_key, a.auth_cert, a.server_cert) if a.auth_key else None
    ctx = None
    if a.tls:
        ctx = ssl.create_default_context(cafile=a.ca) if a.ca else ssl._create_unverified_context()
        if not a.ca:
            ctx.check_hostname = False
    i = Initiator(a.host, a.port, ssid=a.ssid, sfid=a.sfid, password=a.password, level=a.level,
                  buffer_size=a.buffer_size, credit=a.credit, compression=not a.no_compression, tls=ctx,
                  trace=a.trace, auth=auth)
    try:
        answer = i.start()
    except ProtocolError as e:
        print(f"refused: {e}")
        return 1
    server_code = answer[2:27].decode().rstrip()
    if a.server_password is not None and answer[27:35].decode().rstrip() != a.server_password:
        print("the server's password differs")
        return 1
    if a.malformed:
        bad = {"unknown-command": (b"Z", None), "bad-sth": (b"R", b"\x20\x00\x00\x05"),
               "long-buffer": (b"D" + b"\x01A" * 60000, None),
               "bad-date": (i.sfid_command("X", Stamp(month=13), server_code, "U", 0, 1), None)}[a.malformed]
        i.send_raw(bad[0], bad[1])
        oeb = i.recv()
        print(f"ESID {oeb[1:3].decode()}" if oeb and oeb[:1] == b"F" else f"no ESID: {oeb!r}")
        return 0 if oeb and oeb[:1] == b"F" else 1
    ok = True
    for path in a.send:
        with open(path, "rb") as f:
            data = f.read()
        answer = i.send_file(os.path.basename(path), data, dest=a.dest or server_code, fmt=a.format, lrecl=a.lrecl)
        print(f"sent {path}: {answer[:1].decode() if answer else 'closed'}")
        ok = ok and answer[:1] == b"4"
    while True:
        i.send_raw(b"R")
        end = i.listen(a.receive_dir)
        for r in i.received:
            print(f"received {r.name} ({len(r.data)} octets)")
        for r in i.received:
            i.eerp(r.name, r.stamp, r.origin)
        i.received.clear()
        if end[:1] == b"F":
            print(f"ESID {end[1:3].decode()} from the server")
            return 0 if ok and end[1:3] == b"00" else 1
        if end[:1] != b"R":
            print("the server closed without ESID")
            return 1
        # The server handed the turn back; we have nothing more: end.
        i.esid(0)
        i.closed()
        print("ESID 00 sent")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
