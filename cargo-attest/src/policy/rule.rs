//! What a policy rule declares about itself ([`RuleDef`]), its typed id ([`RuleId`]), and what
//! it finds ([`Finding`], with one of the typed codes every rule declares with `codes!`).
//!
//! Each rule module under [`super::rules`] owns one `pub static RULE: RuleDef`; the registry
//! [`super::rules::RULES`] lists them in report order. Everything else is derived from it: the
//! rules that run, the sections `cargo attest init` writes, the SSDF mapping and enforcement,
//! the build-time set, the SARIF rule metadata and the rule reference (`docs/rules/`).

use std::borrow::Cow;

use serde::Serialize;

use super::context::PolicyContext;
use super::level::Severity;
use super::location::Location;
use crate::config::{AnySection, Config};
use crate::error::Result;

/// A rule's check: reads the context, returns findings. An `Err` is an input or configuration
/// error (exit 2), never a policy violation.
pub type Check = fn(&PolicyContext<'_>) -> Result<Vec<Finding>>;

/// Everything about one rule.
pub struct RuleDef {
    /// The id as written in configuration, reports and on the command line (`source-control`).
    pub id: &'static str,
    /// The SARIF `name`: PascalCase words that say what the rule wants (`CleanSourceControl`).
    pub name: &'static str,
    /// The NIST SP 800-218 (SSDF v1.1) tasks the rule gives evidence for.
    pub ssdf_tasks: &'static [&'static str],
    /// One line: what holds when the rule passes.
    pub description: &'static str,
    /// The rule reference, Markdown: what it checks, why, how to fix a finding, an example.
    pub help: &'static str,
    /// Every code its findings carry, with its meaning.
    pub codes: &'static [CodeDef],
    /// The section of `attest.toml` that configures it.
    pub section: &'static dyn AnySection,
    /// The keys of `section` that configure this rule, when it shares the section with another
    /// rule (`yanked` in `[advisories]`); `None`: the whole section.
    pub section_keys: Option<&'static [&'static str]>,
    /// Whether the build-time hook (`build_hooks::Policy`) runs it.
    pub build_time: bool,
    /// Whether its findings fail `cargo attest check` in this configuration and context
    /// (`true`: release context), for the SSDF report's "enforced" and level 2.
    pub enforcing: fn(&Config, bool) -> bool,
    /// The check; `None` when this build of the library lacks what it needs (the `git` or
    /// `attest` feature).
    pub check: Option<Check>,
}

impl RuleDef {
    /// This rule's id.
    pub const fn rule_id(&'static self) -> RuleId {
        RuleId(self)
    }

    /// Runs the rule's check (nothing when this build cannot run it), findings unsorted.
    pub fn run(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        match self.check {
            Some(check) => check(context),
            None => Ok(Vec::new()),
        }
    }
}

/// A rule, by id: compared, ordered and printed as its id (reports order rules as the registry
/// lists them: [`super::rules::rank`]).
#[derive(Clone, Copy)]
pub struct RuleId(&'static RuleDef);

impl RuleId {
    /// The id (`source-control`).
    pub fn as_str(self) -> &'static str {
        self.0.id
    }

    /// Everything the rule declares.
    pub fn def(self) -> &'static RuleDef {
        self.0
    }
}

impl std::fmt::Debug for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for RuleId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RuleId {}

impl std::hash::Hash for RuleId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One thing a rule found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    /// Deny or warn.
    pub severity: Severity,
    /// The rule.
    pub rule: RuleId,
    /// What it is about.
    pub location: Location,
    /// What kind of finding it is: one of the rule's codes (an advisory id for advisories).
    pub code: FindingCode,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Finding {
    /// The SSDF tasks of the finding's rule.
    pub fn ssdf_tasks(&self) -> &'static [&'static str] {
        self.rule.def().ssdf_tasks
    }
}

/// The code of a finding: one of its rule's `codes!` (an advisory finding carries the
/// advisory's id). Compares with the rule's typed code and with its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FindingCode {
    /// The rule's code.
    code: &'static str,
    /// The text shown instead, when the code stands for an id (an advisory's).
    id: Option<Cow<'static, str>>,
}

impl FindingCode {
    /// The code as written in reports.
    pub fn as_str(&self) -> &str {
        self.id.as_deref().unwrap_or(self.code)
    }

    /// A code that stands for an id, such as an advisory's: reported as the id.
    pub fn with_id(code: impl RuleCode, id: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code: code.as_str(),
            id: Some(id.into()),
        }
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for FindingCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FindingCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str()
            .cmp(other.as_str())
            .then_with(|| self.code.cmp(other.code))
    }
}

impl Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for FindingCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for FindingCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<C: RuleCode> PartialEq<C> for FindingCode {
    fn eq(&self, other: &C) -> bool {
        self.code == other.as_str()
    }
}

impl From<&'static CodeDef> for FindingCode {
    fn from(def: &'static CodeDef) -> Self {
        Self {
            code: def.code,
            id: None,
        }
    }
}

impl<C: RuleCode> From<C> for FindingCode {
    fn from(code: C) -> Self {
        Self {
            code: code.as_str(),
            id: None,
        }
    }
}

/// A rule's finding codes: an enum declared with `codes!`.
pub trait RuleCode: Copy + 'static {
    /// The code as written in reports and `allow` lists.
    fn as_str(self) -> &'static str;
}

/// A finding code and what it means, for the rule reference and SARIF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeDef {
    /// The code (`unknown-registry`; `RUSTSEC-YYYY-NNNN` stands for any advisory id).
    pub code: &'static str,
    /// What a finding with this code means (the variant's documentation).
    pub meaning: &'static str,
}

impl CodeDef {
    /// The meaning as one line.
    pub fn meaning(&self) -> String {
        self.meaning
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Declares a rule's finding codes: an enum whose every variant is written as a string code and
/// documented with what it means. Generates the enum, [`RuleCode`], `Code::parse` and
/// `Code::DEFS` (the codes with their meanings, for the rule reference and SARIF).
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $variant:ident = $code:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                $(#[doc = $doc])+
                $variant,
            )+
        }

        impl $name {
            /// Every code with what it means.
            pub const DEFS: &'static [$crate::policy::rule::CodeDef] = &[$(
                $crate::policy::rule::CodeDef {
                    code: $code,
                    meaning: concat!($($doc, "\n"),+),
                }
            ),+];

            /// Parses a code as written.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::policy::rule::RuleCode for $name {
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }
        }
    };
}

pub(crate) use codes;
