//! TFTPServer's handle-wide properties and config settings, with the
//! reference's defaults, and the per-client policy (`ClientPolicy`, beyond
//! the reference).

use crate::core::base::BaseSettings;
use std::net::IpAddr;

use super::options::{Limits, MAX_BLKSIZE, MIN_BLKSIZE};
use super::transfer::RollOver;
use crate::core::clients::ClientList;
use crate::core::error::{Error, Result};
use crate::core::listener::IpMode;

/// Default `MaxPacketSize`: the largest DATA packet RFC 2348 allows
/// (blksize 65464 + 4-byte header), so MaxPacketSize never caps blksize
/// unless the application lowers it.
pub const DEFAULT_MAX_PACKET_SIZE: usize = MAX_BLKSIZE as usize + 4;
/// Default `WindowSize`: the largest windowsize (RFC 7440) pier acknowledges.
pub const DEFAULT_WINDOW_SIZE: u16 = 64;

#[derive(Clone, Debug)]
pub struct Settings {
    // Properties.
    pub local_dir: String,
    pub local_host: String,
    pub local_port: u16,
    pub max_retransmits: u32,
    pub retransmit_timeout: u32,
    pub timeout: u32,
    // TFTPServer config settings.
    pub default_rollover: RollOver,
    // UDP config settings.
    pub capture_ip_packet_info: bool,
    pub delay_host_resolution: bool,
    pub dont_fragment: bool,
    pub max_packet_size: usize,
    pub qos_dscp_value: u8,
    pub qos_traffic_type: u8,
    pub share_local_port: bool,
    pub use_connection: bool,
    pub use_ipv6: IpMode,
    // Socket config settings.
    pub absolute_timeout: bool,
    pub firewall_data: String,
    pub in_buffer_size: usize,
    pub out_buffer_size: usize,
    // Base config settings.
    pub base: BaseSettings,
    pub process_idle_events: bool,
    pub gui_available: bool,
    pub use_daemon_threads: bool,
    pub log_level: i32,
    // Beyond the reference.
    pub single_port_mode: bool,
    pub client_policy: ClientPolicy,
    pub window_size: u16,
    pub allow_overwrite: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            local_dir: String::new(),
            local_host: String::new(),
            local_port: 69,
            max_retransmits: 3,
            retransmit_timeout: 5,
            timeout: 60,
            default_rollover: RollOver::Zero,
            capture_ip_packet_info: false,
            delay_host_resolution: false,
            dont_fragment: false,
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            qos_dscp_value: 0,
            qos_traffic_type: 0,
            share_local_port: false,
            use_connection: false,
            use_ipv6: IpMode::V4,
            absolute_timeout: false,
            firewall_data: String::new(),
            in_buffer_size: 0,
            out_buffer_size: 0,
            base: BaseSettings::new(true),
            process_idle_events: true,
            gui_available: true,
            use_daemon_threads: false,
            log_level: 1,
            single_port_mode: false,
            client_policy: ClientPolicy::default(),
            window_size: DEFAULT_WINDOW_SIZE,
            allow_overwrite: true,
        }
    }
}

impl Settings {
    /// The IP TOS byte for outgoing packets: `QOSDSCPValue` when set, else
    /// the DSCP that Windows' qWAVE gives `QOSTrafficType` (BestEffort 0,
    /// Background CS1, ExcellentEffort and AudioVideo CS5, Voice and
    /// Control CS7), shifted into the upper six bits (RFC 2474).
    pub fn tos(&self) -> u8 {
        let dscp = if self.qos_dscp_value != 0 {
            self.qos_dscp_value
        } else {
            match self.qos_traffic_type {
                1 => 8,
                2 | 3 => 40,
                4 | 5 => 56,
                _ => 0,
            }
        };
        dscp << 2
    }

    /// The negotiation limits for a client: MaxPacketSize and WindowSize,
    /// narrowed by the first ClientPolicy rule that matches the client.
    pub fn limits_for(&self, ip: IpAddr) -> Limits {
        let mut l = Limits::from_max_packet_size(self.max_packet_size);
        l.max_windowsize = self.window_size.max(1);
        if let Some(p) = self.client_policy.lookup(ip) {
            l = l.narrowed(&p);
        }
        l
    }
}

/// `QOSTrafficType` accepts the names or the numbers of the reference.
pub fn parse_traffic_type(v: &str) -> Result<u8> {
    const NAMES: [&str; 6] = ["BestEffort", "Background", "ExcellentEffort", "AudioVideo", "Voice", "Control"];
    let t = v.trim();
    if let Some(i) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(t)) {
        return Ok(i as u8);
    }
    match t.parse::<u8>() {
        Ok(n) if n <= 5 => Ok(n),
        _ => Err(Error::invalid_value(format!("QOSTrafficType must be 0-5 or one of {}", NAMES.join(", ")))),
    }
}

#[derive(Clone, Debug)]
struct PolicyRule {
    clients: ClientList,
    blksize: Option<u16>,
    windowsize: Option<u16>,
}

