//! Operations: parameters by location, the request body, and the responses by status, typed
//! through [`Schemas`].

use std::collections::BTreeSet;

use contracts::openapi::{Operation, Ptr};
use serde_json::Value;

use super::schema::{child, doc_of, optional, Dflt, Dir, Schemas, JSON};
use crate::ir::Ty;
use crate::naming::{type_ident, Namer};

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum In {
    Path,
    Query,
    Header,
    Cookie,
}

/// A parameter or a response header.
#[derive(Clone, Debug)]
pub(super) struct Param {
    pub wire: String,
    pub ident: String,
    pub location: In,
    /// The type of one value (a list's `Vec` included, `Option` not).
    pub ty: Ty,
    pub list: bool,
    pub required: bool,
    pub explode: bool,
    pub doc: Option<String>,
    /// The schema's constraints, checked after decoding (see `Schemas::checks`).
    pub checks: Vec<(&'static str, String)>,
    /// The schema's `default` for an optional parameter: used when it is absent, so the field
    /// is not an `Option`.
    pub default: Option<Dflt>,
}

impl Param {
    /// The field type: `Option` unless required or defaulted.
    pub fn field_ty(&self) -> Ty {
        if self.required || self.default.is_some() {
            self.ty.clone()
        } else {
            optional(self.ty.clone())
        }
    }
}

/// How a body is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Carry {
    Json,
    Text,
    /// Binary media types: streamed both ways (`contract_runtime::stream::ByteStream`).
    Bytes,
    /// `application/x-www-form-urlencoded` or `multipart/form-data` into a typed struct
    /// (request bodies).
    Form,
}

/// A request or response body.
#[derive(Clone, Debug)]
pub(super) struct Body {
    pub media: String,
    pub carry: Carry,
    pub ty: Ty,
    pub required: bool,
    /// For a multipart body: the fields sent as file parts (`format: binary`).
    pub binary: Vec<String>,
}

/// A response status as the contract keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Status {
    Code(u16),
    /// `2XX` → 2.
    Range(u16),
    Default,
}

/// One response of an operation: a variant of its response enum.
#[derive(Clone, Debug)]
pub(super) struct Response {
    pub status: Status,
    pub variant: String,
    pub doc: Option<String>,
    pub body: Option<Body>,
    pub headers: Vec<Param>,
}

/// One operation.
#[derive(Clone, Debug)]
pub(super) struct Op {
    pub method: &'static str,
    pub path: String,
    /// Method name (snake case).
    pub name: String,
    /// `…Params` struct name, when there are parameters.
    pub params_type: Option<String>,
    /// `…Response` enum name.
    pub response_type: String,
    pub doc: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
}

/// Headers OpenAPI says parameters cannot define.
const IGNORED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// Builds every operation, in document order.
pub(super) fn operations(s: &mut Schemas<'_>, methods: &mut Namer) -> Vec<Op> {
    let api = s.api;
    let mut out = Vec::new();
    for op in api.operations() {
        out.push(operation(s, methods, &op));
    }
    out
}

fn operation(s: &mut Schemas<'_>, methods: &mut Namer, op: &Operation<'_>) -> Op {
    let id = op
        .value
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| synthesized_id(op.method, op.path));
    let name = methods.field_name(&id, "operation");
    let prefix = type_ident(&id, "Operation");
    let doc = op
        .value
        .get("summary")
        .or_else(|| op.value.get("description"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string);

    s.dir = Dir::Request;
    let params = parameters(s, op, &prefix);
    let body = request_body(s, &op.ptr, &prefix);
    s.dir = Dir::Response;
    let responses = responses(s, &op.ptr, &prefix);
    let params_type = (!params.is_empty()).then(|| s.space.claim_name(&format!("{prefix}Params")));
    let response_type = s.space.claim_name(&format!("{prefix}Response"));
    Op {
        method: op.method,
        path: op.path.to_string(),
        name,
        params_type,
        response_type,
        doc,
        params,
        body,
        responses,
    }
}

/// `get /pokemon/{id}` → `get_pokemon_id`.
fn synthesized_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        format!("{method}_root")
    } else {
        format!("{method}_{}", words.join("_"))
    }
}

