//! `AllowedClients` / `BlockedClients`: IP literals, CIDR ranges (IPv4 and
//! IPv6), `*` patterns over the address text, and host names resolved when
//! the setting is set (docs/API.md §8 "Config settings").

use std::net::{IpAddr, ToSocketAddrs};

use super::config::split_list;
use super::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    Ip(IpAddr),
    Cidr(IpAddr, u8),
    Pattern(String),
}

/// RFC 1123 §2.1 host name syntax (a trailing dot allowed).
fn is_host_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientList {
    text: String,
    rules: Vec<Rule>,
}

impl ClientList {
    /// Parses a comma-separated list. Host names are resolved now; one that
    /// does not resolve fails with 11001.
    pub fn parse(text: &str) -> Result<ClientList> {
        Self::parse_with(text, |name| Ok((name, 0).to_socket_addrs()?.map(|a| a.ip()).collect()))
    }

    /// [`parse`](Self::parse) with the resolver given: the fuzz target
    /// (fuzz/fuzz_targets/config.rs) parses without asking DNS. A name that
    /// is not a host name by RFC 1123 §2.1 (letters, digits, hyphens and
    /// dots, labels of 1–63, 253 in all) fails with 11001 unasked.
    pub fn parse_with(text: &str, resolve: impl Fn(&str) -> std::io::Result<Vec<IpAddr>>) -> Result<ClientList> {
        let mut rules = Vec::new();
        for item in split_list(text) {
            if item.contains('*') {
                rules.push(Rule::Pattern(item.to_ascii_lowercase()));
            } else if let Some((addr, bits)) = item.split_once('/') {
                let ip: IpAddr =
                    addr.trim().parse().map_err(|_| Error::invalid_value(format!("'{item}' is not a CIDR range")))?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits
                    .trim()
                    .parse()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| Error::invalid_value(format!("'{item}' has a bad prefix length")))?;
                rules.push(Rule::Cidr(normalize(ip), bits));
            } else if let Ok(ip) = item.parse::<IpAddr>() {
                rules.push(Rule::Ip(normalize(ip)));
            } else {
                if !is_host_name(item) {
                    return Err(Error::new(11001, format!("[11001] Host not found: '{item}' is not a host name")));
                }
                let addrs =
                    resolve(item).map_err(|e| Error::new(11001, format!("[11001] Host not found: {item}: {e}")))?;
                let before = rules.len();
                rules.extend(addrs.into_iter().map(|ip| Rule::Ip(normalize(ip))));
                if rules.len() == before {
                    return Err(Error::new(11001, format!("[11001] Host not found: {item}")));
                }
            }
        }
        Ok(ClientList { text: text.trim().to_string(), rules })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn matches(&self, ip: IpAddr) -> bool {
        let ip = normalize(ip);
        let text = ip.to_string();
        self.rules.iter().any(|r| match r {
            Rule::Ip(a) => *a == ip,
            Rule::Cidr(net, bits) => in_cidr(ip, *net, *bits),
            Rule::Pattern(p) => wildcard(p.as_bytes(), text.as_bytes()),
        })
    }
}

/// IPv4-mapped IPv6 addresses are treated (and shown) as plain IPv4.
pub fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `*` matches any run of characters, everything else itself.
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = si;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The admission decision: `BlockedClients` is checked first, then
/// `AllowedClients`.
pub fn admitted(allowed: &ClientList, blocked: &ClientList, ip: IpAddr) -> bool {
    !blocked.matches(ip) && allowed.matches(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn literals_cidr_and_patterns() {
        let l = ClientList::parse("10.0.0.1, 192.168.0.0/16, 172.16.*, 2001:db8::/32").unwrap();
        assert!(l.matches(ip("10.0.0.1")));
        assert!(!l.matches(ip("10.0.0.2")));
        assert!(l.matches(ip("192.168.200.3")));
        assert!(!l.matches(ip("192.169.0.1")));
        assert!(l.matches(ip("172.16.5.5")));
        assert!(l.matches(ip("2001:db8::1")));
        assert!(!l.matches(ip("2001:db9::1")));
        assert!(l.matches(ip("::ffff:10.0.0.1")), "mapped addresses match as IPv4");
    }

    #[test]
    fn star_allows_all_and_empty_blocks_none() {
        let all = ClientList::parse("*").unwrap();
        let none = ClientList::parse("").unwrap();
        assert!(admitted(&all, &none, ip("8.8.8.8")));
        assert!(admitted(&all, &none, ip("::1")));
        let blocked = ClientList::parse("127.0.0.1").unwrap();
        assert!(!admitted(&all, &blocked, ip("127.0.0.1")));
        let only = ClientList::parse("127.0.0.0/8").unwrap();
        assert!(!admitted(&only, &none, ip("10.1.1.1")));
    }

    #[test]
    fn names_resolve_and_bad_items_fail() {
        assert!(ClientList::parse("localhost").unwrap().matches(ip("127.0.0.1")));
        assert_eq!(ClientList::parse("10.0.0.0/33").unwrap_err().code, 906);
        assert_eq!(ClientList::parse("no-such-host.invalid").unwrap_err().code, 11001);
    }

    #[test]
    fn names_that_are_not_host_names_are_not_looked_up() {
        let asked = std::cell::Cell::new(0);
        let resolve = |_: &str| {
            asked.set(asked.get() + 1);
            Ok(vec![ip("192.0.2.7")])
        };
        for bad in ["a b", "x=y", "-lead.example", "trail-.example", "a..b", &"l".repeat(64), "h\u{e9}.example"] {
            let e = ClientList::parse_with(bad, resolve).unwrap_err();
            assert_eq!(e.code, 11001, "{bad}");
        }
        assert_eq!(asked.get(), 0);
        let l = ClientList::parse_with("gw.example., host-1", resolve).unwrap();
        assert!(l.matches(ip("192.0.2.7")));
        assert_eq!(asked.get(), 2);
    }

    #[test]
    fn wildcard_matching() {
        assert!(wildcard(b"1*1", b"127.0.0.1"));
        assert!(!wildcard(b"1*2", b"127.0.0.1"));
        assert!(wildcard(b"*", b""));
    }
}
