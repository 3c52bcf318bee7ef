//! Choosing permessage-deflate terms from the client's offers (RFC 7692 §5,
//! §7.1): the first acceptable offer wins; an offer with an unknown or
//! repeated parameter, a bad value, or terms the server cannot meet is
//! declined and the next one is tried.

use crate::ws::extensions::{parse_offers, Offer};

/// The registered extension name (RFC 7692 §7).
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// What the server is willing to use; a memory budget can tighten it per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflatePolicy {
    /// The largest LZ77 window (bits, 9..=15) the server compresses with.
    pub server_max_window_bits: u8,
    /// Always compress without context takeover (no window kept between messages).
    pub server_no_context_takeover: bool,
    /// The largest window (bits, 9..=15) asked of the client when its offer lets us ask.
    pub client_max_window_bits: u8,
    /// Ask the client not to use context takeover (§7.1.1.2), so no
    /// decompression window is kept between messages.
    pub client_no_context_takeover: bool,
    /// The zlib compression level, 0..=9.
    pub level: u32,
}

impl Default for DeflatePolicy {
    /// Full windows both ways, context takeover, zlib's default level 6.
    fn default() -> Self {
        DeflatePolicy {
            server_max_window_bits: 15,
            server_no_context_takeover: false,
            client_max_window_bits: 15,
            client_no_context_takeover: false,
            level: 6,
        }
    }
}

/// The terms in force on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message, so the server's
    /// decompressor need not keep its window.
    pub client_no_context_takeover: bool,
    /// The window (bits, 9..=15) the server compresses with; 8 (what the
    /// client demanded, which zlib cannot make): the server compresses nothing.
    pub server_max_window_bits: u8,
    /// The window (bits, 9..=15) the server decompresses with: at least the
    /// client's (an 8-bit client window fits a 9-bit one).
    pub client_max_window_bits: u8,
}

/// An accepted offer: the terms and the `Sec-WebSocket-Extensions` value to answer with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// The terms.
    pub params: DeflateParams,
    /// The response header value, e.g. `permessage-deflate; server_max_window_bits=10`.
    pub response: String,
}