/// `ClientPolicy` (beyond the reference): caps on `blksize` and `windowsize`
/// for address ranges, e.g. for old PXE ROMs that break on large blocks.
///
/// Syntax: rules separated by `;`, each `<clients>:<key>=<value>[,<key>=<value>]`
/// where `<clients>` is one or more space-separated IP literals, CIDR
/// ranges or `*` patterns (as in AllowedClients), and the keys are
/// `blksize` (8–65464) and `windowsize` (1–65535). The first rule whose
/// clients match applies. Example:
/// `ClientPolicy=10.1.0.0/16 10.2.0.7:blksize=512,windowsize=1;192.168.*:blksize=1468`.
#[derive(Clone, Debug, Default)]
pub struct ClientPolicy {
    text: String,
    rules: Vec<PolicyRule>,
}

impl ClientPolicy {
    pub fn parse(text: &str) -> Result<ClientPolicy> {
        let mut rules = Vec::new();
        for rule in text.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let eq = rule
                .find('=')
                .ok_or_else(|| Error::invalid_value(format!("ClientPolicy rule '{rule}' sets nothing")))?;
            let colon = rule[..eq]
                .rfind(':')
                .ok_or_else(|| Error::invalid_value(format!("ClientPolicy rule '{rule}' has no ':'")))?;
            let who = rule[..colon].trim();
            if who.is_empty() {
                return Err(Error::invalid_value(format!("ClientPolicy rule '{rule}' names no clients")));
            }
            let clients = ClientList::parse(&who.split_whitespace().collect::<Vec<_>>().join(","))?;
            let mut r = PolicyRule { clients, blksize: None, windowsize: None };
            for kv in rule[colon + 1..].split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| Error::invalid_value(format!("ClientPolicy: '{kv}' is not key=value")))?;
                let n: u32 = v
                    .trim()
                    .parse()
                    .map_err(|_| Error::invalid_value(format!("ClientPolicy: '{v}' is not a number")))?;
                match k.trim().to_ascii_lowercase().as_str() {
                    "blksize" if (MIN_BLKSIZE as u32..=MAX_BLKSIZE as u32).contains(&n) => r.blksize = Some(n as u16),
                    "windowsize" if (1..=65535).contains(&n) => r.windowsize = Some(n as u16),
                    "blksize" | "windowsize" => {
                        return Err(Error::invalid_value(format!("ClientPolicy: {k}={v} is out of range")))
                    }
                    _ => return Err(Error::invalid_value(format!("ClientPolicy: unknown key '{k}'"))),
                }
            }
            rules.push(r);
        }
        Ok(ClientPolicy { text: text.trim().to_string(), rules })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The limits of the first rule matching `ip`.
    pub fn lookup(&self, ip: IpAddr) -> Option<Limits> {
        let r = self.rules.iter().find(|r| r.clients.matches(ip))?;
        let mut l = Limits::default();
        if let Some(b) = r.blksize {
            l.max_blksize = b;
        }
        if let Some(w) = r.windowsize {
            l.max_windowsize = w;
        }
        Some(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn client_policy_syntax_and_first_match() {
        let p = ClientPolicy::parse("10.1.0.0/16 10.2.0.7:blksize=512,windowsize=1; 192.168.*:blksize=1468").unwrap();
        let a = p.lookup(ip("10.1.2.3")).unwrap();
        assert_eq!((a.max_blksize, a.max_windowsize), (512, 1));
        assert_eq!(p.lookup(ip("10.2.0.7")).unwrap().max_blksize, 512);
        let b = p.lookup(ip("192.168.4.4")).unwrap();
        assert_eq!((b.max_blksize, b.max_windowsize), (1468, 65535));
        assert!(p.lookup(ip("8.8.8.8")).is_none());
        let v6 = ClientPolicy::parse("2001:db8::/32:windowsize=4").unwrap();
        assert_eq!(v6.lookup(ip("2001:db8::9")).unwrap().max_windowsize, 4);
        for bad in ["10.0.0.1", "10.0.0.1:blksize", ":blksize=512", "10.0.0.1:blksize=7", "1.2.3.4:color=red"] {
            assert_eq!(ClientPolicy::parse(bad).unwrap_err().code, 906, "{bad}");
        }
        assert!(ClientPolicy::parse("").unwrap().lookup(ip("1.1.1.1")).is_none());
    }

    #[test]
    fn limits_combine_max_packet_size_window_and_policy() {
        let mut s = Settings::default();
        let l = s.limits_for(ip("127.0.0.1"));
        assert_eq!((l.max_blksize, l.max_windowsize), (MAX_BLKSIZE, DEFAULT_WINDOW_SIZE));
        s.max_packet_size = 1472;
        s.client_policy = ClientPolicy::parse("127.0.0.0/8:blksize=1024,windowsize=2").unwrap();
        let l = s.limits_for(ip("127.0.0.1"));
        assert_eq!((l.max_blksize, l.max_windowsize), (1024, 2));
        let l = s.limits_for(ip("10.0.0.1"));
        assert_eq!((l.max_blksize, l.max_windowsize), (1468, DEFAULT_WINDOW_SIZE));
    }

    #[test]
    fn tos_from_dscp_or_traffic_type() {
        let mut s = Settings::default();
        assert_eq!(s.tos(), 0);
        s.qos_traffic_type = parse_traffic_type("voice").unwrap();
        assert_eq!(s.tos(), 56 << 2);
        s.qos_dscp_value = 46;
        assert_eq!(s.tos(), 46 << 2);
        assert!(parse_traffic_type("6").is_err());
    }
}
