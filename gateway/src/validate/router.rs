//! The route matcher: path templates under each `servers` base path, templated segments (whole
//! or partial, like `{name}.{ext}`), percent-decoded literal comparison, concrete paths before
//! templated ones, the trailing-slash policy, and the methods declared per path (405 + `Allow`).

use std::borrow::Cow;

use http::Method;
use percent_encoding::percent_decode_str;

use crate::config::TrailingSlash;

/// One piece of a templated segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// A literal segment, compared after percent-decoding the request's.
    Lit(String),
    /// A segment with one or more `{variables}`.
    Pattern(Vec<Part>),
}

#[derive(Debug)]
struct PathEntry {
    segs: Vec<Seg>,
    trailing_slash: bool,
    /// Literal segments score 2, partial patterns 1, whole variables 0: higher wins, left first.
    score: Vec<u8>,
    methods: Vec<(Method, usize)>,
}

/// Where a request path lands.
#[derive(Debug, PartialEq, Eq)]
pub enum Routed {
    /// The operation index and the raw (percent-encoded) value of each path variable.
    Found(usize, Vec<(String, String)>),
    /// The path exists with other methods.
    MethodNotAllowed(Vec<Method>),
    /// No path matches.
    NotFound,
}

/// Every path template of a contract.
#[derive(Debug, Default)]
pub struct Router {
    /// Base paths from `servers`, split into segments, longest first.
    bases: Vec<Vec<String>>,
    paths: Vec<PathEntry>,
}

impl Router {
    /// A router under these base paths (`/v1`, or empty for the root).
    pub fn new(base_paths: &[String]) -> Router {
        let mut bases: Vec<Vec<String>> = base_paths
            .iter()
            .map(|b| {
                b.split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        if bases.is_empty() {
            bases.push(Vec::new());
        }
        bases.sort_by_key(|b| std::cmp::Reverse(b.len()));
        bases.dedup();
        Router {
            bases,
            paths: Vec::new(),
        }
    }

    /// Adds an operation at a path template; a malformed template (an unclosed `{`) is an error.
    pub fn add(&mut self, template: &str, method: Method, op: usize) -> Result<(), String> {
        if !template.starts_with('/') {
            return Err(format!("path `{template}` does not start with `/`"));
        }
        let trailing_slash = template.len() > 1 && template.ends_with('/');
        let mut segs = Vec::new();
        for raw in template.trim_end_matches('/').split('/').skip(1) {
            segs.push(parse_segment(raw).ok_or_else(|| {
                format!("path `{template}` has a malformed template segment `{raw}`")
            })?);
        }
        if let Some(e) = self
            .paths
            .iter_mut()
            .find(|p| p.segs == segs && p.trailing_slash == trailing_slash)
        {
            e.methods.push((method, op));
            return Ok(());
        }
        let score = segs
            .iter()
            .map(|s| match s {
                Seg::Lit(_) => 2,
                Seg::Pattern(p) if p.iter().any(|x| matches!(x, Part::Lit(_))) => 1,
                Seg::Pattern(_) => 0,
            })
            .collect();
        self.paths.push(PathEntry {
            segs,
            trailing_slash,
            score,
            methods: vec![(method, op)],
        });
        // Concrete before templated; stable for equal scores (document order).
        self.paths.sort_by(|a, b| b.score.cmp(&a.score));
        Ok(())
    }

    /// Finds the operation for `method` at the raw request `path` (no query string).
    pub fn route(&self, method: &Method, path: &str, policy: TrailingSlash) -> Routed {
        let Some(rest) = path.strip_prefix('/') else {
            return Routed::NotFound;
        };
        let req_trailing = path.len() > 1 && path.ends_with('/');
        let raw: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.trim_end_matches('/').split('/').collect()
        };
        // Borrowed unless a segment holds an escape.
        let decoded: Vec<Cow<'_, str>> = raw
            .iter()
            .map(|s| percent_decode_str(s).decode_utf8_lossy())
            .collect();
        let mut allowed: Vec<Method> = Vec::new();
        for base in &self.bases {
            if decoded.len() < base.len() || decoded[..base.len()] != base[..] {
                continue;
            }
            let (raw, decoded) = (&raw[base.len()..], &decoded[base.len()..]);
            for entry in &self.paths {
                if policy == TrailingSlash::Strict && entry.trailing_slash != req_trailing {
                    continue;
                }
                let Some(vars) = match_entry(entry, raw, decoded) else {
                    continue;
                };
                let want = entry.methods.iter().find(|(m, _)| m == method).or_else(|| {
                    // HEAD is answered by GET where HEAD is not declared.
                    (*method == Method::HEAD)
                        .then(|| entry.methods.iter().find(|(m, _)| *m == Method::GET))
                        .flatten()
                });
                if let Some((_, op)) = want {
                    return Routed::Found(*op, vars);
                }
                for (m, _) in &entry.methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
                }
            }
        }
        if allowed.is_empty() {
            Routed::NotFound
        } else {
            if allowed.contains(&Method::GET) && !allowed.contains(&Method::HEAD) {
                allowed.push(Method::HEAD);
            }
            Routed::MethodNotAllowed(allowed)
        }
    }
}

