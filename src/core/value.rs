//! Property values and their text forms (docs/API.md §3, §8 "Values").

use super::error::{codes, Error, Result};

/// The one type each property has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropType {
    Text,
    Binary,
    Int,
    Bool,
}

/// A property value as a component hands it out or takes it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bytes(Vec<u8>),
    Int(i64),
    Bool(bool),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Bytes(s.into().into_bytes())
    }

    /// The text form: integers in decimal, booleans as `True`/`False`.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Value::Bytes(b) => b.clone(),
            Value::Int(i) => i.to_string().into_bytes(),
            Value::Bool(b) => bool_text(*b).as_bytes().to_vec(),
        }
    }

    pub fn as_i64(&self) -> Result<i64> {
        match self {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            Value::Bytes(_) => Err(Error::new(codes::WRONG_TYPE, "Not an integer or boolean property")),
        }
    }

    pub fn as_bool(&self) -> Result<bool> {
        match self {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            Value::Bytes(b) => parse_bool(&String::from_utf8_lossy(b)),
        }
    }

    /// Integer in `lo..=hi`, else 906 (the value is left unchanged by the caller).
    pub fn int_in(&self, lo: i64, hi: i64) -> Result<i64> {
        let v = match self {
            Value::Bytes(b) => parse_int(&String::from_utf8_lossy(b))?,
            other => other.as_i64()?,
        };
        if v < lo || v > hi {
            return Err(Error::invalid_value(format!("Value {v} is out of range ({lo} to {hi})")));
        }
        Ok(v)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Value::Bytes(b) => b,
            other => other.to_bytes(),
        }
    }

    pub fn into_string(self) -> String {
        String::from_utf8_lossy(&self.into_bytes()).into_owned()
    }
}

pub fn bool_text(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// `True`/`False`/`1`/`0`/`Yes`/`No`, any case, whitespace ignored.
pub fn parse_bool(s: &str) -> Result<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::invalid_value(format!("'{}' is not a boolean (True, False, 1, 0, Yes, No)", s.trim()))),
    }
}

/// Decimal with an optional sign, whitespace around it ignored.
pub fn parse_int(s: &str) -> Result<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_value(format!("'{t}' is not a decimal integer")));
    }
    t.parse::<i64>().map_err(|_| Error::invalid_value(format!("'{t}' is out of range")))
}

/// Converts the bytes a caller passed to `set` into a value of the property's type.
pub fn from_set_bytes(ty: PropType, bytes: &[u8]) -> Result<Value> {
    match ty {
        PropType::Text | PropType::Binary => Ok(Value::Bytes(bytes.to_vec())),
        PropType::Int => Ok(Value::Int(parse_int(&String::from_utf8_lossy(bytes))?)),
        PropType::Bool => Ok(Value::Bool(parse_bool(&String::from_utf8_lossy(bytes))?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_in_every_documented_form() {
        for t in ["True", "true", " YES ", "1"] {
            assert!(parse_bool(t).unwrap(), "{t}");
        }
        for f in ["False", "FALSE", "no", "0"] {
            assert!(!parse_bool(f).unwrap(), "{f}");
        }
        assert_eq!(parse_bool("maybe").unwrap_err().code, codes::INVALID_VALUE);
    }

    #[test]
    fn integers_are_decimal_with_sign() {
        assert_eq!(parse_int(" 8080 ").unwrap(), 8080);
        assert_eq!(parse_int("-5").unwrap(), -5);
        assert_eq!(parse_int("+7").unwrap(), 7);
        for bad in ["", "0x10", "1.5", "12a", "-", "99999999999999999999"] {
            assert_eq!(parse_int(bad).unwrap_err().code, codes::INVALID_VALUE, "{bad}");
        }
    }

    #[test]
    fn range_checks_reject_out_of_range() {
        assert_eq!(Value::Int(5).int_in(0, 10).unwrap(), 5);
        assert_eq!(Value::Int(11).int_in(0, 10).unwrap_err().code, codes::INVALID_VALUE);
        assert_eq!(Value::text("300").int_in(256, i32::MAX as i64).unwrap(), 300);
    }

    #[test]
    fn text_forms() {
        assert_eq!(Value::Bool(true).to_bytes(), b"True");
        assert_eq!(Value::Int(-3).to_bytes(), b"-3");
        assert_eq!(from_set_bytes(PropType::Bool, b"no").unwrap(), Value::Bool(false));
        assert_eq!(from_set_bytes(PropType::Int, b"12").unwrap(), Value::Int(12));
    }
}
