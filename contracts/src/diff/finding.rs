//! A finding is data: which rule fired, where on both sides, and what it is about.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use super::policy::Acceptance;
use super::registry::Rule;
use crate::source::Span;

/// How a change affects existing clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No existing client can notice (additions, documentation).
    Safe,
    /// May break some clients (a new enum value in a response, a changed default).
    Dangerous,
    /// Breaks existing clients.
    Breaking,
}

impl Level {
    /// The name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Safe => "safe",
            Level::Dangerous => "dangerous",
            Level::Breaking => "breaking",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "safe" | "info" | "non-breaking" => Ok(Level::Safe),
            "dangerous" | "warn" | "warning" => Ok(Level::Dangerous),
            "breaking" | "err" | "error" => Ok(Level::Breaking),
            other => Err(format!(
                "unknown severity `{other}`; use breaking, dangerous or safe"
            )),
        }
    }
}

/// One classified change between OLD and NEW.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule that fired.
    #[serde(rename = "rule_id", serialize_with = "ser_rule_id")]
    pub rule: &'static Rule,
    /// Effective level (the rule's default unless the policy remapped it).
    pub level: Level,
    /// One line, plain words: what changed.
    pub message: String,
    /// The element the change is about: `GET /pokemon/{id}`, `Query.pokemon`,
    /// `pokemon.v1.Pokemon`.
    pub subject: String,
    /// Where inside the subject: `response 200 application/json: /properties/name`, or empty.
    pub path: String,
    /// Where the element was in OLD.
    #[serde(rename = "old", serialize_with = "ser_span")]
    pub old: Option<Span>,
    /// Where the element is in NEW.
    #[serde(rename = "new", serialize_with = "ser_span")]
    pub new: Option<Span>,
    /// Set when the policy accepts this finding; accepted findings never fail the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Acceptance>,
}

impl Finding {
    /// A finding at the rule's default level.
    pub fn new(
        rule: &'static Rule,
        subject: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            level: rule.level,
            message: message.into(),
            subject: subject.into(),
            path: path.into(),
            old: None,
            new: None,
            accepted: None,
        }
    }

    /// Sets both locations.
    pub fn at(mut self, old: Option<Span>, new: Option<Span>) -> Self {
        self.old = old;
        self.new = new;
        self
    }

    /// `subject` and `path` joined, as policy entries name a location.
    pub fn location_key(&self) -> String {
        if self.path.is_empty() {
            self.subject.clone()
        } else {
            format!("{} {}", self.subject, self.path)
        }
    }
}

fn ser_rule_id<S: Serializer>(rule: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.id)
}

fn ser_span<S: Serializer>(span: &Option<Span>, s: S) -> Result<S::Ok, S::Error> {
    span.as_ref().map(Span::location).serialize(s)
}
