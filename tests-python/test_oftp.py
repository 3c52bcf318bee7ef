"""OFTPServer interop: examples-c/oftp_server driven over real sockets by
tests-python/oftp_initiator.py, an Initiator written from RFC 5024 and RFC
2204 that shares no code with pier: every level (1.2, 1.3, 1.4, 2.0), files
both ways with end-to-end responses, buffer compression, F/V records,
partners refused with the right ESID, OFTP over TLS, malformed input, and a
connection dropped mid-file.

The example is taken from $PIER_BUILD_DIR/examples-c (build/ by default), or
compiled here against include/pier.h and the library (test_ws.py's helper).

    python3 -m pytest -q tests-python/test_oftp.py
"""

import contextlib
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oftp_initiator import Initiator, ProtocolError, SecureAuth, Stamp, envelope  # noqa: E402
from test_ws import example_binary, make_cert  # noqa: E402

TIMEOUT = 20
SERVER = "O0013SERVER"


class OftpServer:
    def __init__(self, *args, tmp=None):
        self.tmp = tmp or tempfile.mkdtemp(prefix="pier-oftp-")
        self.inbox = os.path.join(self.tmp, "in")
        self.outbox = os.path.join(self.tmp, "out")
        os.makedirs(self.inbox, exist_ok=True)
        os.makedirs(self.outbox, exist_ok=True)
        exe = example_binary(self.tmp, "oftp_server")
        self.proc = subprocess.Popen(
            [exe, "--port", "0", "--ssid", SERVER, "--sfid", SERVER, "--password", "SRVPW", "--in", self.inbox,
             "--outbox", self.outbox, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), line + self.proc.stderr.read()
        self.port = int(line.split()[2])

    def initiator(self, **kw):
        return Initiator("127.0.0.1", self.port, **kw)

    def close(self, keep=False):
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=TIMEOUT)
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return out

    def kill(self):
        """SIGKILL: no chance to flush or sync anything."""
        self.proc.kill()
        self.proc.communicate(timeout=TIMEOUT)


@pytest.fixture
def server():
    s = OftpServer()
    yield s
    s.close()


@contextlib.contextmanager
def pumping(s):
    """A pier.OFTPServer listening, its events pumped on a thread of their own
    (a handler may block in SendFile while the client answers)."""
    s.start_listening()
    running = [True]

    def loop():
        while running[0]:
            s.do_events()

    t = threading.Thread(target=loop)
    t.start()
    try:
        yield
    finally:
        running[0] = False
        t.join()


def wait_for(cond, secs=5):
    t = time.monotonic()
    while not cond():
        assert time.monotonic() - t < secs, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("level", ["1.2", "1.3", "1.4", "2.0"])
def test_a_file_each_way_with_end_to_end_responses_at_every_level(server, level):
    # A file waiting in the outbox for the partner.
    os.makedirs(os.path.join(server.outbox, "O0013CLIENT"))
    outgoing = bytes(range(256)) * 40 + b"tail"
    with open(os.path.join(server.outbox, "O0013CLIENT", "REPORT"), "wb") as f:
        f.write(outgoing)
    i = server.initiator(level=level, buffer_size=512, credit=3)
    theirs = i.start()
    assert theirs[1:2] == str({"1.2": 1, "1.3": 2, "1.4": 4, "2.0": 5}[level]).encode()
    data = (b"A" * 700 + b"varied data " * 50) * 3
    assert i.send_file("PAYROLL", data, dest=SERVER)[:1] == b"4"
    wait_for(lambda: os.path.exists(os.path.join(server.inbox, "PAYROLL")))
    with open(os.path.join(server.inbox, "PAYROLL"), "rb") as f:
        assert f.read() == data
    # Our turn is over: our EERP, then the server's file.
    i.send_raw(b"R")
    end = i.listen()
    assert [name for name, _ in i.eerps] == ["PAYROLL"]
    assert [r.name for r in i.received] == ["REPORT"]
    assert bytes(i.received[0].data) == outgoing
    assert end[:1] == b"R", "the server hands the turn back after sending"
    r = i.received[0]
    i.eerp(r.name, r.stamp, r.origin)
    i.esid(0)
    assert i.closed()
    # Our EERP moved the file to sent/.
    wait_for(lambda: os.path.exists(os.path.join(server.outbox, "O0013CLIENT", "sent", "REPORT")))


