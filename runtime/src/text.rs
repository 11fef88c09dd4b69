//! Parameters as text (path segments, query values, headers, cookies) to and from typed
//! values. Everything goes through serde: a value is read as a JSON string first (strings,
//! string enums), then as a JSON literal (numbers, booleans), so generated types need no
//! `FromStr`/`Display` impls of their own.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Why a text value does not decode. Names the expected type only, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError(pub String);

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TextError {}

/// Decodes one text value.
pub fn decode<T: DeserializeOwned>(raw: &str) -> Result<T, TextError> {
    let as_string = serde_json::from_value::<T>(Value::String(raw.to_string()));
    match as_string {
        Ok(v) => Ok(v),
        Err(first) => match serde_json::from_str::<Value>(raw) {
            Ok(literal @ (Value::Number(_) | Value::Bool(_))) => {
                serde_json::from_value(literal).map_err(|e| TextError(describe(&e)))
            }
            _ => Err(TextError(describe(&first))),
        },
    }
}

/// Decodes a list given as separate values (`?tag=a&tag=b`) or split from one (`a,b`).
pub fn decode_list<'a, T: DeserializeOwned>(
    items: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<T>, TextError> {
    items.into_iter().map(decode).collect()
}

/// Encodes a value as text values: one for a scalar, one per item for a list, none for `None`
/// (`null`). Objects are written as JSON text.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, TextError> {
    let v = serde_json::to_value(value).map_err(|e| TextError(e.to_string()))?;
    Ok(values(&v))
}

/// The text values of a JSON value, as [`encode`] writes them.
pub(crate) fn values(v: &Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// A serde error without the value it quotes: `invalid type: string "abc", expected i32`
/// becomes `expected i32`.
fn describe(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let s = s.split(" at line ").next().unwrap_or(&s);
    match s.rsplit_once("expected ") {
        Some((_, expected)) => format!("expected {expected}"),
        None => "not a valid value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize, serde::Serialize)]
    enum Colour {
        #[serde(rename = "red")]
        Red,
    }

    #[test]
    fn decodes_strings_numbers_booleans_and_enums() {
        assert_eq!(decode::<i32>("42"), Ok(42));
        assert_eq!(decode::<String>("42"), Ok("42".to_string()));
        assert_eq!(decode::<bool>("true"), Ok(true));
        assert_eq!(decode::<f64>("1.5"), Ok(1.5));
        assert_eq!(decode::<Colour>("red"), Ok(Colour::Red));
        assert_eq!(decode_list::<i64>(["1", "2"]), Ok(vec![1, 2]));
    }

    #[test]
    fn errors_do_not_echo_the_value() {
        let e = decode::<i32>("secret-token").unwrap_err();
        assert_eq!(e.0, "expected i32");
        let e = decode::<Colour>("secret").unwrap_err();
        assert!(!e.0.contains("secret"), "{e}");
        let e = decode::<u8>("300").unwrap_err();
        assert!(!e.0.contains("300"), "{e}");
    }

    #[test]
    fn encodes_scalars_lists_and_none() {
        assert_eq!(encode(&5).unwrap(), ["5"]);
        assert_eq!(encode(&Colour::Red).unwrap(), ["red"]);
        assert_eq!(encode(&vec![1, 2]).unwrap(), ["1", "2"]);
        assert_eq!(encode(&None::<i32>).unwrap(), Vec::<String>::new());
        assert_eq!(encode("a b").unwrap(), ["a b"]);
    }
}