fn parameters(s: &mut Schemas<'_>, op: &Operation<'_>, prefix: &str) -> Vec<Param> {
    let api = s.api;
    // Path-item parameters, overridden by the operation's own (same name and location).
    let mut list: Vec<(String, String, Ptr)> = Vec::new();
    for base in [
        child(&op.path_item, "parameters"),
        child(&op.ptr, "parameters"),
    ] {
        let n = api.get(&base).and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..n {
            let at = child(&base, &i.to_string());
            let target = api.deref(&at).unwrap_or(at);
            let Some(pv) = api.get(&target) else { continue };
            let (Some(name), Some(loc)) = (
                pv.get("name").and_then(Value::as_str),
                pv.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            list.retain(|(n, l, _)| !(n == name && l == loc));
            list.push((name.to_string(), loc.to_string(), target));
        }
    }
    let mut namer = Namer::new();
    let mut out = Vec::new();
    for (name, loc, at) in list {
        let location = match loc.as_str() {
            "path" => In::Path,
            "query" => In::Query,
            "header" if IGNORED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) => continue,
            "header" => In::Header,
            "cookie" => In::Cookie,
            _ => continue,
        };
        let Some(pv) = api.get(&at) else { continue };
        let required =
            location == In::Path || pv.get("required").and_then(Value::as_bool) == Some(true);
        let default_style = match location {
            In::Query | In::Cookie => "form",
            In::Path | In::Header => "simple",
        };
        let style = pv
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or(default_style);
        let explode = pv
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        let hint = format!("{prefix}{}", type_ident(&name, "Param"));
        let ty = param_type(s, &at, &hint, &name);
        let list = matches!(ty, Ty::Vec(_));
        let schema_at = child(&at, "schema");
        let schema_at = s.api.deref(&schema_at).unwrap_or(schema_at);
        let schema = s.api.get(&schema_at).cloned().unwrap_or(Value::Null);
        let checks = if super::schema::checkable(&ty) {
            s.checks(&schema_at, &schema)
        } else {
            Vec::new()
        };
        let ty = strip_option(ty);
        let default = match schema.get("default") {
            Some(d) if !required => s.default_of(&schema_at, &name, &ty, d),
            _ => None,
        };
        out.push(Param {
            ident: namer.field_name(&name, "param"),
            wire: if location == In::Header {
                name.to_ascii_lowercase()
            } else {
                name.clone()
            },
            location,
            ty,
            list,
            required,
            explode,
            doc: doc_of(pv),
            checks,
            default,
        });
    }
    out
}

/// The type of a parameter's or header's values; what cannot be text (objects, nested lists)
/// degrades to `String` with a warning.
fn param_type(s: &mut Schemas<'_>, at: &Ptr, hint: &str, name: &str) -> Ty {
    let schema = child(at, "schema");
    if s.api.get(&schema).is_none() {
        if s.api.get(at).and_then(|v| v.get("content")).is_some() {
            s.warn(
                at,
                format!("parameter {name} is described by `content`: it is passed as text"),
                "describe it with `schema` to get a typed parameter",
            );
        }
        return Ty::path("String");
    }
    let ty = s.ty(&schema, hint);
    if text_like(s, &strip_option(ty.clone()), true) {
        ty
    } else {
        s.warn(
            at,
            format!("parameter {name} is not a scalar or a list of scalars: it is passed as text"),
            "use a scalar, an enum or a list of them",
        );
        Ty::path("String")
    }
}

fn strip_option(t: Ty) -> Ty {
    match t {
        Ty::Option(inner) => *inner,
        t => t,
    }
}

/// Whether values of `t` can be written as text (scalars, enums, one level of list).
fn text_like(s: &Schemas<'_>, t: &Ty, list_ok: bool) -> bool {
    use super::schema::Kind;
    match t {
        Ty::Extern(p) => p != JSON && !p.contains("Map"),
        Ty::Vec(inner) if list_ok => text_like(s, inner, false),
        Ty::Option(inner) => text_like(s, inner, list_ok),
        Ty::Named(id) => match s.space.get(*id).and_then(|d| d.kind.as_ref()) {
            Some(Kind::StrEnum { .. } | Kind::IntEnum { .. } | Kind::ValueEnum { .. }) => true,
            Some(Kind::Alias(t)) => text_like(s, t, list_ok),
            _ => false,
        },
        _ => false,
    }
}

