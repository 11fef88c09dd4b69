//! Bodies by media type: picking the declared media type for a `Content-Type` (exact, then
//! `type/*`, then `*/*`), and reading JSON, `application/x-www-form-urlencoded` (with
//! coercion and per-property `encoding`), `multipart/form-data` (via `multer`, with per-part
//! `encoding.contentType`) and text into a JSON value the schema can check.

use std::borrow::Cow;

use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::{Map, Value};

use super::params::{coerce, decode, query_pairs, Prim, Shape, Style};
use super::schema::SchemaCheck;

/// How one property of a form or multipart body is encoded.
#[derive(Debug, Clone)]
pub struct PartEncoding {
    /// Allowed part content types (`image/png, image/*`), when declared.
    pub content_type: Option<String>,
    /// The serialization style of form fields.
    pub style: Style,
    /// Whether arrays repeat the key.
    pub explode: bool,
}

/// One declared media type of a body.
#[derive(Debug)]
pub struct Media {
    /// The declared media range, lowercased (`application/json`, `image/*`).
    pub range: String,
    /// The compiled schema, when the media type has one.
    pub check: Option<SchemaCheck>,
    /// The shape of each declared property (for form and multipart coercion).
    pub fields: Vec<(String, Shape)>,
    /// Per-property encodings.
    pub encoding: Vec<(String, PartEncoding)>,
    /// `file:line` of the media type object.
    pub spec: Option<String>,
}

/// What a body is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `application/json`, `*+json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// `text/*`.
    Text,
    /// Anything else: not parsed.
    Opaque,
}

/// The lowercased `type/subtype` of a Content-Type; borrowed when it is lowercase already, as
/// it nearly always is.
pub fn essence(ct: &str) -> Cow<'_, str> {
    let e = ct.split(';').next().unwrap_or("").trim();
    if e.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(e.to_ascii_lowercase())
    } else {
        Cow::Borrowed(e)
    }
}

/// How a media type is read.
pub fn kind_of(essence: &str) -> Kind {
    if essence == "application/json" || essence.ends_with("+json") {
        Kind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        Kind::Form
    } else if essence == "multipart/form-data" {
        Kind::Multipart
    } else if essence.starts_with("text/") {
        Kind::Text
    } else {
        Kind::Opaque
    }
}

/// Whether a media range (`image/*`, `*/*`, `application/json`) covers an essence.
pub fn covers(range: &str, essence: &str) -> bool {
    let range = range.split(';').next().unwrap_or("").trim();
    if range == "*/*" || range.eq_ignore_ascii_case(essence) {
        return true;
    }
    match (range.split_once('/'), essence.split_once('/')) {
        (Some((rt, "*")), Some((et, _))) => rt.eq_ignore_ascii_case(et),
        _ => false,
    }
}

/// The declared media type for a Content-Type essence: exact, then `type/*`, then `*/*`.
pub fn pick<'a>(media: &'a [Media], essence: &str) -> Option<&'a Media> {
    media
        .iter()
        .find(|m| m.range == essence)
        .or_else(|| {
            media
                .iter()
                .find(|m| m.range.ends_with("/*") && m.range != "*/*" && covers(&m.range, essence))
        })
        .or_else(|| media.iter().find(|m| m.range == "*/*"))
}

/// A body read for checking.
#[derive(Debug, PartialEq)]
pub enum Read {
    /// The value to check.
    Value(Value),
    /// Unreadable as its media type (malformed JSON, broken multipart): why.
    Malformed(String),
    /// A part's content type is not among the declared ones: (part name, allowed).
    PartType(String, String),
    /// Not checked (opaque media types).
    Skip,
}

/// Reads `body` sent as `content_type` for media `m`.
pub fn read(content_type: &str, body: &Bytes, m: &Media) -> Read {
    let ess = essence(content_type);
    match kind_of(&ess) {
        Kind::Json => match serde_json::from_slice::<Value>(body) {
            Ok(v) => Read::Value(v),
            Err(e) => Read::Malformed(format!(
                "the body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            )),
        },
        Kind::Text => match std::str::from_utf8(body) {
            Ok(s) => Read::Value(Value::String(s.to_string())),
            Err(_) => Read::Malformed("the body is not UTF-8 text".into()),
        },
        Kind::Form => read_form(body, m),
        Kind::Multipart => read_multipart(content_type, body, m),
        Kind::Opaque => Read::Skip,
    }
}

fn field_shape<'a>(m: &'a Media, name: &str) -> Option<&'a Shape> {
    m.fields.iter().find(|(k, _)| k == name).map(|(_, s)| s)
}

