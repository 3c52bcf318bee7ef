//! The UDP socket options socket2 does not cover, through libc (Linux):
//! the destination address of received datagrams and the source address of
//! sent ones (IP_PKTINFO / IPV6_RECVPKTINFO, for `CaptureIPPacketInfo` and
//! `DestinationAddress`: replies leave from the address the client asked,
//! on a multi-homed host), IP_TOS / IPV6_TCLASS (`QOSDSCPValue`,
//! `QOSTrafficType`) and IP_MTU_DISCOVER (`DontFragment`).

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::RawFd;

fn setsockopt_int(fd: RawFd, level: libc::c_int, name: libc::c_int, v: libc::c_int) -> io::Result<()> {
    // SAFETY: a valid int option value of the right size.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &v as *const libc::c_int as *const libc::c_void,
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Asks the kernel for the destination address of each datagram. On an
/// IPv6 socket both options are set, so IPv4 clients of a dual-stack socket
/// are covered too.
pub fn enable_pktinfo(fd: RawFd, v6: bool) -> io::Result<()> {
    if v6 {
        setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
        let _ = setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1);
        Ok(())
    } else {
        setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)
    }
}

/// Sets the TOS byte (DSCP << 2) of outgoing packets; 0 leaves the default.
pub fn set_tos(fd: RawFd, v6: bool, tos: u8) -> io::Result<()> {
    if tos == 0 {
        return Ok(());
    }
    if v6 {
        setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tos as libc::c_int)?;
        let _ = setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_TOS, tos as libc::c_int);
        Ok(())
    } else {
        setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_TOS, tos as libc::c_int)
    }
}

/// Sets the Don't Fragment flag (path MTU discovery "do") on outgoing packets.
pub fn set_dont_fragment(fd: RawFd, v6: bool, on: bool) -> io::Result<()> {
    if !on {
        return Ok(());
    }
    if v6 {
        setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER, libc::IPV6_PMTUDISC_DO)?;
        let _ = setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_MTU_DISCOVER, libc::IP_PMTUDISC_DO);
        Ok(())
    } else {
        setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_MTU_DISCOVER, libc::IP_PMTUDISC_DO)
    }
}

/// One received datagram.
#[derive(Clone, Copy, Debug)]
pub struct Received {
    pub len: usize,
    pub from: SocketAddr,
    /// The address the datagram was sent to, when pktinfo is enabled.
    pub dst: Option<IpAddr>,
    /// The datagram was longer than the buffer (MSG_TRUNC).
    pub truncated: bool,
}