/// Picks how to carry a `content` map: JSON if any JSON media type, else text, else bytes.
fn pick_media(
    s: &mut Schemas<'_>,
    content_at: &Ptr,
    hint: &str,
    request: bool,
) -> Option<(String, Carry, Ty)> {
    let content = s.api.get(content_at)?.as_object()?;
    let medias: Vec<String> = content.keys().cloned().collect();
    let is_json = |m: &str| {
        let m = m.split(';').next().unwrap_or(m).trim().to_ascii_lowercase();
        m == "application/json" || m.ends_with("+json")
    };
    let is_form = |m: &str| {
        let m = m.split(';').next().unwrap_or(m).trim().to_ascii_lowercase();
        m == "application/x-www-form-urlencoded" || m == "multipart/form-data"
    };
    // A form body is typed when its schema is an object with properties.
    let object_schema = |s: &Schemas<'_>, m: &str| {
        let at = child(&child(content_at, m), "schema");
        let at = s.api.deref(&at).unwrap_or(at);
        s.api
            .get(&at)
            .is_some_and(|v| v.get("properties").is_some_and(Value::is_object))
    };
    let (media, carry) = if let Some(m) = medias.iter().find(|m| is_json(m)) {
        (m.clone(), Carry::Json)
    } else if let Some(m) = medias
        .iter()
        .find(|m| request && is_form(m) && object_schema(s, m))
    {
        (m.clone(), Carry::Form)
    } else if let Some(m) = medias.iter().find(|m| m.starts_with("text/")) {
        (m.clone(), Carry::Text)
    } else {
        (medias.first()?.clone(), Carry::Bytes)
    };
    if medias.len() > 1 {
        s.warn(
            content_at,
            format!(
                "{hint}: only {media} of {} media types is generated",
                medias.len()
            ),
            "nothing to do if clients use that media type",
        );
    }
    let ty = match carry {
        Carry::Json | Carry::Form => {
            let schema = child(&child(content_at, &media), "schema");
            if s.api.get(&schema).is_some() {
                s.ty(&schema, hint)
            } else {
                Ty::path(JSON)
            }
        }
        Carry::Text => Ty::path("String"),
        Carry::Bytes => {
            if media.starts_with("multipart/") || media == "application/x-www-form-urlencoded" {
                s.warn(
                    content_at,
                    format!("{hint}: {media} is passed as raw bytes"),
                    "decode the body in the handler (multipart and form bodies are not typed yet)",
                );
            }
            Ty::path("::contract_runtime::stream::ByteStream")
        }
    };
    Some((media, carry, ty))
}

fn request_body(s: &mut Schemas<'_>, op: &Ptr, prefix: &str) -> Option<Body> {
    let at = child(op, "requestBody");
    s.api.get(&at)?;
    let target = s.api.deref(&at).unwrap_or(at);
    let required = s
        .api
        .get(&target)
        .and_then(|v| v.get("required"))
        .and_then(Value::as_bool)
        == Some(true);
    let content = child(&target, "content");
    let (media, carry, ty) = pick_media(s, &content, &format!("{prefix}Body"), true)?;
    let binary = if carry == Carry::Form {
        binary_fields(s, &child(&content, &media))
    } else {
        Vec::new()
    };
    Some(Body {
        media,
        carry,
        ty: strip_option_if(ty, carry),
        required,
        binary,
    })
}