fn encoding<'a>(m: &'a Media, name: &str) -> Option<&'a PartEncoding> {
    m.encoding.iter().find(|(k, _)| k == name).map(|(_, e)| e)
}

fn wants_json(m: &Media, name: &str) -> bool {
    encoding(m, name)
        .and_then(|e| e.content_type.as_deref())
        .is_some_and(|ct| kind_of(&essence(ct)) == Kind::Json)
}

fn read_form(body: &Bytes, m: &Media) -> Read {
    let Ok(text) = std::str::from_utf8(body) else {
        return Read::Malformed("the form body is not UTF-8".into());
    };
    let pairs = query_pairs(text);
    let mut out = Map::new();
    for (k, raw) in &pairs {
        if out.contains_key(k) {
            continue;
        }
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
            .collect();
        let v = if wants_json(m, k) {
            match serde_json::from_str::<Value>(&decode(raw, true)) {
                Ok(v) => v,
                Err(_) => return Read::Malformed(format!("form field `{k}` is not valid JSON")),
            }
        } else {
            let enc = encoding(m, k);
            let explode = enc.is_none_or(|e| e.explode);
            match field_shape(m, k) {
                Some(Shape::Array(p)) => {
                    let items: Vec<String> = if explode {
                        values.iter().map(|v| decode(v, true)).collect()
                    } else {
                        let sep = match enc.map(|e| e.style) {
                            Some(Style::SpaceDelimited) => ' ',
                            Some(Style::PipeDelimited) => '|',
                            _ => ',',
                        };
                        decode(raw, true).split(sep).map(str::to_string).collect()
                    };
                    Value::Array(items.iter().map(|s| coerce(s, *p)).collect())
                }
                Some(s) => coerce(&decode(raw, true), s.prop("")),
                None => Value::String(decode(raw, true)),
            }
        };
        out.insert(k.clone(), v);
    }
    Read::Value(Value::Object(out))
}

