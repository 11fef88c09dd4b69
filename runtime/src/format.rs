//! String formats as validated newtypes: [`DateTime`] (RFC 3339 `date-time`), [`Date`]
//! (`full-date`), [`Uuid`], [`Email`] and [`Uri`]. Each keeps the text it was given (nothing is
//! reformatted on the way through), refuses at deserialization text that is not of its
//! format, and takes length and pattern constraints like a `String`. [`Base64`] (`byte`)
//! holds the decoded bytes. (`ipv4`/`ipv6` are `std::net` addresses.)

use std::fmt;
use std::str::FromStr;

macro_rules! text_format {
    ($(#[$doc:meta])* $name:ident, $what:literal, $valid:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks `text`; the error names the format, never the text.
            pub fn new(text: impl Into<String>) -> Result<Self, String> {
                let text = text.into();
                if $valid(&text) {
                    Ok(Self(text))
                } else {
                    Err(concat!("not a valid ", $what).to_string())
                }
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl crate::check::Checkable for $name {
            fn check(&self, c: &crate::check::Checks) -> Result<(), String> {
                self.0.as_str().check(c)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::new(text).map_err(|m| {
                    <D::Error as serde::de::Error>::custom(format!("{}{m}", crate::check::MARK))
                })
            }
        }
    };
}

text_format!(
    /// An RFC 3339 `date-time` (`2026-11-25T08:30:00Z`, `…T08:30:00.5+01:00`).
    DateTime,
    "date-time (RFC 3339)",
    is_date_time
);
text_format!(
    /// An RFC 3339 `full-date` (`2026-11-25`).
    Date,
    "date (RFC 3339 full-date)",
    is_date
);
text_format!(
    /// A UUID in its 8-4-4-4-12 hexadecimal form.
    Uuid,
    "uuid",
    is_uuid
);

text_format!(
    /// An e-mail address (`local@domain`, RFC 5321 in its common form: a dot-atom or quoted
    /// local part, and a host name or a bracketed address literal).
    Email,
    "email address",
    is_email
);
text_format!(
    /// An absolute URI (RFC 3986: a scheme, `:`, then characters a URI may hold, with
    /// well-formed percent escapes).
    Uri,
    "uri (RFC 3986)",
    is_uri
);

/// Bytes carried as base64 text (`format: byte`, RFC 4648 with or without padding).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Base64(pub Vec<u8>);

const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

impl Base64 {
    /// Decodes base64 text; the error names the format, never the text.
    pub fn decode(text: &str) -> Result<Self, String> {
        use base64::Engine as _;
        BASE64
            .decode(text)
            .map(Base64)
            .map_err(|_| "not valid base64 (format byte)".to_string())
    }

    /// The base64 text.
    pub fn encode(&self) -> String {
        use base64::Engine as _;
        BASE64.encode(&self.0)
    }
}

impl FromStr for Base64 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::decode(s)
    }
}

impl serde::Serialize for Base64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Base64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::decode(&text).map_err(|m| {
            <D::Error as serde::de::Error>::custom(format!("{}{m}", crate::check::MARK))
        })
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        !inner.chars().any(|c| c.is_control()) && !inner.contains('"')
    } else {
        !local.is_empty()
            && local
                .split('.')
                .all(|atom| !atom.is_empty() && atom.chars().all(|c| atext(c) || !c.is_ascii()))
    };
    let domain_ok =
        if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
            literal.parse::<std::net::Ipv4Addr>().is_ok()
                || literal
                    .strip_prefix("IPv6:")
                    .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok())
        } else {
            is_host_name(domain)
        };
    local.len() <= 64 && local_ok && domain_ok
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        })
}

fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if !(i + 2 < b.len()
                    && b[i + 1].is_ascii_hexdigit()
                    && b[i + 2].is_ascii_hexdigit())
                {
                    return false;
                }
                i += 3;
                continue;
            }
            c if c.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@' | b'!'
            | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
            _ => return false,
        }
        i += 1;
    }
    scheme_ok
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |n, d| {
        n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn is_time(b: &[u8]) -> bool {
    // HH:MM:SS[.frac](Z|±HH:MM)
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (digits(&b[0..2]), digits(&b[3..5]), digits(&b[6..8]))
    else {
        return false;
    };
    if h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let mut rest = &b[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [sign, h1, h2, b':', m1, m2] if *sign == b'+' || *sign == b'-' => {
            matches!((digits(&[*h1, *h2]), digits(&[*m1, *m2])), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}

fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 11
        && s.is_char_boundary(10)
        && is_date(&s[..10])
        && matches!(b[10], b'T' | b't')
        && is_time(&b[11..])
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_accept_their_shapes_and_nothing_else() {
        for ok in [
            "2026-11-25T08:30:00Z",
            "2024-02-29t23:59:60.123+01:00",
            "1999-12-31T00:00:00-05:30",
        ] {
            assert!(DateTime::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2026-11-25",
            "2026-11-25T08:30:00",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T08:30:00.Z",
            "2026-11-25T08:30:00+1:00",
        ] {
            assert!(DateTime::new(bad).is_err(), "{bad}");
        }
        assert!(Date::new("2024-02-29").is_ok() && Date::new("2023-02-29").is_err());
        assert!(Date::new("2026-4-01").is_err());
        assert!(Uuid::new("123e4567-e89b-12d3-a456-426614174000").is_ok());
        assert!(Uuid::new("123e4567e89b12d3a456426614174000").is_err());
        for ok in [
            "ash@pallet.example",
            "a.b+c@x-y.io",
            "\"odd one\"@example.com",
            "me@[127.0.0.1]",
        ] {
            assert!(Email::new(ok).is_ok(), "{ok}");
        }
        for bad in ["ash", "@x.io", "ash@", "a..b@x.io", "a@-x.io", "a b@x.io"] {
            assert!(Email::new(bad).is_err(), "{bad}");
        }
        for ok in [
            "https://pokeapi.example/pokemon/25?x=1#top",
            "urn:isbn:0451450523",
            "mailto:ash@pallet.example",
            "http://[::1]:8080/%7Euser",
        ] {
            assert!(Uri::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/relative/path",
            "1http://x",
            "http://x/a b",
            "http://x/%zz",
            "http://x/%4",
        ] {
            assert!(Uri::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_round_trips_and_accepts_missing_padding() {
        let b: Base64 = serde_json::from_str("\"UGlrYQ==\"").unwrap();
        assert_eq!(b.0, b"Pika");
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"UGlrYQ==\"");
        assert_eq!(Base64::decode("UGlrYQ").unwrap().0, b"Pika");
        let e = serde_json::from_str::<Base64>("\"not base64!\"").unwrap_err();
        assert!(e.to_string().contains("not valid base64"), "{e}");
    }

    #[test]
    fn serde_keeps_the_text_and_names_the_format_on_error() {
        let d: DateTime = serde_json::from_str("\"2026-11-25T08:30:00.5+01:00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"2026-11-25T08:30:00.5+01:00\""
        );
        let e = serde_json::from_str::<Uuid>("\"secret-value\"").unwrap_err();
        assert!(e.to_string().contains("not a valid uuid"), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