/// The properties of a form body sent as file parts: `format: binary` (3.0), a
/// `contentMediaType` (3.1), or an `encoding` entry with a non-text content type.
fn binary_fields(s: &Schemas<'_>, media_at: &Ptr) -> Vec<String> {
    let at = child(media_at, "schema");
    let at = s.api.deref(&at).unwrap_or(at);
    let encoding = s.api.get(&child(media_at, "encoding")).cloned();
    let Some(props) = s
        .api
        .get(&at)
        .and_then(|v| v.get("properties"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in props.keys() {
        let p_at = child(&child(&at, "properties"), name);
        let p_at = s.api.deref(&p_at).unwrap_or(p_at);
        let Some(p) = s.api.get(&p_at) else { continue };
        let binary_format = p.get("format").and_then(Value::as_str) == Some("binary")
            || p.get("contentMediaType").is_some();
        let encoded = encoding
            .as_ref()
            .and_then(|e| e.get(name))
            .and_then(|e| e.get("contentType"))
            .and_then(Value::as_str)
            .is_some_and(|ct| !ct.starts_with("text/") && !ct.contains("json"));
        if binary_format || encoded {
            out.push(name.clone());
        }
    }
    out
}

/// A JSON body's type may be nullable (`Option`); text and bytes never are.
fn strip_option_if(t: Ty, carry: Carry) -> Ty {
    match carry {
        Carry::Json | Carry::Form => t,
        _ => strip_option(t),
    }
}

fn responses(s: &mut Schemas<'_>, op: &Ptr, prefix: &str) -> Vec<Response> {
    let at = child(op, "responses");
    let Some(map) = s.api.get(&at).and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut keyed: Vec<(Status, String)> = map
        .keys()
        .filter_map(|k| {
            let status = if k == "default" {
                Status::Default
            } else if let Ok(code) = k.parse::<u16>() {
                Status::Code(code)
            } else {
                let lower = k.to_ascii_lowercase();
                let first = lower.strip_suffix("xx")?.parse::<u16>().ok()?;
                Status::Range(first)
            };
            Some((status, k.clone()))
        })
        .collect();
    keyed.sort();
    let mut variants = Namer::new();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (status, k) in keyed {
        if !seen.insert(status) {
            continue;
        }
        let r_at = child(&at, &k);
        let target = s.api.deref(&r_at).unwrap_or(r_at);
        let variant = variants.type_name(&variant_name(status), "Status");
        let hint = format!("{prefix}{variant}");
        let body = pick_media(s, &child(&target, "content"), &format!("{hint}Body"), false).map(
            |(media, carry, ty)| Body {
                media,
                carry,
                ty: strip_option_if(ty, carry),
                required: true,
                binary: Vec::new(),
            },
        );
        let mut header_names = Namer::new();
        header_names.reserve("body");
        header_names.reserve("status");
        let mut headers = Vec::new();
        let h_at = child(&target, "headers");
        let names: Vec<String> = s
            .api
            .get(&h_at)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let at = child(&h_at, &name);
            let at = s.api.deref(&at).unwrap_or(at);
            let hv = s.api.get(&at).cloned().unwrap_or(Value::Null);
            let ty = param_type(
                s,
                &at,
                &format!("{hint}{}", type_ident(&name, "Header")),
                &name,
            );
            headers.push(Param {
                ident: header_names.field_name(&name, "header"),
                wire: name.to_ascii_lowercase(),
                location: In::Header,
                list: matches!(ty, Ty::Vec(_)),
                ty: strip_option(ty),
                required: hv.get("required").and_then(Value::as_bool) == Some(true),
                explode: false,
                doc: doc_of(&hv),
                checks: Vec::new(),
                default: None,
            });
        }
        let doc = s
            .api
            .get(&target)
            .and_then(|v| v.get("description"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        out.push(Response {
            status,
            variant,
            doc,
            body,
            headers,
        });
    }
    out
}

/// `200` → `Ok`, `404` → `NotFound`, `2XX` → `Status2xx`, `default` → `Default`.
fn variant_name(status: Status) -> String {
    match status {
        Status::Default => "Default".to_string(),
        Status::Range(n) => format!("Status{n}xx"),
        Status::Code(c) => match http_reason(c) {
            Some(r) => r.to_string(),
            None => format!("Status{c}"),
        },
    }
}

fn http_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        207 => "MultiStatus",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        414 => "UriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        417 => "ExpectationFailed",
        418 => "ImATeapot",
        422 => "UnprocessableEntity",
        423 => "Locked",
        424 => "FailedDependency",
        425 => "TooEarly",
        426 => "UpgradeRequired",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        451 => "UnavailableForLegalReasons",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        _ => return None,
    })
}
