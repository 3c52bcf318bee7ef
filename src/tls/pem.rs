//! PEM sections and base64 blobs, as certificate stores hold them.
//!
//! rustls-pki-types' PEM reader skips sections it does not know (PKCS7,
//! ENCRYPTED PRIVATE KEY), which the stores need to see, so the stores use
//! this small reader; base64 itself is the `base64` crate's.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// Standard alphabet, padding optional: blobs come from many tools.
const LOOSE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One `-----BEGIN label-----` ... `-----END label-----` section.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub label: String,
    pub der: Vec<u8>,
    /// OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` header was present.
    pub legacy_encrypted: bool,
}

/// True when `data` holds at least one PEM section start.
pub(crate) fn is_pem(data: &[u8]) -> bool {
    find(data, b"-----BEGIN ").is_some()
}

/// Every PEM section in `data`, in order. Text outside sections is ignored
/// (OpenSSL's "Bag Attributes" and comments). A section whose end is missing or
/// whose body is not base64 is an error, with the label in the text.
pub(crate) fn sections(data: &[u8]) -> Result<Vec<Section>, String> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            return Err("malformed PEM header".into());
        };
        let label = after[..label_end].trim().to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(format!("PEM section {label} has no end line"));
        };
        let body = &body_start[..end];
        let mut legacy_encrypted = false;
        let mut b64 = String::new();
        for line in body.lines() {
            let line = line.trim();
            if line.contains(':') {
                if line.starts_with("Proc-Type") && line.contains("ENCRYPTED") {
                    legacy_encrypted = true;
                }
                continue;
            }
            b64.push_str(line);
        }
        let der = decode_base64(b64.as_bytes()).ok_or_else(|| format!("PEM section {label} is not valid base64"))?;
        out.push(Section { label, der, legacy_encrypted });
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(out)
}

/// Decodes base64 with any whitespace (CR/LF line breaks) removed; `None` if
/// the text is not base64.
pub(crate) fn decode_base64(data: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = data.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    LOOSE.decode(&compact).ok()
}

/// PEM text of one DER object, 64 columns, CRLF-free.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip_and_skip_text_around_them() {
        let a = encode("CERTIFICATE", &[0x30, 0x03, 1, 2, 3]);
        let b = encode("PKCS7", &[9; 100]);
        let text = format!("Bag Attributes\n  friendlyName: x\n{a}between\r\n{b}trailer");
        let s = sections(text.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, "CERTIFICATE");
        assert_eq!(s[0].der, vec![0x30, 0x03, 1, 2, 3]);
        assert_eq!(s[1].label, "PKCS7");
        assert_eq!(s[1].der, vec![9; 100]);
        assert!(is_pem(text.as_bytes()));
        assert!(!is_pem(b"MIIB"));
    }

    #[test]
    fn legacy_encryption_header_is_noticed_and_bad_pem_fails() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let s = sections(text.as_bytes()).unwrap();
        assert!(s[0].legacy_encrypted);
        assert!(sections(b"-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(sections(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----").is_err());
    }

    #[test]
    fn base64_blobs_with_line_breaks_and_no_padding() {
        assert_eq!(decode_base64(b"AQID\r\nBA==").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(decode_base64(b"AQIDBA").unwrap(), vec![1, 2, 3, 4]);
        assert!(decode_base64(b"\x30\x82").is_none());
        assert!(decode_base64(b"   ").is_none());
    }
}
