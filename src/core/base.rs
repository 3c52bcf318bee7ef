//! The references' "Base Config Settings", shared by every component:
//! SelectWaitMillis (docs/API.md §8), BuildInfo, CodePage, LicenseInfo,
//! MaskSensitive and UseInternalSecurityAPI (docs/API.md §6 decides what the
//! platform-only ones do: docs/API-NOTES.md).

use std::time::Duration;

use super::error::{codes, Error, Result};
use super::value::{bool_text, parse_bool, parse_int};

const LICENSE_INFO: &str = "pier is open source (MIT OR Apache-2.0); no license key is needed.";

#[derive(Clone, Debug)]
pub struct BaseSettings {
    pub select_wait_millis: u32,
    /// Stored and read back; pier logs no secrets either way.
    pub mask_sensitive: bool,
    /// Stored and read back; pier always uses its own (rustls) implementation.
    pub use_internal_security_api: bool,
}

impl BaseSettings {
    /// `use_internal_security_api`: the reference's default differs between
    /// components (TCPServer False, TFTPServer True on Linux).
    pub fn new(use_internal_security_api: bool) -> BaseSettings {
        BaseSettings { select_wait_millis: 20, mask_sensitive: true, use_internal_security_api }
    }

    pub fn select_wait(&self) -> Duration {
        Duration::from_millis(self.select_wait_millis as u64)
    }

    /// The value of a base setting, or `None` when `name` is not one.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name.to_ascii_lowercase().as_str() {
            "selectwaitmillis" => self.select_wait_millis.to_string(),
            "buildinfo" => super::build_info(),
            "codepage" => "65001".into(),
            "licenseinfo" => LICENSE_INFO.into(),
            "masksensitive" => bool_text(self.mask_sensitive).into(),
            "useinternalsecurityapi" => bool_text(self.use_internal_security_api).into(),
            _ => return None,
        })
    }

    /// Sets a base setting; `Ok(false)` when `name` is not one.
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name.to_ascii_lowercase().as_str() {
            "selectwaitmillis" => {
                let v = parse_int(value)?;
                if !(0..=3_600_000).contains(&v) {
                    return Err(Error::invalid_value("SelectWaitMillis must be between 0 and 3600000"));
                }
                self.select_wait_millis = v as u32;
            }
            "masksensitive" => self.mask_sensitive = parse_bool(value)?,
            "useinternalsecurityapi" => self.use_internal_security_api = parse_bool(value)?,
            "codepage" => {
                if parse_int(value)? != 65001 {
                    return Err(Error::new(codes::NOT_SUPPORTED, "pier works in UTF-8 only (CodePage 65001)"));
                }
            }
            "buildinfo" | "licenseinfo" => {
                return Err(Error::new(codes::READ_ONLY, format!("{} is read-only", name.trim())))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_settings_read_set_and_refuse() {
        let mut b = BaseSettings::new(false);
        assert_eq!(b.get("SELECTWAITMILLIS").as_deref(), Some("20"));
        assert!(b.set("SelectWaitMillis", "5").unwrap());
        assert_eq!(b.select_wait(), Duration::from_millis(5));
        assert_eq!(b.set("SelectWaitMillis", "-1").unwrap_err().code, codes::INVALID_VALUE);
        assert!(b.set("CodePage", "65001").unwrap());
        assert_eq!(b.set("CodePage", "1252").unwrap_err().code, codes::NOT_SUPPORTED);
        assert_eq!(b.set("BuildInfo", "x").unwrap_err().code, codes::READ_ONLY);
        assert!(b.get("BuildInfo").unwrap().starts_with("pier "));
        assert!(!b.set("NotABaseSetting", "1").unwrap());
        assert_eq!(b.get("NotABaseSetting"), None);
        assert!(b.set("usEInternalsecurityapi", "yes").unwrap());
        assert_eq!(b.get("UseInternalSecurityAPI").as_deref(), Some("True"));
    }
}