def test_records_of_a_variable_file_are_stored_one_per_line(server):
    i = server.initiator()
    i.start()
    lines = [b"record %d " % n + b"x" * (n % 90) for n in range(300)]
    answer = i.send_file("LINES", b"".join(line + b"\r\n" for line in lines), dest=SERVER, fmt="V", lrecl=100)
    assert answer[:1] == b"4", answer
    with open(os.path.join(server.inbox, "LINES"), "rb") as f:
        assert f.read().split(b"\r\n")[:-1] == lines
    i.send_raw(b"R")
    # The EERP first; having spoken, the server hands the turn back (RFC
    # 5024 §9.10: only a Speaker right after the CD may end the session).
    assert i.listen()[:1] == b"R"
    assert [name for name, _ in i.eerps] == ["LINES"]
    i.esid(0)
    assert i.closed()


def test_compression_off_and_a_record_count_that_lies_is_refused(server):
    i = server.initiator(compression=False)
    i.start()
    assert not i.compression
    # A V file whose EFID counts one record too many: EFNA 10, nothing stored.
    i.send_raw(i.sfid_command("LIES", Stamp(), SERVER, "V", 50, 10))
    assert i.expect(b"2")
    i.send_raw(b"D" + bytes([0x80 | 5]) + b"hello")
    i.send_raw(b"T" + b"2".rjust(17, b"0") + b"5".rjust(17, b"0"))
    efna = i.expect(b"5")
    assert efna[1:3] == b"10"
    assert not os.path.exists(os.path.join(server.inbox, "LIES"))


def test_partners_are_refused_with_the_esid_of_their_fault():
    s = OftpServer("--partner", "O0013CLIENT:GOODPW")
    try:
        with pytest.raises(ProtocolError, match="ESID 03"):
            s.initiator(ssid="O0013STRANGER", password="GOODPW").start()
        with pytest.raises(ProtocolError, match="ESID 04"):
            s.initiator(password="BADPW").start()
        i = s.initiator(password="GOODPW")
        i.start()
        i.send_raw(b"R")
        assert i.listen()[:1] == b"F"
    finally:
        out = s.close()
    assert "refused" in out


def test_oftp_over_tls_needs_2_0():
    tmp = tempfile.mkdtemp()
    key, cert = make_cert(tmp)
    s = OftpServer("--cert", cert, "--key", key)
    try:
        ctx = ssl.create_default_context(cafile=cert)
        i = s.initiator(tls=ctx)
        i.start()
        assert i.send_file("SECRET", b"over TLS " * 1000, dest=SERVER)[:1] == b"4"
        with open(os.path.join(s.inbox, "SECRET"), "rb") as f:
            assert f.read() == b"over TLS " * 1000
        i.send_raw(b"R")
        assert i.listen()[:1] == b"R" and [n for n, _ in i.eerps] == ["SECRET"]
        i.esid(0)
        # 1.4 over TLS is refused with ESID 10 (the reference: UseSSL is 2.0 only).
        with pytest.raises(ProtocolError, match="ESID 10"):
            s.initiator(tls=ctx, level="1.4").start()
    finally:
        s.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("mode,reason", [("unknown-command", b"01"), ("bad-sth", b"02"), ("long-buffer", b"07"),
                                         ("bad-date", b"06")])
