//! Listening sockets and their options, made with socket2 before bind/listen.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::error::{Error, Result};

/// `UseIPv6`: 0 IPv4 only, 1 IPv6 only, 2 both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpMode {
    V4,
    V6,
    Both,
}

impl IpMode {
    pub fn from_i64(v: i64) -> Result<IpMode> {
        match v {
            0 => Ok(IpMode::V4),
            1 => Ok(IpMode::V6),
            2 => Ok(IpMode::Both),
            _ => Err(Error::invalid_value("UseIPv6 must be 0, 1 or 2")),
        }
    }

    pub fn as_i64(self) -> i64 {
        match self {
            IpMode::V4 => 0,
            IpMode::V6 => 1,
            IpMode::Both => 2,
        }
    }
}

/// The local address to bind: `LocalHost` ("" = every interface) and the port.
pub fn local_addr(host: &str, port: u16, mode: IpMode) -> Result<SocketAddr> {
    let host = host.trim();
    if host.is_empty() {
        let ip = match mode {
            IpMode::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            _ => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        return Ok(SocketAddr::new(ip, port));
    }
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::new(11001, format!("[11001] Host not found: {host}: {e}")))?
        .collect();
    let want_v6 = mode == IpMode::V6;
    addrs
        .iter()
        .find(|a| a.is_ipv6() == want_v6)
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| Error::new(11001, format!("[11001] Host not found: {host}")))
}

/// Options for a listening or bound socket.
#[derive(Clone, Debug)]
pub struct BindOptions {
    pub mode: IpMode,
    /// False: SO_REUSEPORT, so several instances can share the port.
    pub exclusive: bool,
    pub backlog: i32,
    pub recv_buffer: usize,
    pub send_buffer: usize,
}

fn new_socket(addr: &SocketAddr, ty: Type, proto: Protocol, opts: &BindOptions) -> Result<Socket> {
    let domain = if addr.is_ipv6() { Domain::IPV6 } else { Domain::IPV4 };
    let sock = Socket::new(domain, ty.nonblocking().cloexec(), Some(proto))?;
    if addr.is_ipv6() {
        sock.set_only_v6(opts.mode == IpMode::V6)?;
    }
    if ty == Type::STREAM {
        sock.set_reuse_address(true)?;
    }
    if !opts.exclusive {
        sock.set_reuse_port(true)?;
        sock.set_reuse_address(true)?;
    }
    if opts.recv_buffer > 0 {
        sock.set_recv_buffer_size(opts.recv_buffer)?;
    }
    if opts.send_buffer > 0 {
        sock.set_send_buffer_size(opts.send_buffer)?;
    }
    Ok(sock)
}

/// Binds and listens. For `IpMode::Both` on an unspecified address one
/// dual-stack socket serves both families; if IPv6 is unavailable it falls
/// back to IPv4, as the reference says.
pub fn listen_tcp(addr: SocketAddr, opts: &BindOptions) -> Result<mio::net::TcpListener> {
    let sock = match new_socket(&addr, Type::STREAM, Protocol::TCP, opts) {
        Err(e) if addr.is_ipv6() && opts.mode == IpMode::Both && addr.ip().is_unspecified() => {
            let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), addr.port());
            return listen_tcp(v4, &BindOptions { mode: IpMode::V4, ..opts.clone() }).map_err(|_| e);
        }
        other => other?,
    };
    sock.bind(&SockAddr::from(addr))?;
    sock.listen(opts.backlog)?;
    Ok(mio::net::TcpListener::from_std(sock.into()))
}

/// Binds a UDP socket with the same options (no listen).
pub fn bind_udp(addr: SocketAddr, opts: &BindOptions) -> Result<mio::net::UdpSocket> {
    let sock = new_socket(&addr, Type::DGRAM, Protocol::UDP, opts)?;
    sock.bind(&SockAddr::from(addr))?;
    Ok(mio::net::UdpSocket::from_std(sock.into()))
}

/// The system's maximum backlog (`net.core.somaxconn`), pier's default for
/// `ConnectionBacklog` (docs/API.md §8).
pub fn somaxconn() -> i32 {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(libc::SOMAXCONN)
}

/// Raises the open-file soft limit so `want` descriptors fit (docs/API.md §8:
/// MaxConnections up to 100,000).
pub fn ensure_fd_limit(want: u64) -> Result<()> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit on a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(io::Error::last_os_error().into());
        }
        if lim.rlim_cur >= want {
            return Ok(());
        }
        let target = want.min(lim.rlim_max);
        let new = libc::rlimit { rlim_cur: target, rlim_max: lim.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &new) != 0 {
            return Err(io::Error::last_os_error().into());
        }
        if target < want {
            return Err(Error::new(
                10024,
                format!(
                    "[10024] Too many open files: MaxConnections needs {want} descriptors, the hard limit is {}",
                    lim.rlim_max
                ),
            ));
        }
    }
    Ok(())
}
