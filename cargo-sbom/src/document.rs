//! What every SBOM format shares: the timestamp, the lifecycle, the tool, and content-derived
//! identifiers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// When in the software's life the SBOM was made (CycloneDX `lifecycles.phase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// From the manifests and lockfile, before any build (`cargo sbom`).
    PreBuild,
    /// Recorded by a build (`cargo attest build`, build hooks).
    Build,
}

impl Lifecycle {
    /// The CycloneDX phase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::PreBuild => "pre-build",
            Lifecycle::Build => "build",
        }
    }

    /// CISA's name of the generation context (2025 minimum elements): `before build`,
    /// `during build`.
    pub fn generation_context(self) -> &'static str {
        match self {
            Lifecycle::PreBuild => "before build",
            Lifecycle::Build => "during build",
        }
    }

    /// What the document knows in this phase.
    pub fn description(self) -> &'static str {
        match self {
            Lifecycle::PreBuild => {
                "resolved from the manifests and Cargo.lock, as cargo would build"
            }
            Lifecycle::Build => "the packages a real cargo build compiled",
        }
    }

    /// The SPDX 3 `software_sbomType`.
    pub fn spdx3_sbom_type(self) -> &'static str {
        match self {
            Lifecycle::PreBuild => "source",
            Lifecycle::Build => "build",
        }
    }
}

/// The creation time written into a document, whole seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp(u64);

impl Timestamp {
    /// `SOURCE_DATE_EPOCH` when set (reproducible builds), else the current time.
    pub fn from_env() -> Result<Self> {
        match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(text) => Self::from_source_date_epoch(&text),
            Err(_) => Ok(Self::now()),
        }
    }

    /// Parses a `SOURCE_DATE_EPOCH` value.
    pub fn from_source_date_epoch(text: &str) -> Result<Self> {
        text.trim()
            .parse::<u64>()
            .map(Self)
            .map_err(|_| Error::SourceDateEpoch(text.to_owned()))
    }

    /// The current time.
    pub fn now() -> Self {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self(since.as_secs())
    }

    /// A fixed time in seconds since the epoch.
    pub fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub fn secs(self) -> u64 {
        self.0
    }

    /// RFC 3339 UTC with seconds precision, e.g. `2024-05-01T12:00:00Z` (valid for both formats).
    pub fn rfc3339(self) -> String {
        humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(self.0)).to_string()
    }
}

/// Whether `text` looks like an absolute URL (`scheme://…`) that consumers can follow.
pub fn is_url(text: &str) -> bool {
    match text.split_once("://") {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.is_empty()
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The tool named in every document.
pub const TOOL_NAME: &str = "cargo-sbom";
/// The tool's version.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A name-based UUID (v5) of `bytes`, used for serial numbers and namespaces so that the same
/// content always gets the same identifier.
pub fn content_uuid(bytes: &[u8]) -> uuid::Uuid {
    // A fixed namespace of this project, so our ids do not collide with other tools' v5 ids.
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b1f_3a52_0c7e_4d0a_9a55_8f1e_2c3d_4b5a);
    uuid::Uuid::new_v5(&NAMESPACE, bytes)
}

/// The placeholder written where a document's own content id goes, before it is known.
pub const PLACEHOLDER_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// Serialises a document whose identifier field holds `{marker}{PLACEHOLDER_UUID}` and then
/// replaces the placeholder with [`content_uuid`] of those very bytes: the identifier is derived
/// from the content without a second serialisation.
pub fn to_json_with_content_uuid<T: serde::Serialize>(value: &T, marker: &str) -> Vec<u8> {
    let mut bytes = to_json_bytes(value);
    let needle = format!("{marker}{PLACEHOLDER_UUID}");
    if let Some(at) = find(&bytes, needle.as_bytes()) {
        let uuid = content_uuid(&bytes).hyphenated().to_string();
        let start = at + marker.len();
        bytes[start..start + PLACEHOLDER_UUID.len()].copy_from_slice(uuid.as_bytes());
    }
    bytes
}

/// The first occurrence of `needle` (the serialised JSON is UTF-8: `str`'s substring search,
/// linear, rather than a comparison at every byte).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let haystack = std::str::from_utf8(haystack).ok()?;
    let needle = std::str::from_utf8(needle).ok()?;
    haystack.find(needle)
}

/// Serialises to pretty JSON with a trailing newline.
pub fn to_json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data structures to a Vec cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(Timestamp::from_secs(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_source_date_epoch("1700000000")
                .unwrap()
                .rfc3339(),
            "2023-11-14T22:13:20Z"
        );
        assert!(Timestamp::from_source_date_epoch("yesterday").is_err());
        assert!(Timestamp::from_source_date_epoch("-5").is_err());
    }

    #[test]
    fn placeholders_are_stamped_with_the_content_id() {
        let value = serde_json::json!({"id": format!("urn:uuid:{PLACEHOLDER_UUID}"), "x": 1});
        let bytes = to_json_with_content_uuid(&value, "\"id\": \"urn:uuid:");
        let canonical = to_json_bytes(&value);
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(&content_uuid(&canonical).to_string()),
            "{text}"
        );
        assert!(!text.contains(PLACEHOLDER_UUID));
    }

    #[test]
    fn content_uuids_are_stable() {
        assert_eq!(content_uuid(b"x"), content_uuid(b"x"));
        assert_ne!(content_uuid(b"x"), content_uuid(b"y"));
        assert_eq!(content_uuid(b"x").get_version_num(), 5);
    }
}
