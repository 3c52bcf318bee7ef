//! An upload that hits a write error (issue 12 part 3): the client gets
//! ERROR 3 "Disk full or allocation exceeded", the partial file is not left
//! as if complete, other transfers go on.
//!
//! The error is real: RLIMIT_FSIZE with SIGXFSZ ignored makes write(2)
//! fail with EFBIG past the limit, as ENOSPC would on a full disk. The limit
//! is per process, so this binary holds this one test only.

mod tftp_common;

use std::time::Duration;

use pier::tftp::TftpEvent;
use tftp_common::*;

const LIMIT: u64 = 256 * 1024;

fn limit_file_size() {
    // SAFETY: plain libc calls on valid structs; nothing else in this
    // process depends on SIGXFSZ or on writing files above LIMIT.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut rl), 0);
        rl.rlim_cur = LIMIT as libc::rlim_t;
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &rl), 0);
    }
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

/// Finishes a download whose DATA 1 (`first`) has arrived from `tid`.
fn finish_download(c: &Client, tid: std::net::SocketAddr, first: Vec<u8>) -> Vec<u8> {
    let mut got = first;
    let mut last = 1u16;
    c.send_to(&ack(1), tid);
    loop {
        let (p, from) = c.recv();
        assert_eq!(from, tid);
        match p {
            Pkt::Data(b, d) if b == last + 1 => {
                got.extend_from_slice(&d);
                last = b;
                c.send_to(&ack(b), tid);
                if d.len() < 512 {
                    return got;
                }
            }
            Pkt::Data(b, _) if b <= last => {} // a retransmission while we were busy
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn an_upload_that_hits_a_write_error_gets_error_3_and_leaves_no_file() {
    limit_file_size();
    let dir = tempdir("efbig");
    let small = pattern(100_000, 41);
    std::fs::write(dir.join("dl.bin"), &small).unwrap();
    let f = server().dir(&dir).start();

    // A download is under way while the uploads fail.
    let d = Client::new(f.addr());
    d.send_server(&request(1, "dl.bin", "octet", &[]));
    let (p, tid) = d.recv();
    let Pkt::Data(1, first) = p else { panic!("{p:?}") };

    let c = Client::new(f.addr());
    // 1 MiB: a write in the middle of the transfer fails.
    let e = c.put("big.bin", "octet", &[], &pattern(1 << 20, 42)).unwrap_err();
    assert_eq!(e, (3, "Disk full or allocation exceeded".to_string()));
    // 300,000 bytes: every block fits the write buffer's first flushes, the
    // last flush (when the final block is in) fails. The client must get
    // the ERROR, not the final ACK.
    let e = c.put("tail.bin", "octet", &[("blksize", "1024")], &pattern(300_000, 43)).unwrap_err();
    assert_eq!(e, (3, "Disk full or allocation exceeded".to_string()));
    let evs = f.wait_disconnected(2);
    let codes: Vec<i32> = disconnects(&evs).iter().map(|d| d.1).collect();
    assert_eq!(codes, [128, 128], "{evs:#?}");
    assert_eq!(evs.iter().filter(|e| matches!(e, TftpEvent::Error { error_code: 128, .. })).count(), 2);
    assert!(!evs.iter().any(|e| matches!(e, TftpEvent::EndTransfer { .. })));
    // Neither file, nor any temporary, is left.
    assert_eq!(names_in(&dir), ["dl.bin"]);

    // The server keeps working: an upload under the limit is stored...
    let fits = pattern(200_000, 44);
    c.put("fits.bin", "octet", &[], &fits).unwrap();
    // ... and the download that waited meanwhile completes byte-exact.
    assert_eq!(finish_download(&d, tid, first), small);
    f.wait_disconnected(4);
    assert_eq!(std::fs::read(dir.join("fits.bin")).unwrap(), fits);
    assert_eq!(names_in(&dir), ["dl.bin", "fits.bin"]);
    assert!(d.recv_within(Duration::from_millis(100)).is_none());
}