fn read_multipart(content_type: &str, body: &Bytes, m: &Media) -> Read {
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Read::Malformed("multipart body without a boundary in Content-Type".into());
    };
    let data = body.clone();
    let stream =
        futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(data) });
    let mut mp = multer::Multipart::new(stream, boundary);
    // The whole body is in memory, so every future is ready at once.
    let fut = async {
        let mut parts: Vec<(String, Option<String>, bool, Bytes)> = Vec::new();
        while let Some(field) = mp.next_field().await? {
            let name = field.name().unwrap_or("").to_string();
            let ct = field.content_type().map(|m| m.essence_str().to_string());
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await?;
            parts.push((name, ct, is_file, bytes));
        }
        Ok::<_, multer::Error>(parts)
    };
    let parts = match fut.now_or_never() {
        Some(Ok(p)) => p,
        Some(Err(e)) => return Read::Malformed(format!("the multipart body is malformed: {e}")),
        None => return Read::Malformed("the multipart body is incomplete".into()),
    };
    let mut out = Map::new();
    for (name, ct, is_file, bytes) in &parts {
        if let (Some(allowed), Some(ct)) = (
            encoding(m, name).and_then(|e| e.content_type.as_deref()),
            ct,
        ) {
            if !allowed.split(',').any(|r| covers(r.trim(), ct)) {
                return Read::PartType(name.clone(), allowed.to_string());
            }
        }
        let json = wants_json(m, name) || ct.as_deref().is_some_and(|c| kind_of(c) == Kind::Json);
        let value = if json {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => v,
                Err(_) => return Read::Malformed(format!("part `{name}` is not valid JSON")),
            }
        } else {
            match (std::str::from_utf8(bytes), is_file) {
                // Files and binary parts are checked for presence, not content.
                (Ok(s), false) => {
                    let prim = match field_shape(m, name) {
                        Some(Shape::Prim(p)) | Some(Shape::Array(p)) => *p,
                        _ => Prim::Str,
                    };
                    coerce(s, prim)
                }
                _ => Value::String(String::new()),
            }
        };
        match (field_shape(m, name), out.get_mut(name)) {
            (Some(Shape::Array(_)), Some(Value::Array(a))) => a.push(value),
            (Some(Shape::Array(_)), None) => {
                out.insert(name.clone(), Value::Array(vec![value]));
            }
            (_, Some(_)) => {}
            (_, None) => {
                out.insert(name.clone(), value);
            }
        }
    }
    Read::Value(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn media(range: &str) -> Media {
        Media {
            range: range.into(),
            check: None,
            fields: vec![
                ("n".into(), Shape::Prim(Prim::Int)),
                ("tags".into(), Shape::Array(Prim::Str)),
                ("ids".into(), Shape::Array(Prim::Int)),
                ("meta".into(), Shape::Object(vec![], Prim::Str)),
            ],
            encoding: vec![
                (
                    "ids".into(),
                    PartEncoding {
                        content_type: None,
                        style: Style::Form,
                        explode: false,
                    },
                ),
                (
                    "meta".into(),
                    PartEncoding {
                        content_type: Some("application/json".into()),
                        style: Style::Form,
                        explode: true,
                    },
                ),
                (
                    "avatar".into(),
                    PartEncoding {
                        content_type: Some("image/png, image/jpeg".into()),
                        style: Style::Form,
                        explode: true,
                    },
                ),
            ],
            spec: None,
        }
    }

    #[test]
    fn picks_the_most_specific_media_type() {
        let ms = vec![media("*/*"), media("image/*"), media("application/json")];
        assert_eq!(
            pick(&ms, "application/json").unwrap().range,
            "application/json"
        );
        assert_eq!(pick(&ms, "image/png").unwrap().range, "image/*");
        assert_eq!(pick(&ms, "text/plain").unwrap().range, "*/*");
        assert!(pick(&ms[2..], "text/plain").is_none());
        assert_eq!(
            essence("Application/JSON; charset=utf-8"),
            "application/json"
        );
    }

    #[test]
    fn forms_coerce_and_decode() {
        let m = media("application/x-www-form-urlencoded");
        let body = Bytes::from_static(b"n=5&tags=a&tags=b+c&ids=1,2&meta=%7B%22k%22%3A1%7D&x=y");
        assert_eq!(
            read("application/x-www-form-urlencoded", &body, &m),
            Read::Value(
                json!({"n": 5, "tags": ["a", "b c"], "ids": [1, 2], "meta": {"k": 1}, "x": "y"})
            )
        );
        assert!(matches!(
            read(
                "application/x-www-form-urlencoded",
                &Bytes::from_static(b"meta={"),
                &m
            ),
            Read::Malformed(_)
        ));
    }

    #[test]
    fn multipart_parts() {
        let m = media("multipart/form-data");
        let body = "--XX\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n7\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n1\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n2\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":[1]}\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x01\x02\r\n\
                    --XX--\r\n";
        let ct = "multipart/form-data; boundary=XX";
        assert_eq!(
            read(ct, &Bytes::from(body), &m),
            Read::Value(json!({"n": 7, "ids": [1, 2], "meta": {"a": [1]}, "avatar": ""}))
        );
        let bad_type = body.replace("Content-Type: image/png", "Content-Type: image/gif");
        assert_eq!(
            read(ct, &Bytes::from(bad_type), &m),
            Read::PartType("avatar".into(), "image/png, image/jpeg".into())
        );
        assert!(matches!(
            read(ct, &Bytes::from_static(b"--XX\r\ngarbage"), &m),
            Read::Malformed(_)
        ));
        assert!(matches!(
            read("multipart/form-data", &Bytes::new(), &m),
            Read::Malformed(_)
        ));
    }

    #[test]
    fn json_and_text() {
        let m = media("application/json");
        assert_eq!(
            read("application/json", &Bytes::from_static(b"[1]"), &m),
            Read::Value(json!([1]))
        );
        assert!(matches!(
            read("application/json", &Bytes::from_static(b"{"), &m),
            Read::Malformed(_)
        ));
        assert_eq!(
            read("text/plain", &Bytes::from_static(b"hi"), &m),
            Read::Value(json!("hi"))
        );
        assert_eq!(
            read("image/png", &Bytes::from_static(b"\x89PNG"), &m),
            Read::Skip
        );
    }
}