def test_malformed_input_ends_the_session_with_the_rfc_reason(server, mode, reason):
    i = server.initiator(buffer_size=4096)
    i.start()
    bad = {"unknown-command": (b"Z", None), "bad-sth": (b"R", b"\x20\x00\x00\x05"),
           "long-buffer": (b"D" + b"\x01A" * 3000, None),
           "bad-date": (i.sfid_command("X", Stamp(month=13), SERVER, "U", 0, 1), None)}[mode]
    i.send_raw(*bad)
    esid = i.expect(b"F")
    assert esid[1:3] == reason, esid
    assert i.closed()


def test_a_connection_dropped_mid_file_leaves_no_file_and_the_server_serves_on(server):
    i = server.initiator(buffer_size=256, credit=2)
    i.start()
    assert i.send_file("BROKEN", os.urandom(50_000), dest=SERVER, stop_after=5) == b""
    i2 = server.initiator()
    i2.start()
    assert i2.send_file("WHOLE", b"fine", dest=SERVER)[:1] == b"4"
    assert not os.path.exists(os.path.join(server.inbox, "BROKEN")), "no partial under the final name"
    assert os.listdir(os.path.join(server.inbox, ".oftp-partial")), "the partial is kept for a restart"


def test_the_command_line_tool_sends_and_receives(server, tmp_path):
    src = tmp_path / "HELLO.TXT"
    src.write_bytes(b"hello from the initiator\r\n")
    os.makedirs(os.path.join(server.outbox, "O0013CLIENT"))
    with open(os.path.join(server.outbox, "O0013CLIENT", "BACK.TXT"), "wb") as f:
        f.write(b"hello back\r\n")
    recv = tmp_path / "recv"
    recv.mkdir()
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oftp_initiator.py")
    r = subprocess.run([sys.executable, tool, "--port", str(server.port), "--server-password", "SRVPW",
                        "--send", str(src), "--receive-dir", str(recv)], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (recv / "BACK.TXT").read_bytes() == b"hello back\r\n"
    with open(os.path.join(server.inbox, "HELLO.TXT"), "rb") as f:
        assert f.read() == b"hello from the initiator\r\n"


def test_a_file_restarts_after_the_server_process_was_killed_mid_file():
    s = OftpServer()
    data = os.urandom(3 << 20)
    stamp = Stamp(hour=9, counter=42)
    try:
        i = s.initiator(buffer_size=4096, credit=64, compression=False)
        i.start()
        # 2.5 MiB of 3 go out, then the server process is killed.
        assert i.send_file("HUGE", data, dest=SERVER, stamp=stamp, stop_after=640, hang=True) == b""
        time.sleep(0.5)
        s.kill()
        i.close()
        assert not os.path.exists(os.path.join(s.inbox, "HUGE"))
        s2 = OftpServer(tmp=s.tmp)
        try:
            i = s2.initiator(buffer_size=4096, credit=64, compression=False)
            i.start()
            assert i.restart
            answer = i.send_file("HUGE", data, dest=SERVER, stamp=stamp, restart=3072)
            assert answer[:1] == b"4", answer
            # At least the first checkpoint (1 MiB) survived the kill.
            assert 1024 <= i.accepted < 2560, i.accepted
            with open(os.path.join(s2.inbox, "HUGE"), "rb") as f:
                assert f.read() == data
        finally:
            s2.close(keep=True)
    finally:
        shutil.rmtree(s.tmp, ignore_errors=True)


def test_the_python_package_serves_oftp(tmp_path):
    """pier.OFTPServer (the generated package) with the Initiator: properties
    as attributes, AcceptConnection's writable fields, SendFile from the
    ReadyToSend handler, the events' fields."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
    import pier

    out = tmp_path / "REPORT.TXT"
    out.write_bytes(b"from python\r\n" * 100)
    seen = []
    with pier.OFTPServer(local_host="127.0.0.1", local_port=0, server_ssid_code=SERVER,
                         server_sfid_code=SERVER, server_password="SRVPW") as s:
        @s.on("AcceptConnection")
        def accept(e):
            seen.append(("accept", e.client_ssid_code, e.client_version))
            if e.client_password != "SECRET":
                e.accept = False
                e.error_code = 4
            s.connections[e.connection_id].download_directory = str(tmp_path)

        @s.on("EndTransfer")
        def end(e):
            seen.append(("end", e.direction, e.virtual_file_name, e.file_size, e.reason_code))

        @s.on("ReadyToSend")
        def ready(e):
            assert s.connections[e.connection_id].ready_to_send
            s.send_file(e.connection_id, "O0013CLIENT", str(out), "REPORT")
            s.logoff(e.connection_id)

        with pumping(s):
            with pytest.raises(ProtocolError, match="ESID 04"):
                Initiator("127.0.0.1", s.local_port, password="WRONG").start()
            i = Initiator("127.0.0.1", s.local_port)
            i.start()
            assert i.send_file("INCOMING", b"to python", dest=SERVER)[:1] == b"4"
            i.send_raw(b"R")
            end_cmd = i.listen()
            assert [r.name for r in i.received] == ["REPORT"]
            assert bytes(i.received[0].data) == out.read_bytes()
            assert end_cmd[:1] == b"R"
            i.esid(0)
            assert i.closed()
    assert (tmp_path / "INCOMING").read_bytes() == b"to python"
    assert ("end", 0, "INCOMING", 9, 0) in seen
    assert ("end", 1, "REPORT", 1300, 0) in seen
    assert ("accept", "O0013CLIENT", 3) in seen


def test_the_c_boundary_sends_conn_upload_stream_and_names_fields_with_friendly_log_format(tmp_path):
    """Through the C ABI (the generated package): SendFile with FileName ""
    reads the descriptor in ConnUploadStream, which CloseStreamAfterTransfer
    False leaves open and set; FriendlyLogFormat names the fields in
    PITrail's CommandDescription and never shows the client's password."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
    import pier

    body = b"from a pipe\r\n" * 50
    r, w = os.pipe()
    os.write(w, body)
    os.close(w)
    trail, after = [], []
    with pier.OFTPServer(local_host="127.0.0.1", local_port=0, server_ssid_code=SERVER,
                         server_sfid_code=SERVER, server_password="SRVPW") as s:
        s.config("FriendlyLogFormat=True")
        s.config("CloseStreamAfterTransfer=False")

        @s.on("AcceptConnection")
        def accept(e):
            s.connections[e.connection_id].download_directory = str(tmp_path)

        @s.on("PITrail")
        def pit(e):
            trail.append((e.direction, e.command_description))

        @s.on("ReadyToSend")
        def ready(e):
            c = s.connections[e.connection_id]
            c.upload_stream = r
            s.send_file(e.connection_id, "O0013CLIENT", "", "FROMPIPE")
            after.append(c.upload_stream)
            s.logoff(e.connection_id)

        with pumping(s):
            i = Initiator("127.0.0.1", s.local_port)
            i.start()
            i.send_raw(b"R")
            assert i.listen()[:1] == b"R"
            i.esid(0)
            assert i.closed()
    assert [(x.name, bytes(x.data)) for x in i.received] == [("FROMPIPE", body)]
    assert after == [r], "ConnUploadStream still names the descriptor"
    os.fstat(r)  # still open: the application closes it
    os.close(r)
    sfids = [d for direction, d in trail if direction == 1 and d.startswith("SFID ")]
    assert len(sfids) == 1 and sfids[0].startswith("SFID DSN=FROMPIPE DATE="), trail
    assert "DEST=O0013CLIENT ORIG=O0013SERVER FMT=U" in sfids[0], sfids[0]
    assert any(d.startswith("SSID LEV=5 CODE=O0013CLIENT") for direction, d in trail if direction == 0), trail
    assert not any("SECRET" in d or "SRVPW" in d for _, d in trail), "no password in the trail"


# --- secure authentication (RFC 5024 §4.2.3), issue 11 ---------------------------------------------------------

def rsa_identity(tmp, name):
    """An RSA key and self-signed certificate (CMS key transport needs RSA): paths of key, cert, key+cert."""
    key, cert, both = (os.path.join(tmp, f"{name}.{ext}") for ext in ("key", "crt", "pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", f"/CN={name}", "-days", "2"], check=True, capture_output=True)
    with open(both, "w") as f:
        f.write(open(key).read() + open(cert).read())
    return key, cert, both


@pytest.fixture(scope="module")
def identities():
    tmp = tempfile.mkdtemp(prefix="pier-oftp-ids-")
    ids = {n: rsa_identity(tmp, n) for n in ("server", "client", "stranger")}
    yield ids
    shutil.rmtree(tmp, ignore_errors=True)


def auth_server(ids, *extra):
    _, client_cert, _ = ids["client"]
    return OftpServer("--security-cert", ids["server"][2], "--partner", f"O0013CLIENT:SECRET:{client_cert}", *extra)


def client_auth(ids, mode="good", who="client"):
    key, cert, _ = ids[who]
    return SecureAuth.load(key, cert, ids["server"][1], mode)


def test_secure_authentication_both_ways_then_a_file(identities):
    s = auth_server(identities)
    try:
        i = s.initiator(auth=client_auth(identities))
        answer = i.start()  # SSID, SECD, AUCH/AURP both ways: raises unless both proved their keys
        assert answer[47:48] == b"Y"
        assert i.send_file("AUTHED", b"after authentication", dest=SERVER)[:1] == b"4"
        i.send_raw(b"R")
        assert i.listen()[:1] == b"R"
        i.esid(0)
        wait_for(lambda: os.path.exists(os.path.join(s.inbox, "AUTHED")))
    finally:
        out = s.close()
    assert "error" not in out, out


@pytest.mark.parametrize("mode,esid", [("wrong-response", "11"), ("garbled-challenge", "11")])
def test_a_client_failing_authentication_gets_esid_11_and_never_reaches_files(identities, mode, esid):
    s = auth_server(identities)
    try:
        with pytest.raises(ProtocolError, match=f"ESID {esid}"):
            s.initiator(auth=client_auth(identities, mode)).start()
    finally:
        out = s.close()
    assert "AcceptFile" not in out
    code = "690" if mode == "wrong-response" else "684"
    assert f"error {code}" in out, out


def test_a_client_with_another_key_cannot_open_the_challenge(identities):
    # The server challenges the certificate it knows for O0013CLIENT; a
    # stranger's key cannot open it (the Initiator fails, the session ends).
    s = auth_server(identities)
    try:
        with pytest.raises(Exception):
            s.initiator(auth=client_auth(identities, who="stranger")).start()
    finally:
        s.close()


def test_secure_authentication_policy_and_missing_certificates(identities):
    # Required, and the client does not ask: ESID 12.
    s = auth_server(identities, "--secure-auth", "required")
    try:
        with pytest.raises(ProtocolError, match="ESID 12"):
            s.initiator().start()
    finally:
        s.close()
    # Off, and the client asks: ESID 12.
    s = auth_server(identities, "--secure-auth", "off")
    try:
        with pytest.raises(ProtocolError, match="ESID 12"):
            s.initiator(auth=client_auth(identities)).start()
    finally:
        s.close()
    # No certificate for the partner: ESID 12 and error 689 naming what to set.
    s = OftpServer("--security-cert", identities["server"][2])
    try:
        with pytest.raises(ProtocolError, match="ESID 12"):
            s.initiator(auth=client_auth(identities)).start()
    finally:
        out = s.close()
    assert "error 689" in out and "ConnRecipientCertStore" in out, out
    # Optional (the default) and the client does not ask: files as before.
    s = auth_server(identities)
    try:
        i = s.initiator()
        assert i.start()[47:48] == b"N"
        assert i.send_file("PLAIN", b"no authentication", dest=SERVER)[:1] == b"4"
        i.esid(0)
    finally:
        s.close()


# --- secured files (RFC 5024 §6), issue 11 -------------------------------------------------------------------

def signer(ids, who="client", hash_name="sha256"):
    key, cert, _ = ids[who]
    return (key, cert, hash_name)


def secured_server(ids, *extra):
    # The server decrypts with its Certificate and verifies the client's
    # signatures with the --partner certificate.
    _, client_cert, _ = ids["client"]
    return OftpServer("--security-cert", ids["server"][2], "--partner", f"O0013CLIENT:SECRET:{client_cert}", *extra)


@pytest.mark.parametrize("name,layers,suite,secured", [
    ("SIGNED", dict(sign="sha256"), 4, (2, 4, 0)),
    ("ENCRYPTED", dict(encrypt="-aes256"), 4, (1, 4, 0)),
    ("COMPRESSED", dict(compress=True), 0, (0, 0, 1)),
    ("ALL3DES", dict(sign="sha1", compress=True, encrypt="-des3"), 1, (3, 1, 1)),
    ("ALLAES", dict(sign="sha512", compress=True, encrypt="-aes256"), 6, (3, 6, 1)),
])
def test_a_secured_file_is_decoded_verified_and_stored(identities, name, layers, suite, secured):
    data = os.urandom(200_000) + b"tail " * 5000
    s = secured_server(identities)
    try:
        env = envelope(data, sign=signer(identities, hash_name=layers["sign"]) if "sign" in layers else None,
                       compress=layers.get("compress", False),
                       encrypt=(identities["server"][1], layers["encrypt"]) if "encrypt" in layers else None)
        i = s.initiator()
        i.start()
        answer = i.send_file(name, env, dest=SERVER, secured=secured)
        assert answer[:1] == b"4", answer
        with open(os.path.join(s.inbox, name), "rb") as f:
            assert f.read() == data
        assert os.listdir(os.path.join(s.inbox, ".oftp-partial")) == []
        i.esid(0)
    finally:
        out = s.close()
    assert "error" not in out, out


def test_a_secured_v_file_gets_its_records_back(identities):
    s = secured_server(identities)
    try:
        content = b"\x00\x03abc\x00\x00\x00\x05defgh"
        env = envelope(content, sign=signer(identities))
        i = s.initiator()
        i.start()
        assert i.send_file("VRECS", env, dest=SERVER, fmt="V", lrecl=80, secured=(2, 4, 0))[:1] == b"4"
        with open(os.path.join(s.inbox, "VRECS"), "rb") as f:
            assert f.read() == b"abc\r\n\r\ndefgh\r\n"
        i.esid(0)
    finally:
        s.close()


@pytest.mark.parametrize("case,efna,error", [
    ("forged-signature", b"21", "683"),
    ("other-recipient", b"22", "684"),
    ("truncated", b"22", "684"),
    ("zlib-bomb", b"23", "684"),
    ("wrong-suite", b"15", "684"),
])
def test_bad_secured_files_get_the_rfc_reason_and_leave_nothing(identities, case, efna, error):
    s = secured_server(identities)
    try:
        data = b"payload " * 4096
        server_cert = identities["server"][1]
        if case == "forged-signature":
            env, secured = envelope(data, sign=signer(identities, who="stranger")), (2, 4, 0)
        elif case == "other-recipient":
            env, secured = envelope(data, encrypt=(identities["stranger"][1], "-aes256")), (1, 4, 0)
        elif case == "truncated":
            env, secured = envelope(data, encrypt=(server_cert, "-aes256"))[:-40], (1, 4, 0)
        elif case == "zlib-bomb":
            env, secured = envelope(bytes(64 << 20), compress=True), (0, 0, 1)
        else:  # SFIDCIPH 04 (AES-256) for a 3DES envelope
            env, secured = envelope(data, encrypt=(server_cert, "-des3")), (1, 4, 0)
        i = s.initiator()
        i.start()
        answer = i.send_file("BAD", env, dest=SERVER, secured=secured)
        assert answer[:1] == b"5" and answer[1:3] == efna, answer
        assert not os.path.exists(os.path.join(s.inbox, "BAD"))
        assert os.listdir(os.path.join(s.inbox, ".oftp-partial")) == []
        i.esid(0)
    finally:
        out = s.close()
    assert f"error {error}" in out, out


def test_secured_files_are_refused_when_a_certificate_is_missing(identities):
    # No Certificate: an encrypted file is SFNA 16 with Error 689; no
    # partner certificate: a signed file is SFNA 19 with 689; a secured
    # file that is not enveloped: SFNA 99.
    s = OftpServer()
    try:
        i = s.initiator()
        i.start()
        env = envelope(b"x" * 100, encrypt=(identities["server"][1], "-aes256"))
        answer = i.send_file("NOKEY", env, dest=SERVER, secured=(1, 4, 0))
        assert answer[:3] == b"316", answer
        answer = i.send_file("NOSIGNER", envelope(b"x", sign=signer(identities)), dest=SERVER, secured=(2, 4, 0))
        assert answer[:3] == b"319", answer
        # SFIDSEC 02 with SFIDENV 0.
        i.send_raw(i.sfid_command("BARE", Stamp(), SERVER, "U", 0, 10, secured=(2, 4, 0))[:-5] + b"0N000")
        assert i.recv()[:3] == b"399"
        i.esid(0)
    finally:
        out = s.close()
    assert out.count("error 689") == 2, out


def test_a_secured_file_restarts_after_the_server_process_was_killed(identities):
    # The envelope is stored as it arrives, so the restart works on the
    # transmitted octets (RFC 5024 §5.3.3: as format U).
    data = os.urandom(3 << 20)
    env = envelope(data, sign=signer(identities), encrypt=(identities["server"][1], "-aes256"))
    stamp = Stamp(hour=10, counter=7)
    s = secured_server(identities)
    try:
        i = s.initiator(buffer_size=4096, credit=64, compression=False)
        i.start()
        assert i.send_file("SECRET", env, dest=SERVER, stamp=stamp, stop_after=640, hang=True,
                           secured=(3, 4, 0)) == b""
        time.sleep(0.5)
        s.kill()
        i.close()
        s2 = OftpServer("--security-cert", identities["server"][2], "--partner",
                        f"O0013CLIENT:SECRET:{identities['client'][1]}", tmp=s.tmp)
        try:
            i = s2.initiator(buffer_size=4096, credit=64, compression=False)
            i.start()
            answer = i.send_file("SECRET", env, dest=SERVER, stamp=stamp, restart=len(env) // 1024, secured=(3, 4, 0))
            assert answer[:1] == b"4", answer
            assert 1024 <= i.accepted < 2560, i.accepted
            with open(os.path.join(s2.inbox, "SECRET"), "rb") as f:
                assert f.read() == data
        finally:
            s2.close(keep=True)
    finally:
        shutil.rmtree(s.tmp, ignore_errors=True)


@pytest.mark.parametrize("level,compress,alg,suite", [(3, True, 3, b"04"), (2, False, 0, b"03"), (1, True, 0, b"03"),
                                                       (0, True, 0, b"00")])
def test_the_server_sends_secured_files_a_partner_decodes(identities, tmp_path, level, compress, alg, suite):
    """SendFile with ConnVirtualFileSecurityLevel/ConnCompress (pier.OFTPServer
    through the C boundary): the spool's envelope, decrypted by `openssl cms`,
    decompressed by asn1crypto, verified by `openssl cms -verify` against the
    server's certificate, is the file; V records travel with their 2-octet
    lengths (RFC 5024 §6.5)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
    import pier
    from oftp_initiator import open_envelope

    server_key, server_cert, server_pem = identities["server"]
    client_key, client_cert, _ = identities["client"]
    plain = tmp_path / "plain.bin"
    plain.write_bytes(os.urandom(150_000))
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"first record\r\n\r\nthird\r\n")
    with pier.OFTPServer(local_host="127.0.0.1", local_port=0, server_ssid_code=SERVER,
                         server_sfid_code=SERVER, server_password="SRVPW") as s:
        s.certificate_store_type = 99
        s.certificate_store = server_pem
        s.certificate_subject = "*"
        results = []

        @s.on("ReadyToSend")
        def ready(e):
            cid = e.connection_id
            conn = s.connections[cid]
            conn.virtual_file_security_level = level
            conn.compress = compress
            conn.encryption_algorithm = alg
            conn.recipient_cert_store_type = 99
            conn.recipient_cert_store = client_cert
            conn.recipient_cert_subject = "*"
            s.send_file(cid, "O0013CLIENT", str(plain), "PLAIN")
            conn.virtual_file_format = 3  # V
            conn.max_record_size = 80
            s.send_file(cid, "O0013CLIENT", str(lines), "LINES")
            results.append("sent")
            s.logoff(cid)

        with pumping(s):
            i = Initiator("127.0.0.1", s.local_port)
            i.start()
            i.send_raw(b"R")
            assert i.listen()[:1] == b"R"
            got = {r.name: r for r in i.received}
            assert results == ["sent"] and set(got) == {"PLAIN", "LINES"}
            want_sec = {3: b"03", 2: b"02", 1: b"01", 0: b"00"}[level]
            for r in got.values():
                assert r.security == want_sec + suite + (b"1" if compress else b"0") + b"1", r.security
            opened = open_envelope(bytes(got["PLAIN"].data), key_path=client_key, cert_path=client_cert,
                                   signer_cert=server_cert if level in (2, 3) else None)
            assert opened == plain.read_bytes()
            opened = open_envelope(bytes(got["LINES"].data), key_path=client_key, cert_path=client_cert,
                                   signer_cert=server_cert if level in (2, 3) else None)
            assert opened == b"\x00\x0cfirst record\x00\x00\x00\x05third"
            i.esid(0)


# --- signed receipts (RFC 5024 §5.3.13), issue 11 ----------------------------------------------------------

@pytest.mark.parametrize("suite,hash_name", [(4, "sha256"), (1, "sha1"), (6, "sha512")])
def test_a_file_asking_for_a_signed_receipt_gets_an_eerp_signed_over_its_fields(identities, suite, hash_name):
    import hashlib

    s = secured_server(identities)
    data = b"signed receipt please\r\n" * 300
    try:
        i = s.initiator()
        i.start()
        stamp = Stamp(hour=11, counter=3)
        assert i.send_file("RECEIPT", data, dest=SERVER, stamp=stamp, signed_receipt=suite)[:1] == b"4"
        i.send_raw(b"R")
        assert i.listen()[:1] == b"R"
        eerp = i.eerp_raw[-1]
        # EERPHSH: the transmitted file's hash with the suite's digest.
        hlen = int.from_bytes(eerp[106:108], "big")
        hsh = eerp[108:108 + hlen]
        assert hsh == hashlib.new(hash_name, data).digest()
        slen = int.from_bytes(eerp[108 + hlen:110 + hlen], "big")
        sig = eerp[110 + hlen:110 + hlen + slen]
        assert slen > 0 and len(eerp) == 110 + hlen + slen
        # EERPSIG: SignedData with the fields inside (DER), by the server's certificate.
        server_cert = identities["server"][1]
        content = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-binary", "-CAfile", server_cert,
                                  "-purpose", "any"], input=sig, capture_output=True, check=True).stdout
        assert content == eerp[1:27] + eerp[30:48] + eerp[56:106] + hsh
        i.esid(0)
    finally:
        out = s.close()
    assert "error" not in out, out


def test_a_signed_receipt_without_a_certificate_of_ours_is_refused(identities):
    s = OftpServer()
    try:
        i = s.initiator()
        i.start()
        answer = i.send_file("NOSIGN", b"x", dest=SERVER, signed_receipt=4)
        assert answer[:3] == b"399", answer
        i.esid(0)
    finally:
        out = s.close()
    assert "error 686" in out, out
