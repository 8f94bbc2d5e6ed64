//! Findings: what a rule found, where, how bad, which SSDF task it serves, and how to fix it;
//! and the typed finding codes every rule declares ([`codes!`](crate::policy::finding::codes)).

use std::borrow::Cow;

use serde::Serialize;

use super::rule::RuleId;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Fails the check (exit 1).
    Deny,
    /// Reported; the check still passes.
    Warn,
}

impl Severity {
    /// `deny` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "deny",
            Severity::Warn => "warn",
        }
    }
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    /// A crate of the graph.
    Crate {
        /// Its name.
        name: String,
        /// Its version.
        version: String,
        /// Its source (`crates.io`, a registry URL, `git+URL#commit`, or a workspace-relative path).
        source: String,
        /// Where it is declared, when known: a file relative to the workspace root and a line.
        #[serde(skip_serializing_if = "Option::is_none")]
        declared_at: Option<FileLine>,
    },
    /// A file (relative to the workspace root), optionally at a line.
    File(FileLine),
    /// The workspace as a whole.
    Workspace,
}

/// A file relative to the workspace root and an optional 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileLine {
    /// The file, relative to the workspace root, `/`-separated.
    pub path: String,
    /// The 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
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

/// The code of a finding: one of its rule's [`codes!`] (an advisory finding carries the
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

    /// The rule's code this finding is of (`advisory` for every advisory id).
    pub fn kind(&self) -> &'static str {
        self.code
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

/// A rule's finding codes: an enum declared with [`codes!`].
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
/// documented with what it means. Generates the enum, [`RuleCode`], `Code::ALL` and
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
            /// Every code, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every code with what it means.
            pub const DEFS: &'static [$crate::policy::finding::CodeDef] = &[$(
                $crate::policy::finding::CodeDef {
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

        impl $crate::policy::finding::RuleCode for $name {
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }
        }
    };
}

pub(crate) use codes;

impl Location {
    /// The location of a component of the graph (no declaration line).
    pub fn of_component(component: &cargo_sbom::Component) -> Self {
        use cargo_sbom::ComponentSource;
        let source = match &component.source {
            ComponentSource::Registry {
                crates_io: true, ..
            } => "crates.io".to_owned(),
            ComponentSource::Registry { index, .. } => index.clone(),
            ComponentSource::Git { url, commit } => format!("git+{url}#{commit}"),
            ComponentSource::Workspace { path } | ComponentSource::Path { path } => path.clone(),
        };
        Location::Crate {
            name: component.name.clone(),
            version: component.version.clone(),
            source,
            declared_at: None,
        }
    }

    /// The same location with the line where the crate is declared.
    pub fn declared_at(self, at: Option<FileLine>) -> Self {
        match self {
            Location::Crate {
                name,
                version,
                source,
                ..
            } => Location::Crate {
                name,
                version,
                source,
                declared_at: at,
            },
            other => other,
        }
    }
}
