//! The contract's constraints on values (`minLength`, `maximum`, `pattern`, `maxItems`, …),
//! checked where generated types deserialize and where the generated router decodes
//! parameters. Messages name the constraint, never the value.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The constraints of one schema. Generated code fills the ones the contract sets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// An ECMA-262 pattern (checked when the `regex` crate accepts it; codegen warns otherwise).
    pub pattern: Option<&'static str>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
}

/// Values the constraints apply to.
pub trait Checkable {
    /// Checks `self` against `c`; the message names the broken constraint.
    fn check(&self, c: &Checks) -> Result<(), String>;
}

impl Checks {
    /// Checks `value`.
    pub fn apply<T: Checkable + ?Sized>(&self, value: &T) -> Result<(), String> {
        value.check(self)
    }

    fn text(&self, s: &str) -> Result<(), String> {
        // JSON Schema counts characters (code points), not bytes.
        let n = s.chars().count() as u64;
        if let Some(min) = self.min_length {
            if n < min {
                return Err(format!("shorter than minLength {min}"));
            }
        }
        if let Some(max) = self.max_length {
            if n > max {
                return Err(format!("longer than maxLength {max}"));
            }
        }
        if let Some(p) = self.pattern {
            if let Some(re) = regex(p) {
                if !re.is_match(s) {
                    return Err(format!("does not match the pattern {p}"));
                }
            }
        }
        Ok(())
    }

    fn number(&self, x: f64) -> Result<(), String> {
        if let Some(m) = self.minimum {
            if x < m {
                return Err(format!("below the minimum {m}"));
            }
        }
        if let Some(m) = self.maximum {
            if x > m {
                return Err(format!("above the maximum {m}"));
            }
        }
        if let Some(m) = self.exclusive_minimum {
            if x <= m {
                return Err(format!("not above the exclusive minimum {m}"));
            }
        }
        if let Some(m) = self.exclusive_maximum {
            if x >= m {
                return Err(format!("not below the exclusive maximum {m}"));
            }
        }
        if let Some(m) = self.multiple_of {
            let q = x / m;
            if m > 0.0 && (q - q.round()).abs() > 1e-9 {
                return Err(format!("not a multiple of {m}"));
            }
        }
        Ok(())
    }
}

/// Compiled patterns, by pattern text (generated code passes `'static` literals).
fn regex(p: &'static str) -> Option<regex::Regex> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(p)
        .or_insert_with(|| regex::Regex::new(p).ok())
        .clone()
}

/// Whether the `regex` crate accepts `p` (codegen leaves out patterns it does not).
pub fn pattern_supported(p: &str) -> bool {
    regex::Regex::new(p).is_ok()
}

impl Checkable for str {
    fn check(&self, c: &Checks) -> Result<(), String> {
        c.text(self)
    }
}

impl Checkable for String {
    fn check(&self, c: &Checks) -> Result<(), String> {
        c.text(self)
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Checkable for $t {
            fn check(&self, c: &Checks) -> Result<(), String> {
                c.number(*self as f64)
            }
        }
    )*};
}
numbers!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Checkable for bool {
    fn check(&self, _: &Checks) -> Result<(), String> {
        Ok(())
    }
}

impl<T: Checkable> Checkable for Option<T> {
    fn check(&self, c: &Checks) -> Result<(), String> {
        self.as_ref().map_or(Ok(()), |v| v.check(c))
    }
}

impl<T: Checkable + ?Sized> Checkable for Box<T> {
    fn check(&self, c: &Checks) -> Result<(), String> {
        (**self).check(c)
    }
}

impl<T: serde::Serialize> Checkable for Vec<T> {
    fn check(&self, c: &Checks) -> Result<(), String> {
        let n = self.len() as u64;
        if let Some(min) = c.min_items {
            if n < min {
                return Err(format!("fewer than minItems {min}"));
            }
        }
        if let Some(max) = c.max_items {
            if n > max {
                return Err(format!("more than maxItems {max}"));
            }
        }
        if c.unique_items {
            let mut seen = std::collections::HashSet::new();
            for item in self {
                let key = serde_json::to_string(item).unwrap_or_default();
                if !seen.insert(key) {
                    return Err("items are not unique (uniqueItems)".into());
                }
            }
        }
        Ok(())
    }
}

/// How a constraint error starts inside a deserializer's error text (the server surfaces what
/// follows: it names the field and the constraint, never the value).
pub const MARK: &str = "constraint violated: ";

/// For `#[serde(deserialize_with)]` in generated code: deserializes field `field` as `T`, then
/// checks it.
pub fn deserialize<'de, D, T>(d: D, field: &str, c: &Checks) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Checkable,
{
    let v = T::deserialize(d)?;
    c.apply(&v)
        .map_err(|m| <D::Error as serde::de::Error>::custom(format!("{MARK}`{field}` {m}")))?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_constraint_fails_with_its_name_and_passes_at_its_bound() {
        let len = Checks {
            min_length: Some(2),
            max_length: Some(3),
            pattern: Some("^[a-zé]+$"),
            ..Checks::default()
        };
        assert!(len.apply("éé").is_ok(), "characters, not bytes");
        assert_eq!(len.apply("a").unwrap_err(), "shorter than minLength 2");
        assert_eq!(len.apply("abcd").unwrap_err(), "longer than maxLength 3");
        assert_eq!(
            len.apply("AB").unwrap_err(),
            "does not match the pattern ^[a-zé]+$"
        );
        let num = Checks {
            minimum: Some(1.0),
            exclusive_maximum: Some(10.0),
            multiple_of: Some(0.5),
            ..Checks::default()
        };
        assert!(num.apply(&1i32).is_ok() && num.apply(&9.5f64).is_ok());
        assert_eq!(num.apply(&0i64).unwrap_err(), "below the minimum 1");
        assert_eq!(
            num.apply(&10u8).unwrap_err(),
            "not below the exclusive maximum 10"
        );
        assert_eq!(num.apply(&1.25f64).unwrap_err(), "not a multiple of 0.5");
        let items = Checks {
            max_items: Some(2),
            unique_items: true,
            ..Checks::default()
        };
        assert!(items.apply(&vec![1, 2]).is_ok());
        assert!(items.apply(&Some(vec![1, 1])).is_err());
        assert!(items.apply(&None::<Vec<i32>>).is_ok());
        assert_eq!(
            items.apply(&vec![1, 2, 3]).unwrap_err(),
            "more than maxItems 2"
        );
    }
}
