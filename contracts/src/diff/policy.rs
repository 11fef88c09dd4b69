//! The policy file (`contract.yaml`): accept specific findings with a reason (and an optional
//! expiry), remap severities per rule id or category, tune format options. Rules never read it;
//! [`Policy::apply`] runs after the rules.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::date::Date;
use super::finding::{Finding, Level};
use super::registry;

/// A parsed policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Default for `--fail-on` (`None` = never), when the command line does not give one.
    pub fail_on: Option<Option<Level>>,
    /// Severity remaps, by normalized rule id or category name.
    pub severity: BTreeMap<String, Level>,
    /// Accepted findings.
    pub accept: Vec<AcceptRule>,
    /// Format options: everything under `openapi:`, `graphql:`, `proto:` as given, for the
    /// format engines to read.
    pub options: BTreeMap<String, Value>,
}

/// One `accept:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptRule {
    /// Rule id as written.
    pub rule: String,
    /// Location: a subject (`GET /pokemon/{id}`), optionally followed by a path.
    pub at: String,
    /// Why it is acceptable (mandatory).
    pub reason: String,
    /// Last day the acceptance holds.
    pub expires: Option<Date>,
    /// JSON pointer of the entry in the policy file, for error locations.
    pub pointer: String,
}

/// Attached to a finding the policy accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    /// The reason from the policy.
    pub reason: String,
    /// The expiry, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

/// A problem in the policy file, at a JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Where (`/accept/0/reason`).
    pub pointer: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What [`Policy::apply`] did, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Acceptances whose expiry has passed and that matched a finding: it fails the gate again.
    pub expired: Vec<AcceptRule>,
    /// Acceptances that matched nothing (stale entries worth deleting).
    pub unused: Vec<AcceptRule>,
}

