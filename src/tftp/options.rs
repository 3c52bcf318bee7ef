//! Option negotiation for one request: RFC 2347 (framework), RFC 2348
//! (`blksize`), RFC 2349 (`timeout`, `tsize`) and RFC 7440 (`windowsize`).
//!
//! [`negotiate`] is a pure function of the client's options and what the
//! server knows (limits, file size, free space). It returns either the
//! values the transfer uses plus the options to acknowledge in the OACK, or
//! a [`TftpError`] the server sends instead (code 8 or 3).
//!
//! General rules (RFC 2347 "Negotiation Protocol"):
//! - Only options the client requested can appear in the OACK, each at most
//!   once, with the name spelled as the client spelled it, in request order.
//! - Unknown options are omitted, never an error.
//! - If nothing is acknowledged, the server answers a RRQ with DATA 1 and a
//!   WRQ with ACK 0 instead of an OACK ([`Negotiated::oack`] is empty).

use std::borrow::Cow;

use super::packet::{errcode, TftpError, TftpOption};

/// Block size without negotiation (RFC 1350).
pub const DEFAULT_BLKSIZE: u16 = 512;
/// Smallest legal `blksize` (RFC 2348).
pub const MIN_BLKSIZE: u16 = 8;
/// Largest legal `blksize` (RFC 2348).
pub const MAX_BLKSIZE: u16 = 65464;
/// Smallest legal `timeout` in seconds (RFC 2349).
pub const MIN_TIMEOUT: u8 = 1;
/// Largest legal `timeout` in seconds (RFC 2349).
pub const MAX_TIMEOUT: u8 = 255;
/// Largest legal `windowsize` (RFC 7440 §3); the smallest is 1.
pub const MAX_WINDOWSIZE: u16 = 65535;
/// Default bound on the memory one read transfer may hold for its
/// unacknowledged window (`blksize × windowsize`).
pub const DEFAULT_MAX_WINDOW_BYTES: usize = 16 * 1024 * 1024;

/// Whether the request is a RRQ (server sends) or a WRQ (server receives).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

/// Upper bounds the server puts on negotiated values. Server-wide limits
/// and a per-client policy are both `Limits`; combine them with
/// [`Limits::narrowed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest block size to accept, within 8..=65464.
    pub max_blksize: u16,
    /// Largest window to accept, within 1..=65535.
    pub max_windowsize: u16,
    /// Largest `blksize × windowsize` to accept: a read transfer keeps its
    /// unacknowledged window in memory, so this bounds that memory.
    pub max_window_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_blksize: MAX_BLKSIZE, max_windowsize: MAX_WINDOWSIZE, max_window_bytes: DEFAULT_MAX_WINDOW_BYTES }
    }
}

impl Limits {
    /// Limits for a socket that receives datagrams of at most
    /// `max_packet_size` bytes (the MaxPacketSize setting): a DATA packet is
    /// the block plus a 4-byte header, so `max_blksize = max_packet_size − 4`,
    /// kept within 8..=65464.
    pub fn from_max_packet_size(max_packet_size: usize) -> Self {
        let blk = max_packet_size.saturating_sub(4).clamp(MIN_BLKSIZE as usize, MAX_BLKSIZE as usize);
        Limits { max_blksize: blk as u16, ..Limits::default() }
    }

    /// The stricter of two sets of limits (e.g. server-wide and per-client).
    pub fn narrowed(&self, other: &Limits) -> Limits {
        Limits {
            max_blksize: self.max_blksize.min(other.max_blksize),
            max_windowsize: self.max_windowsize.min(other.max_windowsize),
            max_window_bytes: self.max_window_bytes.min(other.max_window_bytes),
        }
    }
}