fn parse_segment(raw: &str) -> Option<Seg> {
    if !raw.contains('{') && !raw.contains('}') {
        return Some(Seg::Lit(raw.to_string()));
    }
    let mut parts = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}')?;
                let name = &rest[1..end];
                if name.is_empty() || name.contains('{') {
                    return None;
                }
                parts.push(Part::Var(name.to_string()));
                rest = &rest[end + 1..];
            }
            Some(i) => {
                parts.push(Part::Lit(rest[..i].to_string()));
                rest = &rest[i..];
            }
            None => {
                if rest.contains('}') {
                    return None;
                }
                parts.push(Part::Lit(rest.to_string()));
                rest = "";
            }
        }
    }
    Some(Seg::Pattern(parts))
}

fn match_entry(
    entry: &PathEntry,
    raw: &[&str],
    decoded: &[Cow<'_, str>],
) -> Option<Vec<(String, String)>> {
    if entry.segs.len() != raw.len() {
        return None;
    }
    let mut vars = Vec::new();
    for ((seg, r), d) in entry.segs.iter().zip(raw).zip(decoded) {
        match seg {
            Seg::Lit(l) => {
                if l != d {
                    return None;
                }
            }
            Seg::Pattern(parts) => {
                if r.is_empty() || !match_parts(parts, r, &mut vars) {
                    return None;
                }
            }
        }
    }
    Some(vars)
}

/// Matches `s` against pieces; variables take at least one character, and a variable followed
/// by a literal ends at one of that literal's occurrences (tried left to right).
fn match_parts(parts: &[Part], s: &str, vars: &mut Vec<(String, String)>) -> bool {
    match parts.split_first() {
        None => s.is_empty(),
        Some((Part::Lit(l), rest)) => s
            .strip_prefix(l.as_str())
            .is_some_and(|tail| match_parts(rest, tail, vars)),
        Some((Part::Var(name), rest)) => match rest.first() {
            None => {
                if s.is_empty() {
                    return false;
                }
                vars.push((name.clone(), s.to_string()));
                true
            }
            Some(Part::Lit(l)) => {
                for (i, _) in s.match_indices(l.as_str()) {
                    if i == 0 {
                        continue;
                    }
                    let mark = vars.len();
                    vars.push((name.clone(), s[..i].to_string()));
                    if match_parts(rest, &s[i..], vars) {
                        return true;
                    }
                    vars.truncate(mark);
                }
                false
            }
            Some(Part::Var(_)) => {
                // Adjacent variables: the first takes one character.
                let Some(c) = s.chars().next() else {
                    return false;
                };
                let mark = vars.len();
                vars.push((name.clone(), c.to_string()));
                if match_parts(rest, &s[c.len_utf8()..], vars) {
                    return true;
                }
                vars.truncate(mark);
                false
            }
        },
    }
}

/// The path part of a `servers[].url`, with `{variables}` replaced by their defaults; empty
/// for the root.
pub fn server_base_path(url: &str, defaults: &dyn Fn(&str) -> Option<String>) -> String {
    let mut s = String::new();
    let mut rest = url;
    while let Some(i) = rest.find('{') {
        s.push_str(&rest[..i]);
        let Some(end) = rest[i..].find('}') else {
            break;
        };
        let name = &rest[i + 1..i + end];
        s.push_str(&defaults(name).unwrap_or_default());
        rest = &rest[i + end + 1..];
    }
    s.push_str(rest);
    let path = match s.find("://") {
        Some(i) => {
            let after = &s[i + 3..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None if s.starts_with("//") => {
            let after = &s[2..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None => s.as_str(),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::new(&["/v1".to_string(), String::new()]);
        r.add("/pets", Method::GET, 0).unwrap();
        r.add("/pets", Method::POST, 1).unwrap();
        r.add("/pets/{id}", Method::GET, 2).unwrap();
        r.add("/pets/mine", Method::GET, 3).unwrap();
        r.add("/files/{name}.{ext}", Method::GET, 4).unwrap();
        r.add("/a b/{x}/", Method::PUT, 5).unwrap();
        r
    }

    #[test]
    fn routes_by_template_and_method() {
        let r = router();
        let s = TrailingSlash::Strict;
        assert_eq!(
            r.route(&Method::GET, "/v1/pets", s),
            Routed::Found(0, vec![])
        );
        assert_eq!(r.route(&Method::POST, "/pets", s), Routed::Found(1, vec![]));
        assert_eq!(
            r.route(&Method::GET, "/v1/pets/a%2Fb", s),
            Routed::Found(2, vec![("id".into(), "a%2Fb".into())])
        );
        assert_eq!(
            r.route(&Method::GET, "/pets/mine", s),
            Routed::Found(3, vec![])
        );
        assert_eq!(
            r.route(&Method::GET, "/files/report.v2.pdf", s),
            Routed::Found(
                4,
                vec![
                    ("name".into(), "report".into()),
                    ("ext".into(), "v2.pdf".into())
                ]
            )
        );
        assert_eq!(
            r.route(&Method::HEAD, "/pets/1", s),
            Routed::Found(2, vec![("id".into(), "1".into())])
        );
        match r.route(&Method::DELETE, "/pets", s) {
            Routed::MethodNotAllowed(m) => {
                assert_eq!(m, vec![Method::GET, Method::POST, Method::HEAD])
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(r.route(&Method::GET, "/v2/pets", s), Routed::NotFound);
        assert_eq!(r.route(&Method::GET, "/pets/1/x", s), Routed::NotFound);
        assert_eq!(r.route(&Method::GET, "/pets/", s), Routed::NotFound);
        assert_eq!(r.route(&Method::GET, "pets", s), Routed::NotFound);
        // Literal segments compare decoded.
        assert_eq!(
            r.route(&Method::PUT, "/a%20b/1/", s),
            Routed::Found(5, vec![("x".into(), "1".into())])
        );
    }

    #[test]
    fn trailing_slash_policy() {
        let r = router();
        let i = TrailingSlash::Ignore;
        assert_eq!(r.route(&Method::GET, "/pets/", i), Routed::Found(0, vec![]));
        assert_eq!(
            r.route(&Method::PUT, "/a%20b/1", i),
            Routed::Found(5, vec![("x".into(), "1".into())])
        );
        assert_eq!(
            r.route(&Method::PUT, "/a%20b/1", TrailingSlash::Strict),
            Routed::NotFound
        );
    }

    #[test]
    fn malformed_templates_are_errors() {
        let mut r = Router::new(&[]);
        assert!(r.add("/a/{b", Method::GET, 0).is_err());
        assert!(r.add("/a/{}", Method::GET, 0).is_err());
        assert!(r.add("a", Method::GET, 0).is_err());
    }

    #[test]
    fn server_paths() {
        let d = |n: &str| (n == "version").then(|| "v2".to_string());
        assert_eq!(server_base_path("https://api.example.com/v1/", &d), "/v1");
        assert_eq!(server_base_path("https://api.example.com", &d), "");
        assert_eq!(server_base_path("/api/{version}", &d), "/api/v2");
        assert_eq!(server_base_path("{scheme}://h:{port}/x", &d), "/x");
        assert_eq!(server_base_path("//h/y", &d), "/y");
    }
}
