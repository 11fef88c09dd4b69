//! Form bodies (`application/x-www-form-urlencoded` and `multipart/form-data`) to and from
//! typed values, through serde.
//!
//! A body is a list of named [`Part`]s. [`from_parts`] reads it into a generated struct: each
//! field takes the parts of its name, coerced to the field's type on demand (so `age=30` fills
//! an integer and `name=30` a string, as the contract says); repeated names fill lists. The
//! other way, [`to_parts`] writes a value's fields as parts, binary fields as bytes.

use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::Serialize;
use serde_json::Value;

/// One named value of a form body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A text value (form fields, text parts).
    Text(String),
    /// Raw bytes (file parts).
    Bytes(Vec<u8>),
}

/// Binary content (`format: binary`): raw bytes in a multipart part or an octet stream.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Binary(pub Vec<u8>);

impl Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Binary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Binary;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("binary content")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Binary, E> {
                Ok(Binary(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Binary, E> {
                Ok(Binary(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Binary, E> {
                Ok(Binary(v.as_bytes().to_vec()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Binary(out))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// Why a form body does not decode. Names fields and types, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError(pub String);

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormError {}

impl de::Error for FormError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        FormError(msg.to_string())
    }
}

/// Reads named parts into `T` (a struct with a field per form field).
pub fn from_parts<T: DeserializeOwned>(parts: Vec<(String, Part)>) -> Result<T, FormError> {
    let mut fields: Vec<(String, Vec<Part>)> = Vec::new();
    for (name, part) in parts {
        match fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(part),
            None => fields.push((name, vec![part])),
        }
    }
    T::deserialize(de::value::MapDeserializer::new(
        fields.into_iter().map(|(k, v)| (k, Values(v))),
    ))
}

/// Writes a value's fields as named parts: scalars as text, lists as repeated parts, nested
/// objects as JSON text, `null` left out; the fields named in `binary` as bytes.
pub fn to_parts<T: Serialize + ?Sized>(
    value: &T,
    binary: &[&str],
) -> Result<Vec<(String, Part)>, FormError> {
    let v = serde_json::to_value(value).map_err(|e| FormError(e.to_string()))?;
    let Value::Object(map) = v else {
        return Err(FormError("a form body must be an object".into()));
    };
    let mut out = Vec::new();
    for (k, v) in map {
        if binary.contains(&k.as_str()) {
            if let Value::Array(items) = &v {
                let bytes: Option<Vec<u8>> = items
                    .iter()
                    .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                    .collect();
                if let Some(bytes) = bytes {
                    out.push((k, Part::Bytes(bytes)));
                    continue;
                }
            }
        }
        for t in crate::text::values(&v) {
            out.push((k.clone(), Part::Text(t)));
        }
    }
    Ok(out)
}

/// One form-encoded name or value (every byte but ASCII letters and digits escaped).
pub(crate) fn encode_component(s: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// `application/x-www-form-urlencoded` text of text parts (bytes parts are sent as UTF-8).
pub fn urlencoded(parts: &[(String, Part)]) -> String {
    let enc = encode_component;
    parts
        .iter()
        .map(|(k, p)| {
            let v = match p {
                Part::Text(t) => enc(t),
                Part::Bytes(b) => enc(&String::from_utf8_lossy(b)),
            };
            format!("{}={v}", enc(k))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A `multipart/form-data` body: its content type (with the boundary) and bytes.
pub fn multipart(parts: &[(String, Part)]) -> (String, Vec<u8>) {
    // A boundary that occurs in no part (RFC 7578 §4.1).
    let mut n: u64 = 0x5EED_C0DE;
    let boundary = loop {
        let b = format!("contract-boundary-{n:016x}");
        let clash = parts.iter().any(|(_, p)| match p {
            Part::Text(t) => t.contains(&b),
            Part::Bytes(x) => x.windows(b.len()).any(|w| w == b.as_bytes()),
        });
        if !clash {
            break b;
        }
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1);
    };
    let mut body = Vec::new();
    for (name, part) in parts {
        let name = name.replace('"', "%22").replace(['\r', '\n'], " ");
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(t) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"\r\n\
                         Content-Type: text/plain; charset=utf-8\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(t.as_bytes());
            }
            Part::Bytes(b) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(b);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The parts of one field.
struct Values(Vec<Part>);

impl<'de> IntoDeserializer<'de, FormError> for Values {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl Values {
    fn last(mut self) -> Result<Part, FormError> {
        self.0
            .pop()
            .ok_or_else(|| FormError("a field has no value".into()))
    }
}

macro_rules! via_last {
    ($($m:ident),*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
            self.last()?.$m(v)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Values {
    type Error = FormError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        if self.0.len() == 1 {
            self.last()?.deserialize_any(v)
        } else {
            self.deserialize_seq(v)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_seq(de::value::SeqDeserializer::new(self.0.into_iter()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, FormError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, FormError> {
        self.last()?.deserialize_enum(name, variants, v)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, FormError> {
        self.last()?.deserialize_struct(name, fields, v)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, FormError> {
        self.deserialize_seq(v)
    }

    via_last!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    serde::forward_to_deserialize_any! {
        i128 u128 unit_struct tuple_struct
    }
}

impl<'de> IntoDeserializer<'de, FormError> for Part {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl Part {
    fn text(self, what: &str) -> Result<String, FormError> {
        match self {
            Part::Text(t) => Ok(t),
            Part::Bytes(b) => {
                String::from_utf8(b).map_err(|_| FormError(format!("expected {what}, found bytes")))
            }
        }
    }

    fn json<'de, V: Visitor<'de>>(self, v: V, what: &str) -> Result<V::Value, FormError> {
        let t = self.text(what)?;
        let value: Value = serde_json::from_str(&t)
            .map_err(|_| FormError(format!("expected {what} as JSON text")))?;
        de::Deserializer::deserialize_any(value, v).map_err(|e| FormError(e.to_string()))
    }
}

macro_rules! parse_as {
    ($($m:ident => $t:ty, $visit:ident, $what:literal;)*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
            let t = self.text($what)?;
            match t.trim().parse::<$t>() {
                Ok(x) => v.$visit(x),
                Err(_) => Err(FormError(concat!("expected ", $what).into())),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Part {
    type Error = FormError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        match self {
            Part::Text(t) => v.visit_string(t),
            Part::Bytes(b) => v.visit_byte_buf(b),
        }
    }

    parse_as! {
        deserialize_bool => bool, visit_bool, "a boolean";
        deserialize_i8 => i8, visit_i8, "an integer";
        deserialize_i16 => i16, visit_i16, "an integer";
        deserialize_i32 => i32, visit_i32, "an integer";
        deserialize_i64 => i64, visit_i64, "an integer";
        deserialize_u8 => u8, visit_u8, "an integer";
        deserialize_u16 => u16, visit_u16, "an integer";
        deserialize_u32 => u32, visit_u32, "an integer";
        deserialize_u64 => u64, visit_u64, "an integer";
        deserialize_f32 => f32, visit_f32, "a number";
        deserialize_f64 => f64, visit_f64, "a number";
        deserialize_char => char, visit_char, "a character";
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_string(self.text("text")?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_string(self.text("text")?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_string(self.text("text")?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        self.deserialize_byte_buf(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        match self {
            Part::Text(t) => v.visit_byte_buf(t.into_bytes()),
            Part::Bytes(b) => v.visit_byte_buf(b),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, FormError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        v.visit_seq(de::value::SeqDeserializer::new(std::iter::once(self)))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, FormError> {
        let t = self.text("one of the allowed values")?;
        v.visit_enum(IntoDeserializer::<FormError>::into_deserializer(t))
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, FormError> {
        self.json(v, "an object")
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, FormError> {
        self.json(v, "an object")
    }

    serde::forward_to_deserialize_any! {
        i128 u128 unit_struct tuple tuple_struct ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Fire,
        Water,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Upload {
        name: String,
        level: i32,
        shiny: Option<bool>,
        tags: Vec<String>,
        kind: Kind,
        photo: Option<Binary>,
    }

    fn t(k: &str, v: &str) -> (String, Part) {
        (k.into(), Part::Text(v.into()))
    }

    #[test]
    fn fields_are_coerced_to_their_types() {
        let parts = vec![
            t("name", "30"),
            t("level", "30"),
            t("tags", "a"),
            t("tags", "b c"),
            t("kind", "fire"),
            ("photo".into(), Part::Bytes(vec![0, 159, 255])),
        ];
        let u: Upload = from_parts(parts).unwrap();
        assert_eq!(
            u,
            Upload {
                name: "30".into(),
                level: 30,
                shiny: None,
                tags: vec!["a".into(), "b c".into()],
                kind: Kind::Fire,
                photo: Some(Binary(vec![0, 159, 255])),
            }
        );
    }

    #[test]
    fn errors_name_the_type_not_the_value() {
        let e = from_parts::<Upload>(vec![
            t("name", "x"),
            t("level", "secret-42"),
            t("kind", "fire"),
        ])
        .unwrap_err();
        assert!(e.0.contains("an integer"), "{e}");
        assert!(!e.0.contains("secret"), "{e}");
        let e = from_parts::<Upload>(vec![t("name", "x"), t("kind", "fire")]).unwrap_err();
        assert!(e.0.contains("missing field `level`"), "{e}");
    }

    #[test]
    fn values_round_trip_through_parts_and_both_encodings() {
        let u = Upload {
            name: "Mew & Mewtwo".into(),
            level: 7,
            shiny: Some(true),
            tags: vec!["x".into(), "y".into()],
            kind: Kind::Water,
            photo: Some(Binary(b"\x00\r\n--contract-boundary".to_vec())),
        };
        let parts = to_parts(&u, &["photo"]).unwrap();
        assert_eq!(from_parts::<Upload>(parts.clone()).unwrap(), u);
        let (ct, body) = multipart(&parts);
        assert!(ct.starts_with("multipart/form-data; boundary="));
        assert!(body.ends_with(b"--\r\n"));
        let form = urlencoded(&to_parts(&u, &[]).unwrap());
        assert!(form.starts_with("name=Mew%20%26%20Mewtwo&level=7&shiny=true&tags=x&tags=y"));
    }
}
