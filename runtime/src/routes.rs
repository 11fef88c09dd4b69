//! A route table for OpenAPI path templates: `/pokemon/{id}`, `/files/{name}.json`. Concrete
//! paths win over templated ones (`/pokemon/me` over `/pokemon/{id}`); among equals, the
//! first in the table. Building never fails: any set of templates is a valid table, unlike a
//! router that refuses overlapping patterns at start-up.

/// One segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `prefix{name}suffix`
    Param {
        prefix: String,
        name: String,
        suffix: String,
    },
}

#[derive(Debug, Clone)]
struct Route {
    method: String,
    segments: Vec<Segment>,
    /// Template with parameter names erased, to group routes of one path.
    shape: String,
    op: usize,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The operation at this index of the table, with the path parameters (percent-decoded).
    Found(usize, Vec<(String, String)>),
    /// A path of the contract, but not with this method: the methods it has.
    MethodNotAllowed(Vec<String>),
    /// No path of the contract.
    NotFound,
}

/// Operations by (method, path template).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// A table of `(method, template)` pairs; the index of a pair is its operation number.
    pub fn new(routes: &[(&str, &str)]) -> Self {
        let routes = routes
            .iter()
            .enumerate()
            .map(|(op, (method, template))| {
                let segments: Vec<Segment> = split(template).map(parse_segment).collect();
                let shape = segments
                    .iter()
                    .map(|s| match s {
                        Segment::Literal(l) => l.clone(),
                        Segment::Param { prefix, suffix, .. } => format!("{prefix}{{}}{suffix}"),
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                Route {
                    method: method.to_ascii_uppercase(),
                    segments,
                    shape,
                    op,
                }
            })
            .collect();
        RouteTable { routes }
    }

    /// Finds the operation for a request (`path` without the query string).
    pub fn find(&self, method: &str, path: &str) -> Match {
        let parts: Vec<&str> = split(path).collect();
        // (literal segments, table order) of the best matching shape.
        let mut best: Option<(usize, &Route)> = None;
        for r in &self.routes {
            if r.segments.len() != parts.len() || params(r, &parts).is_none() {
                continue;
            }
            let literals = r
                .segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            if best.is_none_or(|(l, _)| literals > l) {
                best = Some((literals, r));
            }
        }
        let Some((_, shape_route)) = best else {
            return Match::NotFound;
        };
        let same_shape = || self.routes.iter().filter(|r| r.shape == shape_route.shape);
        match same_shape().find(|r| r.method.eq_ignore_ascii_case(method)) {
            Some(r) => Match::Found(r.op, params(r, &parts).unwrap_or_default()),
            None => {
                let mut allow: Vec<String> = same_shape().map(|r| r.method.clone()).collect();
                allow.dedup();
                Match::MethodNotAllowed(allow)
            }
        }
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

fn parse_segment(s: &str) -> Segment {
    if let Some((prefix, rest)) = s.split_once('{') {
        if let Some((name, suffix)) = rest.split_once('}') {
            return Segment::Param {
                prefix: prefix.to_string(),
                name: name.to_string(),
                suffix: suffix.to_string(),
            };
        }
    }
    Segment::Literal(s.to_string())
}

/// The path parameters if `parts` matches the route's segments.
fn params(r: &Route, parts: &[&str]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (seg, part) in r.segments.iter().zip(parts) {
        match seg {
            Segment::Literal(l) => {
                if decode(part) != *l {
                    return None;
                }
            }
            Segment::Param {
                prefix,
                name,
                suffix,
            } => {
                let v = part.strip_prefix(prefix.as_str())?;
                let v = v.strip_suffix(suffix.as_str())?;
                if v.is_empty() {
                    return None;
                }
                out.push((name.clone(), decode(v)));
            }
        }
    }
    Some(out)
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        RouteTable::new(&[
            ("get", "/pokemon/{id}"),
            ("delete", "/pokemon/{name}"),
            ("get", "/pokemon/me"),
            ("get", "/files/{name}.json"),
            ("get", "/"),
        ])
    }

    #[test]
    fn concrete_paths_win_and_parameters_decode() {
        let t = table();
        assert_eq!(
            t.find("GET", "/pokemon/25"),
            Match::Found(0, vec![("id".into(), "25".into())])
        );
        assert_eq!(t.find("GET", "/pokemon/me"), Match::Found(2, vec![]));
        assert_eq!(
            t.find("DELETE", "/pokemon/Mr%2E%20Mime"),
            Match::Found(1, vec![("name".into(), "Mr. Mime".into())])
        );
        assert_eq!(
            t.find("GET", "/files/a%2Fb.json"),
            Match::Found(3, vec![("name".into(), "a/b".into())])
        );
        assert_eq!(t.find("GET", "/"), Match::Found(4, vec![]));
    }

    #[test]
    fn unknown_paths_and_methods() {
        let t = table();
        assert_eq!(t.find("GET", "/nope"), Match::NotFound);
        assert_eq!(t.find("GET", "/pokemon/"), Match::NotFound);
        assert_eq!(t.find("GET", "/files/.json"), Match::NotFound);
        assert_eq!(
            t.find("POST", "/pokemon/1"),
            Match::MethodNotAllowed(vec!["GET".into(), "DELETE".into()])
        );
        // The concrete path has GET only, even though a template allows DELETE.
        assert_eq!(
            t.find("DELETE", "/pokemon/me"),
            Match::MethodNotAllowed(vec!["GET".into()])
        );
    }
}