/// What the server knows about the request when it negotiates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    pub direction: Direction,
    pub limits: Limits,
    /// RRQ: the number of bytes the transfer will carry, if known — the file
    /// size in octet mode, the netascii-encoded size
    /// ([`super::netascii::encoded_len`]) in netascii mode. `None` means
    /// `tsize` is not acknowledged.
    pub transfer_size: Option<u64>,
    /// WRQ: bytes the server is willing/able to store, if known. A `tsize`
    /// larger than this refuses the request with error 3.
    pub free_space: Option<u64>,
}

impl Context {
    pub fn new(direction: Direction, limits: Limits) -> Self {
        Context { direction, limits, transfer_size: None, free_space: None }
    }
}

/// The outcome of a successful negotiation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Block size to use (512 unless `blksize` was acknowledged).
    pub blksize: u16,
    /// Window size to use (1 unless `windowsize` was acknowledged).
    pub windowsize: u16,
    /// Retransmission interval the client asked for, if acknowledged.
    pub timeout: Option<u8>,
    /// Total transfer size if acknowledged: for a RRQ the size the server
    /// announced, for a WRQ the size the client announced.
    pub tsize: Option<u64>,
    /// The options to send in the OACK, in request order. Empty: send no
    /// OACK (DATA 1 for a RRQ, ACK 0 for a WRQ).
    pub oack: Vec<TftpOption<'static>>,
}

impl Default for Negotiated {
    /// Plain RFC 1350: nothing negotiated.
    fn default() -> Self {
        Negotiated { blksize: DEFAULT_BLKSIZE, windowsize: 1, timeout: None, tsize: None, oack: Vec::new() }
    }
}

impl Negotiated {
    /// Whether the server must answer with an OACK.
    pub fn has_oack(&self) -> bool {
        !self.oack.is_empty()
    }
}