fn err(pointer: impl Into<String>, message: impl Into<String>) -> PolicyError {
    PolicyError {
        pointer: pointer.into(),
        message: message.into(),
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, PolicyError> {
    v.as_str().ok_or_else(|| err(pointer, "expected a string"))
}

impl Policy {
    /// Reads a policy from its parsed YAML/JSON. Unknown top-level keys are errors (a typo
    /// must not silently disable a policy).
    pub fn from_value(v: &Value) -> Result<Policy, PolicyError> {
        let mut p = Policy::default();
        let Some(map) = v.as_object() else {
            if v.is_null() {
                return Ok(p);
            }
            return Err(err(
                "",
                "the policy must be a mapping of keys such as `accept:`",
            ));
        };
        for (key, val) in map {
            let ptr = format!("/{key}");
            match key.as_str() {
                "version" => {}
                "fail-on" => {
                    let s = str_at(val, &ptr)?;
                    p.fail_on = Some(if s == "never" {
                        None
                    } else {
                        Some(s.parse().map_err(|e: String| err(&ptr, e))?)
                    });
                }
                "severity" => {
                    let m = val.as_object().ok_or_else(|| {
                        err(
                            &ptr,
                            "expected a mapping `rule-id: breaking|dangerous|safe`",
                        )
                    })?;
                    for (id, level) in m {
                        let lp = format!("{ptr}/{}", id.replace('~', "~0").replace('/', "~1"));
                        let level: Level = str_at(level, &lp)?
                            .parse()
                            .map_err(|e: String| err(&lp, e))?;
                        let known = registry::find(id).is_some() || is_category(id);
                        if !known {
                            let hint = registry::suggest(id);
                            return Err(err(
                                &lp,
                                if hint.is_empty() {
                                    format!("unknown rule id `{id}`; `contract explain --list` shows them all")
                                } else {
                                    format!(
                                        "unknown rule id `{id}`; did you mean {}?",
                                        hint.join(", ")
                                    )
                                },
                            ));
                        }
                        p.severity.insert(normalize(id), level);
                    }
                }
                "accept" => {
                    let list = val.as_array().ok_or_else(|| {
                        err(&ptr, "expected a list of `- rule: … at: … reason: …`")
                    })?;
                    for (i, entry) in list.iter().enumerate() {
                        p.accept.push(parse_accept(entry, &format!("{ptr}/{i}"))?);
                    }
                }
                "openapi" | "graphql" | "proto" => {
                    if !val.is_object() {
                        return Err(err(&ptr, "expected a mapping of options"));
                    }
                    p.options.insert(key.clone(), val.clone());
                }
                other => {
                    return Err(err(
                        &ptr,
                        format!(
                            "unknown key `{other}`; the policy accepts version, fail-on, severity, \
                             accept, openapi, graphql, proto"
                        ),
                    ))
                }
            }
        }
        Ok(p)
    }

    /// A format option, e.g. `option("proto", "use")`.
    pub fn option(&self, format: &str, key: &str) -> Option<&Value> {
        self.options.get(format)?.get(key)
    }

    /// Remaps levels and marks accepted findings, as of `today`.
    pub fn apply(&self, findings: &mut [Finding], today: Date) -> Applied {
        let mut used = vec![false; self.accept.len()];
        let mut applied = Applied::default();
        for f in findings.iter_mut() {
            if let Some(l) = self.severity.get(&normalize(f.rule.id)).or_else(|| {
                f.rule
                    .categories
                    .iter()
                    .find_map(|c| self.severity.get(&normalize(c)))
            }) {
                f.level = *l;
            }
            let key = f.location_key();
            for (i, a) in self.accept.iter().enumerate() {
                let rule_matches = normalize(&a.rule) == normalize(f.rule.id);
                let at_matches =
                    key == a.at || key.starts_with(&format!("{} ", a.at)) || f.subject == a.at;
                if !(rule_matches && at_matches) {
                    continue;
                }
                used[i] = true;
                if a.expires.is_some_and(|e| e < today) {
                    if !applied.expired.contains(a) {
                        applied.expired.push(a.clone());
                    }
                    continue;
                }
                f.accepted = Some(Acceptance {
                    reason: a.reason.clone(),
                    expires: a.expires,
                });
                break;
            }
        }
        applied.unused = self
            .accept
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(a, _)| a.clone())
            .collect();
        applied
    }
}

fn parse_accept(entry: &Value, ptr: &str) -> Result<AcceptRule, PolicyError> {
    let m = entry.as_object().ok_or_else(|| {
        err(
            ptr,
            "expected a mapping with rule, at, reason and optional expires",
        )
    })?;
    let get = |k: &str| m.get(k);
    let rule = match get("rule") {
        Some(v) => str_at(v, &format!("{ptr}/rule"))?.to_string(),
        None => return Err(err(ptr, "missing `rule:` (the rule id to accept)")),
    };
    if registry::find(&rule).is_none() {
        return Err(err(
            format!("{ptr}/rule"),
            format!("unknown rule id `{rule}`; `contract explain --list` shows them all"),
        ));
    }
    let at = match get("at") {
        Some(v) => str_at(v, &format!("{ptr}/at"))?.to_string(),
        None => return Err(err(
            ptr,
            "missing `at:` (the finding's location, e.g. `GET /pokemon/{id}`, as reports print it)",
        )),
    };
    let reason = match get("reason") {
        Some(v) => str_at(v, &format!("{ptr}/reason"))?.trim().to_string(),
        None => String::new(),
    };
    if reason.is_empty() {
        return Err(err(
            ptr,
            "missing `reason:`: every accepted finding needs a reason that says why it is safe",
        ));
    }
    let expires = match get("expires") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let p = format!("{ptr}/expires");
            Some(str_at(v, &p)?.parse::<Date>().map_err(|e| err(&p, e))?)
        }
    };
    for k in m.keys() {
        if !matches!(k.as_str(), "rule" | "at" | "reason" | "expires") {
            return Err(err(
                format!("{ptr}/{k}"),
                format!("unknown key `{k}`; an acceptance has rule, at, reason, expires"),
            ));
        }
    }
    Ok(AcceptRule {
        rule,
        at,
        reason,
        expires,
        pointer: ptr.to_string(),
    })
}

fn normalize(id: &str) -> String {
    id.to_ascii_lowercase().replace('_', "-")
}

fn is_category(name: &str) -> bool {
    matches!(
        normalize(name).as_str(),
        "file" | "package" | "wire-json" | "wire"
    )
}
