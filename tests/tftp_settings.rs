//! TFTPServer properties and config settings: defaults, errors while
//! listening, and the settings that change what goes on the wire
//! (single-port mode, ClientPolicy, CaptureIPPacketInfo, QOS, UseIPv6).

mod tftp_common;

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::Duration;

use pier::core::value::Value;
use pier::tftp::props::*;
use pier::tftp::{TftpEvent, TftpServer};
use tftp_common::*;

#[test]
fn defaults_of_the_reference() {
    let s = TftpServer::new().unwrap();
    let get = |p| s.get(p, 0).unwrap();
    assert_eq!(get(PIER_TFTPSERVER_PROP_LOCALPORT), Value::Int(69));
    assert_eq!(get(PIER_TFTPSERVER_PROP_MAXRETRANSMITS), Value::Int(3));
    assert_eq!(get(PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT), Value::Int(5));
    assert_eq!(get(PIER_TFTPSERVER_PROP_TIMEOUT), Value::Int(60));
    assert_eq!(get(PIER_TFTPSERVER_PROP_LISTENING), Value::Bool(false));
    assert_eq!(get(PIER_TFTPSERVER_PROP_LOCALDIR), Value::text(""));
    assert_eq!(get(PIER_TFTPSERVER_PROP_LOCALHOST), Value::text(""));
    assert_eq!(get(PIER_TFTPSERVER_PROP_CONNCOUNT), Value::Int(0));
    for (k, v) in [
        ("DefaultRollOverNumber", "0"),
        ("CaptureIPPacketInfo", "False"),
        ("DontFragment", "False"),
        ("MaxPacketSize", "65468"),
        ("QOSDSCPValue", "0"),
        ("QOSTrafficType", "0"),
        ("ShareLocalPort", "False"),
        ("UseConnection", "False"),
        ("UseIPv6", "0"),
        ("InBufferSize", "0"),
        ("OutBufferSize", "0"),
        ("SelectWaitMillis", "20"),
        ("CodePage", "65001"),
        ("LogLevel", "1"),
        ("SinglePortMode", "False"),
        ("ClientPolicy", ""),
        ("WindowSize", "64"),
        ("AllowOverwrite", "True"),
        ("DestinationAddress", ""),
        ("SourceIPAddress", ""),
        ("AbsoluteTimeout", "False"),
        ("DelayHostResolution", "False"),
        ("ProcessIdleEvents", "True"),
    ] {
        assert_eq!(s.config(k).unwrap(), v, "{k}");
    }
    assert!(s.config("BuildInfo").unwrap().starts_with("pier "));
    assert!(s.config("Stats").unwrap().starts_with("requests=0 "));
    assert_eq!(s.config("NoSuchSetting").unwrap_err().code, 908);
}