/// Parses an option value as a non-negative decimal number. Only ASCII
/// digits are accepted (no sign, no spaces); values beyond `u64` saturate so
/// that "too large" stays distinguishable from "not a number".
pub fn parse_number(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.bytes().fold(0u64, |acc, d| acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

fn refuse(message: String) -> TftpError {
    TftpError::new(errcode::OPTION_REFUSED, message)
}

/// Negotiates the client's `options` (names already unique, as
/// [`super::packet::Packet::parse`] guarantees) against `ctx`.
///
/// Per option:
/// - `blksize` (RFC 2348): valid values are 8..=65464. A value above the
///   server's limit (including above 65464) is answered with the limit —
///   RFC 2348 lets the server reply with a smaller value, and the client
///   must use it or abort. A value below 8 or not a number cannot be
///   answered with anything the client asked for, so the request is refused
///   with error 8 (RFC 2347: the option specification decides; RFC 2348
///   leaves it open and the refusal is the explicit choice).
/// - `timeout` (RFC 2349): 1..=255 seconds is acknowledged with the same
///   value ("must match the value specified by the client"); anything else
///   is omitted, so the client falls back to its default.
/// - `tsize` (RFC 2349): on a RRQ the client sends 0 and the server returns
///   the size, when it knows it (else omitted). On a WRQ the client's size
///   is echoed back; if it exceeds the known free space the request is
///   refused with error 3 ("If the file is too large for the server to
///   handle, it may abort the transfer with an Error packet (error code
///   3)"). A non-numeric size on a WRQ is omitted.
/// - `windowsize` (RFC 7440 §3): 1..=65535 blocks; the answer "MUST be less
///   than or equal to" the request, so it is capped by the limit and by
///   `max_window_bytes / blksize` (never below 1). Values above 65535 are
///   capped like any other large value; 0 or non-numbers are omitted.
/// - Anything else is omitted (RFC 2347).
pub fn negotiate(options: &[TftpOption<'_>], ctx: &Context) -> Result<Negotiated, TftpError> {
    let limits = &ctx.limits;
    let mut n = Negotiated::default();
    // Decide each option first (blksize before windowsize, which depends on
    // it); then list the acknowledged ones in request order.
    let mut blksize_ack = None;
    if let Some(o) = options.iter().find(|o| o.is("blksize")) {
        let v = parse_number(&o.value).ok_or_else(|| refuse(format!("blksize \"{}\" is not a number", o.value)))?;
        if v < u64::from(MIN_BLKSIZE) {
            return Err(refuse(format!("blksize {v} is below the minimum of {MIN_BLKSIZE}")));
        }
        let cap = limits.max_blksize.clamp(MIN_BLKSIZE, MAX_BLKSIZE);
        let b = v.min(u64::from(cap)) as u16;
        n.blksize = b;
        blksize_ack = Some(b);
    }
    let mut timeout_ack = None;
    if let Some(o) = options.iter().find(|o| o.is("timeout")) {
        if let Some(v) = parse_number(&o.value) {
            if (u64::from(MIN_TIMEOUT)..=u64::from(MAX_TIMEOUT)).contains(&v) {
                n.timeout = Some(v as u8);
                timeout_ack = Some(v as u8);
            }
        }
    }
    let mut tsize_ack = None;
    if let Some(o) = options.iter().find(|o| o.is("tsize")) {
        match ctx.direction {
            Direction::Read => tsize_ack = ctx.transfer_size,
            Direction::Write => {
                if let Some(v) = parse_number(&o.value) {
                    if let Some(free) = ctx.free_space {
                        if v > free {
                            return Err(TftpError::new(
                                errcode::DISK_FULL,
                                format!("file of {v} bytes does not fit in {free} bytes of free space"),
                            ));
                        }
                    }
                    tsize_ack = Some(v);
                }
            }
        }
        n.tsize = tsize_ack;
    }
    let mut window_ack = None;
    if let Some(o) = options.iter().find(|o| o.is("windowsize")) {
        if let Some(v) = parse_number(&o.value) {
            if v >= 1 {
                let by_memory = (limits.max_window_bytes / usize::from(n.blksize)).max(1);
                let cap = u64::from(limits.max_windowsize.max(1)).min(by_memory as u64);
                let w = v.min(u64::from(MAX_WINDOWSIZE)).min(cap) as u16;
                n.windowsize = w;
                window_ack = Some(w);
            }
        }
    }
    for o in options {
        let value = if o.is("blksize") {
            blksize_ack.map(u64::from)
        } else if o.is("timeout") {
            timeout_ack.map(u64::from)
        } else if o.is("tsize") {
            tsize_ack
        } else if o.is("windowsize") {
            window_ack.map(u64::from)
        } else {
            None
        };
        if let Some(v) = value {
            n.oack.push(TftpOption::new(Cow::Owned(o.name.to_string()), Cow::Owned(v.to_string())));
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(list: &[(&'static str, &'static str)]) -> Vec<TftpOption<'static>> {
        list.iter().map(|(n, v)| TftpOption::new(*n, *v)).collect()
    }

    fn read_ctx() -> Context {
        Context::new(Direction::Read, Limits::default())
    }

    fn write_ctx() -> Context {
        Context::new(Direction::Write, Limits::default())
    }

    fn oack(n: &Negotiated) -> Vec<(String, String)> {
        n.oack.iter().map(|o| (o.name.to_string(), o.value.to_string())).collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn no_options_means_defaults_and_no_oack() {
        let n = negotiate(&[], &read_ctx()).unwrap();
        assert_eq!(n, Negotiated::default());
        assert_eq!(n.blksize, 512);
        assert_eq!(n.windowsize, 1);
        assert!(!n.has_oack());
    }

    #[test]
    fn blksize_in_range_is_accepted() {
        for v in ["8", "512", "1428", "65464"] {
            let n = negotiate(&opts(&[("blksize", v)]), &read_ctx()).unwrap();
            assert_eq!(n.blksize.to_string(), v);
            assert_eq!(oack(&n), pairs(&[("blksize", v)]));
        }
    }

    #[test]
    fn blksize_above_maximum_is_clamped_down() {
        let n = negotiate(&opts(&[("blksize", "65465")]), &read_ctx()).unwrap();
        assert_eq!(n.blksize, 65464);
        assert_eq!(oack(&n), pairs(&[("blksize", "65464")]));
        let n = negotiate(&opts(&[("blksize", "999999999999999999999999")]), &read_ctx()).unwrap();
        assert_eq!(n.blksize, 65464);
    }

    #[test]
    fn blksize_is_capped_by_max_packet_size() {
        let ctx = Context::new(Direction::Write, Limits::from_max_packet_size(1472));
        let n = negotiate(&opts(&[("blksize", "8192")]), &ctx).unwrap();
        assert_eq!(n.blksize, 1468);
        assert_eq!(oack(&n), pairs(&[("blksize", "1468")]));
        // A tiny MaxPacketSize still leaves the legal minimum.
        assert_eq!(Limits::from_max_packet_size(3).max_blksize, 8);
        assert_eq!(Limits::from_max_packet_size(1 << 20).max_blksize, 65464);
    }

    #[test]
    fn blksize_below_minimum_or_not_a_number_is_refused_with_8() {
        for v in ["7", "0", "abc", "", "-512", " 512", "5 12", "+512"] {
            let e = negotiate(&opts(&[("blksize", v)]), &read_ctx()).unwrap_err();
            assert_eq!(e.code, errcode::OPTION_REFUSED, "value {v:?}");
            assert!(e.message.contains("blksize"), "{}", e.message);
        }
    }

    #[test]
    fn timeout_in_range_is_echoed() {
        for (v, want) in [("1", 1u8), ("255", 255), ("007", 7)] {
            let n = negotiate(&opts(&[("timeout", v)]), &read_ctx()).unwrap();
            assert_eq!(n.timeout, Some(want));
            assert_eq!(oack(&n), pairs(&[("timeout", &want.to_string())]));
        }
    }

    #[test]
    fn timeout_out_of_range_is_not_acknowledged() {
        for v in ["0", "256", "x", "-1", ""] {
            let n = negotiate(&opts(&[("timeout", v)]), &read_ctx()).unwrap();
            assert_eq!(n.timeout, None, "value {v:?}");
            assert!(!n.has_oack(), "value {v:?}");
        }
    }

    #[test]
    fn tsize_on_read_returns_known_size() {
        let mut ctx = read_ctx();
        ctx.transfer_size = Some(673_312);
        let n = negotiate(&opts(&[("tsize", "0")]), &ctx).unwrap();
        assert_eq!(n.tsize, Some(673_312));
        assert_eq!(oack(&n), pairs(&[("tsize", "673312")]));
    }

    #[test]
    fn tsize_on_read_with_unknown_size_is_omitted() {
        let n = negotiate(&opts(&[("tsize", "0")]), &read_ctx()).unwrap();
        assert_eq!(n.tsize, None);
        assert!(!n.has_oack());
    }

    #[test]
    fn tsize_on_write_is_echoed() {
        let mut ctx = write_ctx();
        ctx.free_space = Some(1_000_000);
        let n = negotiate(&opts(&[("tsize", "673312")]), &ctx).unwrap();
        assert_eq!(n.tsize, Some(673_312));
        assert_eq!(oack(&n), pairs(&[("tsize", "673312")]));
        // Exactly the free space still fits.
        let n = negotiate(&opts(&[("tsize", "1000000")]), &ctx).unwrap();
        assert_eq!(n.tsize, Some(1_000_000));
        // Unknown free space: anything is echoed.
        let n = negotiate(&opts(&[("tsize", "99999999999")]), &write_ctx()).unwrap();
        assert_eq!(n.tsize, Some(99_999_999_999));
    }

    #[test]
    fn tsize_on_write_larger_than_free_space_is_disk_full() {
        let mut ctx = write_ctx();
        ctx.free_space = Some(1000);
        let e = negotiate(&opts(&[("tsize", "1001")]), &ctx).unwrap_err();
        assert_eq!(e.code, errcode::DISK_FULL);
    }

    #[test]
    fn tsize_on_write_not_a_number_is_omitted() {
        let n = negotiate(&opts(&[("tsize", "big")]), &write_ctx()).unwrap();
        assert_eq!(n.tsize, None);
        assert!(!n.has_oack());
    }

    #[test]
    fn windowsize_in_range_is_accepted() {
        let n = negotiate(&opts(&[("windowsize", "16")]), &read_ctx()).unwrap();
        assert_eq!(n.windowsize, 16);
        assert_eq!(oack(&n), pairs(&[("windowsize", "16")]));
    }

    #[test]
    fn windowsize_is_capped_by_policy_and_memory() {
        let policy = Limits { max_windowsize: 8, ..Limits::default() };
        let ctx = Context::new(Direction::Read, Limits::default().narrowed(&policy));
        let n = negotiate(&opts(&[("windowsize", "64")]), &ctx).unwrap();
        assert_eq!(n.windowsize, 8);
        assert_eq!(oack(&n), pairs(&[("windowsize", "8")]));

        let mem = Limits { max_window_bytes: 64 * 1024, ..Limits::default() };
        let ctx = Context::new(Direction::Read, mem);
        let n = negotiate(&opts(&[("blksize", "8192"), ("windowsize", "64")]), &ctx).unwrap();
        assert_eq!((n.blksize, n.windowsize), (8192, 8));
        // The memory cap never goes below one block.
        let tiny = Limits { max_window_bytes: 1, ..Limits::default() };
        let n = negotiate(&opts(&[("windowsize", "4")]), &Context::new(Direction::Read, tiny)).unwrap();
        assert_eq!(n.windowsize, 1);
    }

    #[test]
    fn windowsize_above_maximum_is_capped_and_zero_is_omitted() {
        let big = Limits { max_window_bytes: usize::MAX, ..Limits::default() };
        let n = negotiate(&opts(&[("windowsize", "70000")]), &Context::new(Direction::Write, big)).unwrap();
        assert_eq!(n.windowsize, 65535);
        for v in ["0", "many", ""] {
            let n = negotiate(&opts(&[("windowsize", v)]), &read_ctx()).unwrap();
            assert_eq!(n.windowsize, 1, "value {v:?}");
            assert!(!n.has_oack(), "value {v:?}");
        }
    }

    #[test]
    fn unknown_options_are_ignored() {
        let n = negotiate(&opts(&[("multicast", ""), ("blksize", "1024"), ("rollover", "0")]), &read_ctx()).unwrap();
        assert_eq!(oack(&n), pairs(&[("blksize", "1024")]));
    }

    #[test]
    fn names_are_case_insensitive_and_spelling_is_kept_in_request_order() {
        let mut ctx = read_ctx();
        ctx.transfer_size = Some(10);
        let n = negotiate(&opts(&[("WindowSize", "4"), ("TSIZE", "0"), ("Timeout", "3"), ("BlkSize", "1024")]), &ctx)
            .unwrap();
        assert_eq!((n.blksize, n.windowsize, n.timeout, n.tsize), (1024, 4, Some(3), Some(10)));
        assert_eq!(oack(&n), pairs(&[("WindowSize", "4"), ("TSIZE", "10"), ("Timeout", "3"), ("BlkSize", "1024")]));
    }

    #[test]
    fn parse_number_accepts_only_digits() {
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("0012"), Some(12));
        assert_eq!(parse_number("18446744073709551616"), Some(u64::MAX));
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("-1"), None);
    }

    #[test]
    fn narrowed_takes_the_smaller_of_each_limit() {
        let a = Limits { max_blksize: 1000, max_windowsize: 4, max_window_bytes: 10 };
        let b = Limits { max_blksize: 500, max_windowsize: 8, max_window_bytes: 5 };
        assert_eq!(a.narrowed(&b), Limits { max_blksize: 500, max_windowsize: 4, max_window_bytes: 5 });
    }
}
