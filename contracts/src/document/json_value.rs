//! JSON text to `serde_json::Value`, the same value serde_json builds, with every map and array
//! allocated once at its final size. serde_json's own visitor grows each map entry by entry;
//! on a large description (GitHub's REST API: 200k nodes) the regrowth leaves the heap
//! fragmented and costs a third of the peak memory of a diff. Here the entries of each open
//! map or array gather in a scratch stack that is reused, and the container is built exactly.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses JSON text into a value.
pub(super) fn from_str(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut scratch = Scratch::default();
    let v = ValueSeed(&mut scratch).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

#[derive(Default)]
struct Scratch {
    entries: Vec<(String, Value)>,
    items: Vec<Value>,
}

struct ValueSeed<'s>(&'s mut Scratch);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let scratch = self.0;
        let base = scratch.items.len();
        while let Some(v) = seq.next_element_seed(ValueSeed(scratch))? {
            scratch.items.push(v);
        }
        let items: Vec<Value> = scratch.items.drain(base..).collect();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let scratch = self.0;
        let base = scratch.entries.len();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(ValueSeed(scratch))?;
            scratch.entries.push((k, v));
        }
        let mut m = Map::with_capacity(scratch.entries.len() - base);
        // A repeated key keeps its last value, as serde_json does.
        for (k, v) in scratch.entries.drain(base..) {
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_value_serde_json_builds() {
        let text = r#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": {"d": [[], [{}]]},
                       "e": 18446744073709551615, "a2": "\u00e9\n"}"#;
        assert_eq!(
            from_str(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        let keys: Vec<_> = from_str(text)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["a", "c", "e", "a2"], "document order is kept");
    }

    #[test]
    fn errors_are_serde_json_errors_with_positions() {
        let e = from_str("{\"a\": [1,\n 2,,]}").unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(from_str("{} trailing").is_err());
    }
}