fn from_storage(ss: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match ss.ss_family as libc::c_int {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let sin = unsafe { &*(ss as *const _ as *const libc::sockaddr_in) };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let sin6 = unsafe { &*(ss as *const _ as *const libc::sockaddr_in6) };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

fn to_storage(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut ss: libc::sockaddr_storage = unsafe { zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large enough and suitably aligned.
            let sin = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr.s_addr = u32::from(*a.ip()).to_be();
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above.
            let sin6 = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_addr.s6_addr = a.ip().octets();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_scope_id = a.scope_id();
            size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// Room for one IP_PKTINFO and one IPV6_PKTINFO control message.
const CMSG_SPACE: usize = 128;

#[repr(C, align(8))]
struct CmsgBuf([u8; CMSG_SPACE]);

/// `recvmsg` with the destination address from the pktinfo control message.
pub fn recv_from(fd: RawFd, buf: &mut [u8]) -> io::Result<Received> {
    // SAFETY: zeroed plain C structs; every pointer handed to recvmsg points
    // into live locals of the stated sizes.
    unsafe {
        let mut ss: libc::sockaddr_storage = zeroed();
        let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: buf.len() };
        let mut cbuf = CmsgBuf([0; CMSG_SPACE]);
        let mut msg: libc::msghdr = zeroed();
        msg.msg_name = &mut ss as *mut _ as *mut libc::c_void;
        msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.0.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = CMSG_SPACE as _;
        let n = libc::recvmsg(fd, &mut msg, 0);
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let from = from_storage(&ss).ok_or_else(|| io::Error::other("datagram from an unknown address family"))?;
        let mut dst = None;
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let h = &*c;
            if h.cmsg_level == libc::IPPROTO_IP && h.cmsg_type == libc::IP_PKTINFO {
                let pi = &*(libc::CMSG_DATA(c) as *const libc::in_pktinfo);
                dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(pi.ipi_addr.s_addr))));
            } else if h.cmsg_level == libc::IPPROTO_IPV6 && h.cmsg_type == libc::IPV6_PKTINFO {
                let pi = &*(libc::CMSG_DATA(c) as *const libc::in6_pktinfo);
                dst = Some(IpAddr::V6(Ipv6Addr::from(pi.ipi6_addr.s6_addr)));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        Ok(Received { len: n as usize, from, dst, truncated: msg.msg_flags & libc::MSG_TRUNC != 0 })
    }
}

/// `sendmsg` to `to`, leaving from `src` when given (pktinfo); plain
/// `sendto` otherwise.
pub fn send_to(fd: RawFd, data: &[u8], to: &SocketAddr, src: Option<IpAddr>) -> io::Result<usize> {
    let (ss, sslen) = to_storage(to);
    // SAFETY: as in `recv_from`; the control buffer holds exactly one
    // correctly aligned pktinfo message.
    unsafe {
        let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
        let mut msg: libc::msghdr = zeroed();
        msg.msg_name = &ss as *const _ as *mut libc::c_void;
        msg.msg_namelen = sslen;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        let mut cbuf = CmsgBuf([0; CMSG_SPACE]);
        if let Some(src) = src {
            msg.msg_control = cbuf.0.as_mut_ptr() as *mut libc::c_void;
            match (src, to) {
                (IpAddr::V4(s), SocketAddr::V4(_)) => {
                    let space = libc::CMSG_SPACE(size_of::<libc::in_pktinfo>() as u32) as usize;
                    msg.msg_controllen = space as _;
                    let c = libc::CMSG_FIRSTHDR(&msg);
                    (*c).cmsg_level = libc::IPPROTO_IP;
                    (*c).cmsg_type = libc::IP_PKTINFO;
                    (*c).cmsg_len = libc::CMSG_LEN(size_of::<libc::in_pktinfo>() as u32) as _;
                    let pi = libc::CMSG_DATA(c) as *mut libc::in_pktinfo;
                    (*pi).ipi_ifindex = 0;
                    (*pi).ipi_spec_dst.s_addr = u32::from(s).to_be();
                    (*pi).ipi_addr.s_addr = 0;
                }
                (src, SocketAddr::V6(_)) => {
                    let s6 = match src {
                        IpAddr::V6(s) => s,
                        IpAddr::V4(s) => s.to_ipv6_mapped(),
                    };
                    let space = libc::CMSG_SPACE(size_of::<libc::in6_pktinfo>() as u32) as usize;
                    msg.msg_controllen = space as _;
                    let c = libc::CMSG_FIRSTHDR(&msg);
                    (*c).cmsg_level = libc::IPPROTO_IPV6;
                    (*c).cmsg_type = libc::IPV6_PKTINFO;
                    (*c).cmsg_len = libc::CMSG_LEN(size_of::<libc::in6_pktinfo>() as u32) as _;
                    let pi = libc::CMSG_DATA(c) as *mut libc::in6_pktinfo;
                    (*pi).ipi6_ifindex = 0;
                    (*pi).ipi6_addr.s6_addr = s6.octets();
                }
                (IpAddr::V6(_), SocketAddr::V4(_)) => {
                    msg.msg_control = std::ptr::null_mut();
                }
            }
        }
        let n = libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL);
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    #[test]
    fn destination_and_source_addresses_over_loopback() {
        // 127.0.0.2 is on lo too: a wildcard socket learns which of the two
        // a datagram was sent to, and answers from it.
        let server = UdpSocket::bind("0.0.0.0:0").unwrap();
        enable_pktinfo(server.as_raw_fd(), false).unwrap();
        let port = server.local_addr().unwrap().port();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.send_to(b"hi", ("127.0.0.2", port)).unwrap();
        let mut buf = [0u8; 16];
        let r = recv_from(server.as_raw_fd(), &mut buf).unwrap();
        assert_eq!(&buf[..r.len], b"hi");
        assert!(!r.truncated);
        assert_eq!(r.dst, Some("127.0.0.2".parse().unwrap()));
        assert_eq!(r.from, client.local_addr().unwrap());
        send_to(server.as_raw_fd(), b"yo", &r.from, r.dst).unwrap();
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"yo");
        assert_eq!(from, SocketAddr::from(([127, 0, 0, 2], port)));
        // Truncation is reported.
        client.send_to(&[7u8; 40], ("127.0.0.1", port)).unwrap();
        let r = recv_from(server.as_raw_fd(), &mut buf).unwrap();
        assert!(r.truncated);
    }
}
