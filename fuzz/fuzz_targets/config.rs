//! `do_config` strings and the typed parsers behind them: the string parser,
//! booleans, integers, allow/block lists (CIDR, `*` patterns), and a real
//! TCPServer's config against every setting table: never a panic, only
//! documented codes.
#![no_main]
use std::net::IpAddr;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pier::core::clients::ClientList;
use pier::core::value::{parse_bool, parse_int};
use pier::tcp::props::Declared;
use pier::tcp::TcpServer;

fn server() -> &'static TcpServer {
    static S: OnceLock<TcpServer> = OnceLock::new();
    S.get_or_init(|| TcpServer::new().unwrap())
}

const DOCUMENTED: &[i32] =
    &[106, 107, 108, 126, 271, 272, 273, 274, 275, 280, 903, 905, 906, 907, 908, 910, 912, 913, 11001, 11002, 11004];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_bool(text);
    let _ = parse_int(text);
    let _ = pier::core::config::parse(text);
    // Names resolve to a fixed address here: DNS is not what is fuzzed.
    let resolve = |name: &str| match name.len() % 3 {
        0 => Err(std::io::Error::other("not found")),
        1 => Ok(vec![]),
        _ => Ok(vec!["192.0.2.1".parse().unwrap()]),
    };
    if let Ok(list) = ClientList::parse_with(text, resolve) {
        for ip in ["127.0.0.1", "10.1.2.3", "::1", "fe80::1"] {
            let _ = list.matches(ip.parse::<IpAddr>().unwrap());
        }
    }
    // Keep the shared server usable: no setting that changes what others see.
    // The client lists were parsed above without DNS.
    let lower = text.to_ascii_lowercase();
    if ["sslkeylogfile", "allowedclients", "blockedclients"].iter().any(|k| lower.contains(k)) {
        return;
    }
    if let Err(e) = server().config(text) {
        assert!(DOCUMENTED.contains(&e.code), "config({text:?}) failed with {} {}", e.code, e.text);
    }
});