#[test]
fn settings_are_checked_and_some_refuse_changes_while_listening() {
    let s = TftpServer::new().unwrap();
    s.config("LocalHost=127.0.0.1").unwrap();
    s.set(PIER_TFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
    assert_eq!(s.set(PIER_TFTPSERVER_PROP_LOCALPORT, 0, Value::Int(70000)).unwrap_err().code, 906);
    assert_eq!(s.set(PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, Value::Int(0)).unwrap_err().code, 906);
    assert_eq!(s.set(PIER_TFTPSERVER_PROP_CONNCOUNT, 0, Value::Int(1)).unwrap_err().code, 907);
    assert_eq!(s.config("DefaultRollOverNumber=2").unwrap_err().code, 906);
    assert_eq!(s.config("QOSDSCPValue=64").unwrap_err().code, 906);
    assert_eq!(s.config("CodePage=1252").unwrap_err().code, 910);
    assert_eq!(s.config("SourceIPAddress=10.0.0.1").unwrap_err().code, 910);
    assert_eq!(s.config("SourceMacAddress=00:11:22:33:44:55").unwrap_err().code, 910);
    assert_eq!(s.config("Stats=1").unwrap_err().code, 907);
    assert_eq!(s.config("LogLevel=4").unwrap_err().code, 906);
    assert_eq!(s.config("ClientPolicy=10.0.0.1:blksize=4").unwrap_err().code, 906);
    s.config("QOSTrafficType=Voice").unwrap();
    assert_eq!(s.config("qostraffictype").unwrap(), "4");
    s.config("MaxPacketSize=1500").unwrap();
    s.config("FirewallData=ignored").unwrap();
    s.config("GUIAvailable=False").unwrap();
    assert_eq!(s.config("GUIAvailable").unwrap(), "False");
    assert_eq!(s.config("DestinationAddress[1]").unwrap_err().code, 126);
    assert_eq!(s.config("WindowSize[1]").unwrap_err().code, 906);
    s.start_listening().unwrap();
    assert_eq!(s.start_listening().unwrap_err().code, 104);
    assert_eq!(s.set(PIER_TFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap_err().code, 106);
    assert_eq!(s.config("LocalPort=0").unwrap_err().code, 106);
    assert_eq!(s.set(PIER_TFTPSERVER_PROP_LOCALHOST, 0, Value::text("")).unwrap_err().code, 107);
    assert_eq!(s.config("MaxPacketSize=1400").unwrap_err().code, 112);
    assert_eq!(s.config("ShareLocalPort=True").unwrap_err().code, 113);
    assert_eq!(s.config("UseConnection=True").unwrap_err().code, 117);
    let port = s.get(PIER_TFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap();
    assert!(port > 0);
    assert_eq!(s.config("LocalPort").unwrap(), port.to_string());
    s.set(PIER_TFTPSERVER_PROP_LISTENING, 0, Value::Bool(false)).unwrap();
    assert_eq!(s.get(PIER_TFTPSERVER_PROP_LISTENING, 0).unwrap(), Value::Bool(false));
    // LocalPort keeps the bound port; a restart binds it again.
    assert_eq!(s.get(PIER_TFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap(), port);
    s.set(PIER_TFTPSERVER_PROP_LISTENING, 0, Value::Bool(true)).unwrap();
    assert_eq!(s.get(PIER_TFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap(), port);
}

#[test]
fn share_local_port_lets_two_servers_bind_one_port() {
    let a = TftpServer::new().unwrap();
    a.config("LocalHost=127.0.0.1").unwrap();
    a.config("LocalPort=0").unwrap();
    a.config("ShareLocalPort=True").unwrap();
    a.start_listening().unwrap();
    let port = a.config("LocalPort").unwrap();
    let b = TftpServer::new().unwrap();
    b.config("LocalHost=127.0.0.1").unwrap();
    b.config(&format!("LocalPort={port}")).unwrap();
    assert_eq!(b.start_listening().unwrap_err().code, 10048, "exclusive by default");
    b.config("ShareLocalPort=True").unwrap();
    b.start_listening().unwrap();
}

#[test]
fn single_port_mode_answers_every_transfer_from_the_listening_port() {
    let dir = tempdir("single");
    let content = pattern(20_000, 31);
    std::fs::write(dir.join("f"), &content).unwrap();
    let f = server().dir(&dir).config("SinglePortMode=True").start();
    // Several clients at once, downloads and an upload, all through one port.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let addr = f.addr();
            let content = content.clone();
            std::thread::spawn(move || {
                let c = Client::new(addr);
                let got = c.get("f", "octet", &[("blksize", "1024"), ("windowsize", "4")]).unwrap();
                assert_eq!(got, content, "client {i}");
            })
        })
        .collect();
    let c = Client::new(f.addr());
    c.send_server(&request(1, "f", "octet", &[]));
    let (p, from) = c.recv();
    assert_eq!(p, Pkt::Data(1, content[..512].to_vec()));
    assert_eq!(from, f.addr(), "DATA comes from the listening port");
    // A stranger's ACK to the shared port is answered with error 5.
    let stranger = Client::new(f.addr());
    stranger.send_server(&ack(1));
    assert_eq!(stranger.recv().0, Pkt::Error(5, "Unknown transfer ID".into()));
    c.send_server(&error(0, "done"));
    for h in handles {
        h.join().unwrap();
    }
    let c = Client::new(f.addr());
    c.put("up", "octet", &[], &content[..3000]).unwrap();
    f.wait_disconnected(6);
    assert_eq!(std::fs::read(dir.join("up")).unwrap(), &content[..3000]);
}

#[test]
fn client_policy_caps_blksize_and_windowsize_per_address() {
    let dir = tempdir("policy");
    std::fs::write(dir.join("f"), pattern(5000, 1)).unwrap();
    let f =
        server().dir(&dir).config("ClientPolicy=10.0.0.0/8:blksize=1024; 127.0.0.0/8:blksize=512,windowsize=2").start();
    let c = Client::new(f.addr());
    c.send_server(&request(1, "f", "octet", &[("blksize", "1468"), ("windowsize", "16")]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Oack(vec![("blksize".into(), "512".into()), ("windowsize".into(), "2".into())]));
    c.send_to(&error(0, "enough"), tid);
    f.config("ClientPolicy=");
    f.config("WindowSize=8");
    c.send_server(&request(1, "f", "octet", &[("blksize", "1468"), ("windowsize", "16")]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Oack(vec![("blksize".into(), "1468".into()), ("windowsize".into(), "8".into())]));
    c.send_to(&error(0, "enough"), tid);
}

#[test]
fn capture_ip_packet_info_answers_from_the_address_the_client_asked() {
    // 127.0.0.2 is a second address of lo: a multi-homed host in miniature.
    let content = pattern(700, 2);
    let c2 = content.clone();
    let f = server()
        .host("0.0.0.0")
        .config("CaptureIPPacketInfo=True")
        .hook(move |s, ev| {
            if let TftpEvent::Connected { connection_id, .. } = ev {
                assert_eq!(s.config(&format!("DestinationAddress[{connection_id}]")).unwrap(), "127.0.0.2");
                s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(c2.clone())).unwrap();
            }
        })
        .start();
    let server_addr = SocketAddr::from(([127, 0, 0, 2], f.port));
    let c = Client::new(server_addr);
    let sock = &c.sock;
    sock.send_to(&request(1, "x", "octet", &[]), server_addr).unwrap();
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Data(1, content[..512].to_vec()));
    assert_eq!(tid.ip().to_string(), "127.0.0.2", "the reply leaves from the asked address");
    c.send_to(&ack(1), tid);
    assert_eq!(c.recv(), (Pkt::Data(2, content[512..].to_vec()), tid));
    c.send_to(&ack(2), tid);
    f.wait_disconnected(1);
    assert_eq!(f.config("DestinationAddress"), "127.0.0.2");
    // Refusals from the listening socket leave from the asked address too.
    c.send_to(&request(1, "x", "mail", &[]), server_addr);
    let (p, from) = c.recv();
    assert!(matches!(p, Pkt::Error(4, _)));
    assert_eq!(from, server_addr);
}

/// Receives one datagram with its IP TOS byte (IP_RECVTOS).
fn recv_tos(sock: &UdpSocket) -> (Vec<u8>, u8) {
    let fd = sock.as_raw_fd();
    let one: libc::c_int = 1;
    // SAFETY: plain setsockopt/recvmsg on a live socket with local buffers.
    unsafe {
        libc::setsockopt(fd, libc::IPPROTO_IP, libc::IP_RECVTOS, &one as *const _ as *const libc::c_void, 4);
        let mut buf = vec![0u8; 2048];
        let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: buf.len() };
        let mut cbuf = [0u64; 16];
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = std::mem::size_of_val(&cbuf) as _;
        let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        assert_eq!(libc::poll(&mut pfd, 1, 10_000), 1, "no datagram");
        let n = libc::recvmsg(fd, &mut msg, 0);
        assert!(n >= 0);
        buf.truncate(n as usize);
        let mut tos = 0;
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::IPPROTO_IP && (*c).cmsg_type == libc::IP_TOS {
                tos = *libc::CMSG_DATA(c);
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        (buf, tos)
    }
}

#[test]
fn qos_dscp_value_marks_outgoing_packets() {
    let f = server().config("QOSDSCPValue=46").start();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.send_to(&request(1, "x", "mail", &[]), f.addr()).unwrap();
    let (d, tos) = recv_tos(&sock);
    assert!(matches!(parse(&d), Pkt::Error(4, _)));
    assert_eq!(tos, 46 << 2, "DSCP EF");
    // Transfer sockets too.
    let g = server()
        .config("QOSTrafficType=Background")
        .hook(|s, ev| {
            if let TftpEvent::Connected { connection_id, .. } = ev {
                s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(b"hi".to_vec())).unwrap();
            }
        })
        .start();
    sock.send_to(&request(1, "x", "octet", &[]), g.addr()).unwrap();
    let (d, tos) = recv_tos(&sock);
    assert_eq!(parse(&d), Pkt::Data(1, b"hi".to_vec()));
    assert_eq!(tos, 8 << 2, "DSCP CS1");
}

#[test]
fn ipv6_and_dont_fragment() {
    if UdpSocket::bind("[::1]:0").is_err() {
        eprintln!("SKIP: no IPv6 loopback on this machine");
        return;
    }
    let dir = tempdir("v6");
    std::fs::write(dir.join("f"), pattern(3000, 6)).unwrap();
    let f = server().dir(&dir).host("::1").config("UseIPv6=True").config("DontFragment=True").start();
    let c = Client::new(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, f.port)));
    assert_eq!(c.get("f", "octet", &[("blksize", "1400")]).unwrap(), pattern(3000, 6));
    let evs = f.wait_disconnected(1);
    assert!(evs.iter().any(|e| matches!(e, TftpEvent::ConnectionRequest { remote_host, .. } if remote_host == "::1")));
}

#[test]
fn log_events_follow_log_level() {
    let f = server().config("LogLevel=1").start();
    let c = Client::new(f.addr());
    assert_eq!(c.get("nothing", "octet", &[]).unwrap_err().0, 1);
    let evs = f.wait_disconnected(1);
    let logs: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            TftpEvent::Log { log_level, log_type, .. } => Some((*log_level, log_type.clone())),
            _ => None,
        })
        .collect();
    assert!(logs.iter().all(|(l, _)| *l <= 1), "{logs:?}");
    assert!(logs.iter().any(|(_, t)| t == "Info"));
    assert!(logs.iter().any(|(_, t)| t == "Error"));
    f.config("LogLevel=0");
    let before = f.events().len();
    let _ = Client::new(f.addr()).get("nothing", "octet", &[]);
    let evs = f.wait_disconnected(2);
    assert!(evs[before..].iter().all(|e| !matches!(e, TftpEvent::Log { .. })));
    let _ = Duration::ZERO;
}
