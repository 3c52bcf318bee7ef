//! The `Sec-WebSocket-Extensions` header grammar (RFC 6455 §9.1):
//!
//! ```text
//! extension-list = 1#extension
//! extension      = extension-token *( ";" extension-param )
//! extension-param = token [ "=" (token | quoted-string) ]
//! ```
//!
//! Offers are kept in order across several header fields, since the client
//! lists them by preference (§9.1) and RFC 7692 §5 has the server take the
//! first it can accept. A malformed element is kept as invalid so a caller
//! can decline it and go on to the next offer.

/// One extension offer: its name and parameters in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The extension token, e.g. `permessage-deflate`.
    pub name: String,
    /// The parameters: name and value (unquoted), `None` for no value.
    pub params: Vec<(String, Option<String>)>,
    /// False when the element broke the grammar (bad token, unclosed quote...).
    pub well_formed: bool,
}

/// RFC 7230 §3.2.6 tchar.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// True when `s` is a non-empty RFC 7230 token.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Splits `s` at `sep` bytes outside double quotes (a backslash escapes the
/// next byte inside quotes). `None` when a quote is left open.
fn split_unquoted(s: &str, sep: u8) -> Option<Vec<&str>> {
    let b = s.as_bytes();
    let (mut parts, mut start, mut quoted, mut i) = (Vec::new(), 0, false, 0);
    while i < b.len() {
        match b[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if quoted {
        return None;
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// A parameter value: a token, or a quoted-string whose content is a token
/// (§9.1: "the value MUST conform to the token ABNF" once unquoted).
fn param_value(v: &str) -> Option<String> {
    let v = v.trim();
    let raw = if let Some(inner) = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            out.push(if c == '\\' { chars.next()? } else { c });
        }
        out
    } else {
        v.to_string()
    };
    is_token(&raw).then_some(raw)
}

fn parse_element(element: &str) -> Offer {
    let Some(parts) = split_unquoted(element, b';') else {
        return Offer { name: String::new(), params: Vec::new(), well_formed: false };
    };
    let name = parts[0].trim().to_string();
    let mut well_formed = is_token(&name);
    let mut params = Vec::new();
    for p in &parts[1..] {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v)),
            None => (p.trim(), None),
        };
        let value = match v {
            Some(v) => match param_value(v) {
                Some(v) => Some(v),
                None => {
                    well_formed = false;
                    None
                }
            },
            None => None,
        };
        if !is_token(k) {
            well_formed = false;
        }
        params.push((k.to_string(), value));
    }
    Offer { name, params, well_formed }
}

/// Parses the values of every `Sec-WebSocket-Extensions` header field, in
/// order, into offers. Empty list elements are skipped (RFC 7230 §7). A
/// header field with an unclosed quote gives one malformed offer.
pub fn parse_offers<S: AsRef<str>>(values: &[S]) -> Vec<Offer> {
    let mut out = Vec::new();
    for v in values {
        match split_unquoted(v.as_ref(), b',') {
            Some(elements) => {
                out.extend(elements.into_iter().filter(|e| !e.trim().is_empty()).map(parse_element));
            }
            None => out.push(Offer { name: String::new(), params: Vec::new(), well_formed: false }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(k: &str, v: Option<&str>) -> (String, Option<String>) {
        (k.to_string(), v.map(str::to_string))
    }

    #[test]
    fn offers_in_order_across_headers() {
        let o = parse_offers(&[
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate",
            "x-webkit-deflate-frame , , foo; bar=\"baz\"",
        ]);
        assert_eq!(o.len(), 4);
        assert_eq!(o[0].name, "permessage-deflate");
        assert_eq!(o[0].params, [p("client_max_window_bits", None), p("server_max_window_bits", Some("10"))]);
        assert!(o[0].well_formed);
        assert_eq!((o[1].name.as_str(), o[1].params.len()), ("permessage-deflate", 0));
        assert_eq!(o[2].name, "x-webkit-deflate-frame");
        assert_eq!(o[3].params, [p("bar", Some("baz"))]);
    }

    #[test]
    fn quoted_values() {
        let o = parse_offers(&["permessage-deflate; server_max_window_bits=\"10\"; client_max_window_bits = \"1\\5\""]);
        assert_eq!(o[0].params, [p("server_max_window_bits", Some("10")), p("client_max_window_bits", Some("15"))]);
        assert!(o[0].well_formed);
        // A comma inside quotes does not split offers.
        let o = parse_offers(&["a; x=\"1,2\", b"]);
        assert_eq!(o.len(), 2);
        assert!(!o[0].well_formed, "1,2 is not a token");
        assert!(o[1].well_formed);
    }

    #[test]
    fn malformed_elements() {
        assert!(!parse_offers(&["a; x=\"open"])[0].well_formed);
        assert!(!parse_offers(&["per message"])[0].well_formed);
        assert!(!parse_offers(&["a; =1"])[0].well_formed);
        assert!(!parse_offers(&["a; x="])[0].well_formed);
        assert!(!parse_offers(&["a; x=\"\""])[0].well_formed);
        assert!(parse_offers(&["a;b"])[0].well_formed);
        assert!(parse_offers::<&str>(&[]).is_empty());
        assert!(parse_offers(&[" , "]).is_empty());
    }

    #[test]
    fn tokens() {
        assert!(is_token("permessage-deflate"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a\"b"));
    }
}
