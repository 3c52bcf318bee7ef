//! TFTPServer with the TFTP clients people use: tftp-hpa (`tftp`), atftp,
//! curl (tftp://) and Python tftpy — downloads and uploads byte-exact in
//! octet and netascii, blksize / windowsize / tsize through the clients that
//! support them, block-number roll-over, and 50 concurrent downloads.
//!
//! The clients are installed by `scripts/deps.sh` (apt: tftp-hpa, atftp,
//! curl; pip: tftpy). A test whose client is missing says so and skips.

mod tftp_common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tftp_common::*;

fn have(cmd: &str, probe: &[&str]) -> bool {
    let ok =
        Command::new(cmd).args(probe).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !ok {
        eprintln!("SKIP: `{cmd}` is not installed (scripts/deps.sh installs it)");
    }
    ok
}

fn have_tftpy() -> bool {
    let ok =
        Command::new("python3").args(["-c", "import tftpy"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIP: Python tftpy is not installed (scripts/deps.sh installs it)");
    }
    ok
}

/// Runs a client with a generous deadline; fails the test if it does not
/// succeed.
fn run(cmd: &mut Command) -> Output {
    let what = format!("{cmd:?}");
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let t = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("{what} did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn port_s(f: &Fixture) -> String {
    f.port.to_string()
}

fn tftp_hpa(f: &Fixture, mode: &str, command: &str) -> Output {
    run(Command::new("tftp").args(["127.0.0.1", &port_s(f), "-m", mode, "-c"]).args(command.split(' ')))
}

fn atftp(f: &Fixture, args: &[&str]) -> Output {
    run(Command::new("atftp").args(args).args(["127.0.0.1", &port_s(f)]))
}

/// atftp in interactive mode (netascii has no command-line switch).
fn atftp_script(f: &Fixture, script: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("atftp")
        .args(["127.0.0.1", &port_s(f)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "atftp: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn curl(args: &[&str]) -> Output {
    run(Command::new("curl").args(["-sS", "--fail", "--max-time", "120"]).args(args))
}

fn tftpy(script: &str) -> Output {
    let prog = format!("import logging, tftpy\nlogging.disable(logging.CRITICAL)\n{script}");
    run(Command::new("python3").args(["-c", &prog]))
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Text with LF and bare CR, for netascii in both directions.
fn text() -> Vec<u8> {
    let mut t = Vec::new();
    for i in 0..400 {
        t.extend_from_slice(format!("line {i}: some text\n").as_bytes());
        if i % 7 == 0 {
            t.extend_from_slice(b"carriage\rreturn\n");
        }
    }
    t
}

struct Setup {
    dir: std::path::PathBuf,
    out: std::path::PathBuf,
    bin: Vec<u8>,
    txt: Vec<u8>,
    f: Fixture,
}

fn setup(tag: &str) -> Setup {
    let dir = tempdir(tag);
    let out = tempdir(&format!("{tag}-out"));
    let bin = pattern(200_000 + 123, 77);
    let txt = text();
    std::fs::write(dir.join("file.bin"), &bin).unwrap();
    std::fs::write(dir.join("file.txt"), &txt).unwrap();
    let f = server().dir(&dir).config("LogLevel=0").start();
    Setup { dir, out, bin, txt, f }
}

#[test]
fn tftp_hpa_octet_and_netascii_both_ways() {
    if !have("tftp", &["-V"]) {
        return;
    }
    let s = setup("hpa");
    let o = |n: &str| s.out.join(n).display().to_string();
    tftp_hpa(&s.f, "octet", &format!("get file.bin {}", o("a.bin")));
    assert_eq!(read(&s.out.join("a.bin")), s.bin);
    tftp_hpa(&s.f, "netascii", &format!("get file.txt {}", o("a.txt")));
    assert_eq!(read(&s.out.join("a.txt")), s.txt);
    tftp_hpa(&s.f, "octet", &format!("put {} up.bin", o("a.bin")));
    tftp_hpa(&s.f, "netascii", &format!("put {} up.txt", o("a.txt")));
    s.f.wait_disconnected(4);
    assert_eq!(read(&s.dir.join("up.bin")), s.bin);
    assert_eq!(read(&s.dir.join("up.txt")), s.txt);
}

#[test]
fn atftp_octet_netascii_blksize_windowsize_tsize() {
    if !have("atftp", &["-V"]) {
        return;
    }
    let s = setup("atftp");
    let o = |n: &str| s.out.join(n).display().to_string();
    atftp(&s.f, &["-g", "-r", "file.bin", "-l", &o("plain.bin")]);
    assert_eq!(read(&s.out.join("plain.bin")), s.bin);
    for blk in ["8", "1468", "8192", "65464"] {
        let name = format!("blk{blk}.bin");
        atftp(
            &s.f,
            &[
                "-g",
                "-r",
                "file.bin",
                "-l",
                &o(&name),
                "--option",
                &format!("blksize {blk}"),
                "--option",
                "tsize enable",
            ],
        );
        assert_eq!(read(&s.out.join(&name)), s.bin, "blksize {blk}");
    }
    atftp(
        &s.f,
        &["-g", "-r", "file.bin", "-l", &o("win.bin"), "--option", "blksize 1468", "--option", "windowsize 16"],
    );
    assert_eq!(read(&s.out.join("win.bin")), s.bin, "windowsize 16");
    atftp_script(&s.f, &format!("mode netascii\nget file.txt {}\nquit\n", o("n.txt")));
    assert_eq!(read(&s.out.join("n.txt")), s.txt);
    atftp(&s.f, &["-p", "-r", "up.bin", "-l", &o("plain.bin"), "--option", "blksize 1468"]);
    atftp(&s.f, &["-p", "-r", "upw.bin", "-l", &o("plain.bin"), "--option", "windowsize 8"]);
    atftp_script(&s.f, &format!("mode netascii\nput {} up.txt\nquit\n", o("n.txt")));
    let evs = s.f.wait_disconnected(10);
    assert!(disconnects(&evs).iter().all(|(_, st)| *st == 0), "{:?}", disconnects(&evs));
    assert_eq!(read(&s.dir.join("up.bin")), s.bin);
    assert_eq!(read(&s.dir.join("upw.bin")), s.bin);
    assert_eq!(read(&s.dir.join("up.txt")), s.txt);
}

#[test]
fn curl_downloads_and_uploads_with_blksize() {
    if !have("curl", &["--version"]) {
        return;
    }
    let s = setup("curl");
    let url = |n: &str| format!("tftp://127.0.0.1:{}/{n}", s.f.port);
    let o = |n: &str| s.out.join(n).display().to_string();
    curl(&["-o", &o("a.bin"), &url("file.bin")]);
    assert_eq!(read(&s.out.join("a.bin")), s.bin);
    for blk in ["512", "1468", "8192"] {
        curl(&["--tftp-blksize", blk, "-o", &o(&format!("b{blk}")), &url("file.bin")]);
        assert_eq!(read(&s.out.join(format!("b{blk}"))), s.bin, "blksize {blk}");
    }
    // curl asks for netascii but stores what it receives: the wire form.
    curl(&["-o", &o("a.txt"), &url("file.txt;mode=netascii")]);
    assert_eq!(read(&s.out.join("a.txt")), to_netascii(&s.txt));
    curl(&["--tftp-blksize", "1468", "-T", &o("a.bin"), &url("up.bin")]);
    curl(&["--tftp-no-options", "-T", &o("a.bin"), &url("up2.bin")]);
    s.f.wait_disconnected(7);
    assert_eq!(read(&s.dir.join("up.bin")), s.bin);
    assert_eq!(read(&s.dir.join("up2.bin")), s.bin);
    // A missing file is a clean failure (curl exits with 68: TFTP file not found).
    let st =
        Command::new("curl").args(["-sS", "-o", "/dev/null", &url("missing")]).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(68));
}

#[test]
fn tftpy_downloads_and_uploads_with_options() {
    if !have_tftpy() {
        return;
    }
    let s = setup("tftpy");
    let o = |n: &str| s.out.join(n).display().to_string();
    tftpy(&format!(
        "c = tftpy.TftpClient('127.0.0.1', {port})\n\
         c.download('file.bin', '{a}')\n\
         c = tftpy.TftpClient('127.0.0.1', {port}, options={{'blksize': 1468, 'tsize': 0}})\n\
         c.download('file.bin', '{b}')\n\
         c.upload('up.bin', '{b}')\n\
         c = tftpy.TftpClient('127.0.0.1', {port}, options={{'blksize': 8192}})\n\
         c.upload('up8k.bin', '{a}')\n",
        port = s.f.port,
        a = o("a.bin"),
        b = o("b.bin")
    ));
    s.f.wait_disconnected(4);
    assert_eq!(read(&s.out.join("a.bin")), s.bin);
    assert_eq!(read(&s.out.join("b.bin")), s.bin);
    assert_eq!(read(&s.dir.join("up.bin")), s.bin);
    assert_eq!(read(&s.dir.join("up8k.bin")), s.bin);
}

#[test]
fn real_clients_roll_over_past_65535_blocks() {
    // 33 MiB at 512-byte blocks: 67,585 blocks. tftp-hpa and curl count
    // block numbers in 16 bits and expect 0 after 65535 (DefaultRollOverNumber 0).
    let hpa = have("tftp", &["-V"]);
    let has_curl = have("curl", &["--version"]);
    if !hpa && !has_curl {
        return;
    }
    let dir = tempdir("roll");
    let out = tempdir("roll-out");
    let big = pattern(33 * 1024 * 1024 + 7, 5);
    std::fs::write(dir.join("big"), &big).unwrap();
    let f = server().dir(&dir).config("LogLevel=0").start();
    let mut n = 0;
    if hpa {
        tftp_hpa(&f, "octet", &format!("get big {}", out.join("hpa").display()));
        assert!(read(&out.join("hpa")) == big, "tftp-hpa: content differs");
        n += 1;
    }
    if has_curl {
        curl(&["-o", &out.join("curl").display().to_string(), &format!("tftp://127.0.0.1:{}/big", f.port)]);
        assert!(read(&out.join("curl")) == big, "curl: content differs");
        n += 1;
    }
    let evs = f.wait_disconnected(n);
    assert!(disconnects(&evs).iter().all(|(_, st)| *st == 0));
}

#[test]
fn fifty_concurrent_downloads() {
    let hpa = have("tftp", &["-V"]);
    let has_curl = have("curl", &["--version"]);
    if !hpa || !has_curl {
        return;
    }
    let dir = tempdir("fifty");
    let out = tempdir("fifty-out");
    let content = pattern(1024 * 1024 + 11, 50);
    std::fs::write(dir.join("f"), &content).unwrap();
    let f = server().dir(&dir).config("LogLevel=0").start();
    let port = f.port.to_string();
    let children: Vec<_> = (0..50)
        .map(|i| {
            let dest = out.join(format!("f{i}")).display().to_string();
            let mut cmd = if i % 2 == 0 {
                let mut c = Command::new("tftp");
                c.args(["127.0.0.1", &port, "-m", "octet", "-c", "get", "f", &dest]);
                c
            } else {
                let mut c = Command::new("curl");
                c.args(["-sS", "--fail", "--max-time", "120", "--tftp-blksize", "1468", "-o", &dest]);
                c.arg(format!("tftp://127.0.0.1:{port}/f"));
                c
            };
            cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "client {i}: {}", String::from_utf8_lossy(&o.stderr));
    }
    for i in 0..50 {
        assert!(read(&out.join(format!("f{i}"))) == content, "download {i} differs");
    }
    let evs = f.wait_disconnected(50);
    assert_eq!(disconnects(&evs).iter().filter(|(_, st)| *st == 0).count(), 50);
}