/// A window-bits value: decimal 8..=15 without leading zeroes (§7.1.2.1).
fn window_bits(v: &str) -> Option<u8> {
    match v.as_bytes() {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

/// The parameters of one offer, once checked.
#[derive(Default)]
struct OfferParams {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// Present: `Some(None)` without a value, `Some(Some(n))` with one.
    client_max_window_bits: Option<Option<u8>>,
}

fn check_offer(offer: &Offer) -> Option<OfferParams> {
    if !offer.well_formed {
        return None;
    }
    let mut p = OfferParams::default();
    let mut seen = [false; 4];
    for (name, value) in &offer.params {
        let (i, ok) = match name.as_str() {
            "server_no_context_takeover" => (0, value.is_none()),
            "client_no_context_takeover" => (1, value.is_none()),
            "server_max_window_bits" => (2, value.as_deref().and_then(window_bits).is_some()),
            "client_max_window_bits" => (3, value.as_deref().is_none_or(|v| window_bits(v).is_some())),
            _ => return None,
        };
        if !ok || seen[i] {
            return None;
        }
        seen[i] = true;
        let bits = value.as_deref().and_then(window_bits);
        match i {
            0 => p.server_no_context_takeover = true,
            1 => p.client_no_context_takeover = true,
            2 => p.server_max_window_bits = bits,
            _ => p.client_max_window_bits = Some(bits),
        }
    }
    Some(p)
}

fn accept(p: &OfferParams, policy: &DeflatePolicy) -> Option<Agreement> {
    // zlib's deflate turns an 8-bit window into 9, so no compressor honours a
    // demand for 8; the offer is still accepted as asked, and the server sends
    // its messages uncompressed (RFC 7692 §6: any message may go without
    // compression), which no window can overrun. Incoming ones still inflate.
    let policy_server = policy.server_max_window_bits.clamp(9, 15);
    let server_bits = match p.server_max_window_bits {
        Some(8) => 8,
        asked => asked.unwrap_or(15).min(policy_server),
    };
    let server_nct = p.server_no_context_takeover || policy.server_no_context_takeover;
    // The client told us it will not take over context anyway, so saying so costs
    // nothing and lets the decompressor drop its window between messages.
    let client_nct = p.client_no_context_takeover || policy.client_no_context_takeover;
    let mut response = String::from(EXTENSION_NAME);
    if server_nct {
        response.push_str("; server_no_context_takeover");
    }
    if client_nct {
        response.push_str("; client_no_context_takeover");
    }
    // §7.1.2.1: answer with the same or a smaller value; we may also set it unasked.
    if p.server_max_window_bits.is_some() || server_bits < 15 {
        response.push_str(&format!("; server_max_window_bits={server_bits}"));
    }
    // §7.1.2.2: only when the client offered the parameter may the response carry it.
    let client_bits = match p.client_max_window_bits {
        Some(hint) => {
            let bits = hint.unwrap_or(15).min(policy.client_max_window_bits.clamp(9, 15));
            if hint.is_some() || bits < 15 {
                response.push_str(&format!("; client_max_window_bits={bits}"));
            }
            bits.max(9)
        }
        None => 15,
    };
    Some(Agreement {
        params: DeflateParams {
            server_no_context_takeover: server_nct,
            client_no_context_takeover: client_nct,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        },
        response,
    })
}

/// Chooses the first acceptable permessage-deflate offer among the values of
/// every `Sec-WebSocket-Extensions` header, in order; `None` declines them
/// all (the response then names no extension).
pub fn negotiate<S: AsRef<str>>(header_values: &[S], policy: &DeflatePolicy) -> Option<Agreement> {
    parse_offers(header_values)
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case(EXTENSION_NAME))
        .find_map(|o| check_offer(o).and_then(|p| accept(&p, policy)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(h: &str) -> Option<String> {
        negotiate(&[h], &DeflatePolicy::default()).map(|a| a.response)
    }

    #[test]
    fn plain_offer() {
        let a = negotiate(&["permessage-deflate"], &DeflatePolicy::default()).unwrap();
        assert_eq!(a.response, "permessage-deflate");
        assert_eq!(
            a.params,
            DeflateParams {
                server_no_context_takeover: false,
                client_no_context_takeover: false,
                server_max_window_bits: 15,
                client_max_window_bits: 15
            }
        );
    }

    #[test]
    fn every_parameter() {
        assert_eq!(
            resp("permessage-deflate; server_no_context_takeover").unwrap(),
            "permessage-deflate; server_no_context_takeover"
        );
        assert_eq!(
            resp("permessage-deflate; client_no_context_takeover").unwrap(),
            "permessage-deflate; client_no_context_takeover"
        );
        assert_eq!(
            resp("permessage-deflate; server_max_window_bits=10").unwrap(),
            "permessage-deflate; server_max_window_bits=10"
        );
        assert_eq!(resp("permessage-deflate; client_max_window_bits").unwrap(), "permessage-deflate");
        assert_eq!(
            resp("permessage-deflate; client_max_window_bits=12").unwrap(),
            "permessage-deflate; client_max_window_bits=12"
        );
        let a = negotiate(
            &["permessage-deflate; client_max_window_bits=8; server_max_window_bits=9"],
            &DeflatePolicy::default(),
        )
        .unwrap();
        assert_eq!(a.response, "permessage-deflate; server_max_window_bits=9; client_max_window_bits=8");
        assert_eq!((a.params.server_max_window_bits, a.params.client_max_window_bits), (9, 9), "inflate 8 with 9");
        let a = negotiate(&["permessage-deflate; server_max_window_bits=\"11\""], &DeflatePolicy::default()).unwrap();
        assert_eq!(a.params.server_max_window_bits, 11);
    }

    #[test]
    fn server_window_8_is_accepted_with_nothing_compressed_outgoing() {
        let a = negotiate(&["permessage-deflate; server_max_window_bits=8"], &DeflatePolicy::default()).unwrap();
        assert_eq!(a.response, "permessage-deflate; server_max_window_bits=8");
        assert_eq!(a.params.server_max_window_bits, 8, "the protocol then sends uncompressed messages");
    }

    #[test]
    fn invalid_offers_fall_back_to_the_next() {
        for bad in [
            "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=0",
            "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; server_max_window_bits=10; server_max_window_bits=11",
            "permessage-deflate; x=\"unclosed",
        ] {
            assert_eq!(resp(bad), None, "{bad}");
            let two = negotiate(&[bad, "permessage-deflate; server_no_context_takeover"], &DeflatePolicy::default());
            assert_eq!(two.unwrap().response, "permessage-deflate; server_no_context_takeover", "{bad}");
        }
    }

    #[test]
    fn other_extensions_and_order() {
        assert_eq!(resp("x-webkit-deflate-frame"), None);
        let r = resp("foo, permessage-deflate; server_max_window_bits=12, permessage-deflate").unwrap();
        assert_eq!(r, "permessage-deflate; server_max_window_bits=12", "the first acceptable one");
        assert!(negotiate::<&str>(&[], &DeflatePolicy::default()).is_none());
    }

    #[test]
    fn policy_tightens_terms() {
        let policy = DeflatePolicy {
            server_max_window_bits: 10,
            server_no_context_takeover: true,
            client_max_window_bits: 11,
            client_no_context_takeover: true,
            level: 1,
        };
        let a = negotiate(&["permessage-deflate; client_max_window_bits"], &policy).unwrap();
        assert_eq!(
            a.response,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11"
        );
        assert_eq!((a.params.server_max_window_bits, a.params.client_max_window_bits), (10, 11));
        // Without client_max_window_bits in the offer the server may not ask for it.
        let a = negotiate(&["permessage-deflate; server_max_window_bits=12"], &policy).unwrap();
        assert!(!a.response.contains("client_max_window_bits"));
        assert_eq!((a.params.server_max_window_bits, a.params.client_max_window_bits), (10, 15));
    }
}
