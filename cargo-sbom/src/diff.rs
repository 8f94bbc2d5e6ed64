//! `cargo sbom diff`: what changed between two SBOMs.
//!
//! Either file may be of any format of [`crate::format::FORMATS`] that reads components
//! (CycloneDX of any `specVersion`, SPDX 2.x JSON), and the two may differ in format. From each
//! document the components are taken by its format's reader — CycloneDX `metadata.component`
//! and `components` (nested ones too), SPDX `packages` — with their name, version, purl,
//! declared license and SHA-256 hash.
//!
//! A component is identified across the two documents by its purl without the `@version` (and
//! without the commit of a git `vcs_url`), so that a path crate and the crates.io crate of the
//! same name stay apart; one without a purl is identified by its name. Matching then goes:
//!
//! 1. same identity, same version and same purl: the component is in both; its license and
//!    hash are compared;
//! 2. an identity left with exactly one old and one new entry: a *version change* (the license
//!    is compared as well; the hash is expected to change with the version and is not);
//! 3. everything else is *added* or *removed*.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::format::{self, SbomComponent};
use crate::validate::read_json;

/// One component as a diff sees it.
type Entry = SbomComponent;

/// The identity across documents: the purl without version, or the name.
fn key(entry: &Entry) -> String {
    match &entry.purl {
        Some(purl) => format!("purl {}", purl_identity(purl)),
        None => format!("name {}", entry.name),
    }
}

/// A component that is in one document only.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ComponentRef {
    /// The component's name.
    pub name: String,
    /// Its version (empty when the document gives none).
    pub version: String,
    /// Its purl, when the document gives one.
    pub purl: Option<String>,
}

/// A component whose version changed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionChange {
    /// The component's name.
    pub name: String,
    /// The old version (the old purl when only the purl changed, e.g. a git commit).
    pub old: String,
    /// The new version (likewise).
    pub new: String,
}

/// A component whose license or hash changed (`None`: the document gives none).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValueChange {
    /// The component's name.
    pub name: String,
    /// Its version in the new document.
    pub version: String,
    /// The old value.
    pub old: Option<String>,
    /// The new value.
    pub new: Option<String>,
}

/// The differences between two SBOMs, each list sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SbomDiff {
    /// Components only in the new document.
    pub added: Vec<ComponentRef>,
    /// Components only in the old document.
    pub removed: Vec<ComponentRef>,
    /// Components whose version changed.
    pub version_changed: Vec<VersionChange>,
    /// Components whose declared license changed.
    pub license_changed: Vec<ValueChange>,
    /// Components whose SHA-256 changed while their version did not.
    pub hash_changed: Vec<ValueChange>,
}

impl SbomDiff {
    /// Whether the two SBOMs list the same components.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.version_changed.is_empty()
            && self.license_changed.is_empty()
            && self.hash_changed.is_empty()
    }

    /// Human-readable report: one section per kind of change, then a summary line.
    pub fn to_human(&self) -> String {
        if self.is_empty() {
            return "no differences\n".to_owned();
        }
        let mut out = String::new();
        let mut section = |title: &str, lines: Vec<String>| {
            if !lines.is_empty() {
                let _ = writeln!(out, "{title}:");
                for line in lines {
                    let _ = writeln!(out, "{line}");
                }
                out.push('\n');
            }
        };
        section(
            "added",
            self.added
                .iter()
                .map(|c| format!("+ {}", describe(c)))
                .collect(),
        );
        section(
            "removed",
            self.removed
                .iter()
                .map(|c| format!("- {}", describe(c)))
                .collect(),
        );
        section(
            "version changed",
            self.version_changed
                .iter()
                .map(|c| format!("~ {} {} -> {}", c.name, c.old, c.new))
                .collect(),
        );
        section(
            "license changed",
            self.license_changed.iter().map(change_line).collect(),
        );
        section(
            "hash changed",
            self.hash_changed.iter().map(change_line).collect(),
        );
        let _ = writeln!(
            out,
            "{} added, {} removed, {} version changed, {} license changed, {} hash changed",
            self.added.len(),
            self.removed.len(),
            self.version_changed.len(),
            self.license_changed.len(),
            self.hash_changed.len()
        );
        out
    }

    /// JSON report: `added`, `removed`, `version_changed`, `license_changed`, `hash_changed`.
    pub fn to_json(&self) -> Value {
        let components = |list: &[ComponentRef]| -> Vec<Value> {
            list.iter()
                .map(|c| json!({ "name": c.name, "version": c.version, "purl": c.purl }))
                .collect()
        };
        let changes = |list: &[ValueChange]| -> Vec<Value> {
            list.iter()
                .map(
                    |c| json!({ "name": c.name, "version": c.version, "old": c.old, "new": c.new }),
                )
                .collect()
        };
        json!({
            "added": components(&self.added),
            "removed": components(&self.removed),
            "version_changed": self
                .version_changed
                .iter()
                .map(|c| json!({ "name": c.name, "old": c.old, "new": c.new }))
                .collect::<Vec<_>>(),
            "license_changed": changes(&self.license_changed),
            "hash_changed": changes(&self.hash_changed),
        })
    }
}

/// `serde 1.0.200`, with the purl when it carries qualifiers (a path, git or other registry
/// crate), which tells it apart from a crates.io crate of the same name and version.
fn describe(c: &ComponentRef) -> String {
    let mut text = c.name.clone();
    if !c.version.is_empty() {
        text.push(' ');
        text.push_str(&c.version);
    }
    if let Some(purl) = c.purl.as_ref().filter(|p| p.contains('?')) {
        let _ = write!(text, " ({purl})");
    }
    text
}

fn change_line(c: &ValueChange) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
    format!(
        "~ {} {}: {} -> {}",
        c.name,
        c.version,
        show(&c.old),
        show(&c.new)
    )
}

/// Compares two files.
///
/// # Errors
///
/// [`Error::Read`] when a file cannot be read; [`Error::NotAnSbom`] when one is not JSON or is
/// neither a CycloneDX nor an SPDX 2 document.
pub fn diff_files(old: &Path, new: &Path) -> Result<SbomDiff> {
    let old_entries = entries_of_file(old)?;
    let new_entries = entries_of_file(new)?;
    Ok(diff_entries(old_entries, new_entries))
}

fn entries_of_file(path: &Path) -> Result<Vec<Entry>> {
    let document = read_json(path)?;
    entries(&document).map_err(|reason| Error::NotAnSbom {
        path: path.to_owned(),
        reason,
    })
}

/// The components of a document of any format that can read them.
fn entries(document: &Value) -> std::result::Result<Vec<Entry>, String> {
    format::detect(document)?.components(document)
}

/// The purl without its `@version`, and without the commit of a git `vcs_url` qualifier
/// (`…@COMMIT`, percent-encoded or not), both of which change from one version to the next.
fn purl_identity(purl: &str) -> String {
    let (main, rest) = match purl.find(['?', '#']) {
        Some(at) => purl.split_at(at),
        None => (purl, ""),
    };
    // The version follows the last `@` of the part before qualifiers (a namespace or name
    // never holds a raw `@`: it is percent-encoded there).
    let base = match main.rfind('@') {
        Some(at) if main[..at].contains('/') => &main[..at],
        _ => main,
    };
    let (qualifiers, subpath) = match rest.strip_prefix('?') {
        Some(q) => match q.find('#') {
            Some(at) => (&q[..at], &q[at..]),
            None => (q, ""),
        },
        None => ("", rest),
    };
    let mut kept: Vec<String> = qualifiers
        .split('&')
        .filter(|q| !q.is_empty())
        .map(|q| match q.split_once('=') {
            Some(("vcs_url", value)) => {
                let cut = value.rfind("%40").or_else(|| value.rfind('@'));
                // Only a commit after the repository URL, not the `@` of `git@host:`.
                match cut.filter(|at| value[..*at].contains('/')) {
                    Some(at) => format!("vcs_url={}", &value[..at]),
                    None => q.to_owned(),
                }
            }
            _ => q.to_owned(),
        })
        .collect();
    kept.sort();
    if kept.is_empty() {
        format!("{base}{subpath}")
    } else {
        format!("{base}?{}{subpath}", kept.join("&"))
    }
}

fn component_ref(entry: &Entry) -> ComponentRef {
    ComponentRef {
        name: entry.name.clone(),
        version: entry.version.clone(),
        purl: entry.purl.clone(),
    }
}

fn compare_license(old: &Entry, new: &Entry, out: &mut Vec<ValueChange>) {
    if old.license != new.license {
        out.push(ValueChange {
            name: new.name.clone(),
            version: new.version.clone(),
            old: old.license.clone(),
            new: new.license.clone(),
        });
    }
}

fn diff_entries(mut old: Vec<Entry>, mut new: Vec<Entry>) -> SbomDiff {
    // One entry per distinct component (a document may list a component twice).
    old.sort();
    old.dedup();
    new.sort();
    new.dedup();

    let mut result = SbomDiff::default();
    let mut by_key: BTreeMap<String, (Vec<Entry>, Vec<Entry>)> = BTreeMap::new();
    for entry in old {
        by_key.entry(key(&entry)).or_default().0.push(entry);
    }
    for entry in new {
        by_key.entry(key(&entry)).or_default().1.push(entry);
    }
    for (olds, news) in by_key.into_values() {
        // 1. Same version (and same purl where both have one).
        let mut unmatched_old = Vec::new();
        let mut unmatched_new = news;
        for o in olds {
            let same = unmatched_new
                .iter()
                .position(|n| n.version == o.version && n.purl == o.purl);
            match same {
                Some(at) => {
                    let n = unmatched_new.remove(at);
                    compare_license(&o, &n, &mut result.license_changed);
                    if o.sha256 != n.sha256 {
                        result.hash_changed.push(ValueChange {
                            name: n.name.clone(),
                            version: n.version.clone(),
                            old: o.sha256.clone(),
                            new: n.sha256.clone(),
                        });
                    }
                }
                None => unmatched_old.push(o),
            }
        }
        // 2. One old and one new left: a version change.
        if let ([o], [n]) = (unmatched_old.as_slice(), unmatched_new.as_slice()) {
            let (old_version, new_version) = if o.version == n.version {
                // Only the purl differs (a git commit, say): show the purls.
                (
                    o.purl.clone().unwrap_or_default(),
                    n.purl.clone().unwrap_or_default(),
                )
            } else {
                (o.version.clone(), n.version.clone())
            };
            result.version_changed.push(VersionChange {
                name: n.name.clone(),
                old: old_version,
                new: new_version,
            });
            compare_license(o, n, &mut result.license_changed);
            continue;
        }
        // 3. The rest.
        result
            .removed
            .extend(unmatched_old.iter().map(component_ref));
        result.added.extend(unmatched_new.iter().map(component_ref));
    }
    result.added.sort();
    result.removed.sort();
    result.version_changed.sort();
    result.license_changed.sort();
    result.hash_changed.sort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const HASH_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /// (name, version, license, sha256) of crates.io crates.
    type Crate<'a> = (&'a str, &'a str, &'a str, &'a str);

    fn cdx_component(c: &Crate<'_>) -> Value {
        let (name, version, license, hash) = *c;
        json!({
            "type": "library",
            "bom-ref": format!("pkg:cargo/{name}@{version}"),
            "name": name,
            "version": version,
            "purl": format!("pkg:cargo/{name}@{version}"),
            "licenses": [{ "expression": license }],
            "hashes": [{ "alg": "SHA-256", "content": hash }]
        })
    }

    fn cyclonedx(crates: &[Crate<'_>]) -> Value {
        json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "metadata": {
                "component": {
                    "type": "application",
                    "name": "app",
                    "version": "1.0.0",
                    "purl": "pkg:cargo/app@1.0.0?download_url=file:."
                }
            },
            "components": crates.iter().map(cdx_component).collect::<Vec<_>>()
        })
    }

    fn spdx(crates: &[Crate<'_>]) -> Value {
        let mut packages = vec![json!({
            "SPDXID": "SPDXRef-app",
            "name": "app",
            "versionInfo": "1.0.0",
            "licenseDeclared": "NOASSERTION",
            "externalRefs": [{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                               "referenceLocator": "pkg:cargo/app@1.0.0?download_url=file:." }]
        })];
        packages.extend(crates.iter().map(|(name, version, license, hash)| {
            json!({
                "SPDXID": format!("SPDXRef-{name}"),
                "name": name,
                "versionInfo": version,
                "licenseDeclared": license,
                "checksums": [{ "algorithm": "SHA256", "checksumValue": hash }],
                "externalRefs": [{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                   "referenceLocator": format!("pkg:cargo/{name}@{version}") }]
            })
        }));
        json!({ "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": packages })
    }

    fn diff(old: &Value, new: &Value) -> SbomDiff {
        match (entries(old), entries(new)) {
            (Ok(old), Ok(new)) => diff_entries(old, new),
            (old, new) => panic!("not SBOMs: {old:?} {new:?}"),
        }
    }

    const BASE: [Crate<'static>; 2] = [
        ("serde", "1.0.199", "MIT OR Apache-2.0", HASH_A),
        ("libc", "0.2.150", "MIT OR Apache-2.0", HASH_B),
    ];

    #[test]
    fn identical_documents() {
        let result = diff(&cyclonedx(&BASE), &cyclonedx(&BASE));
        assert!(result.is_empty());
        assert_eq!(result.to_human(), "no differences\n");
        assert_eq!(
            result.to_json(),
            json!({ "added": [], "removed": [], "version_changed": [], "license_changed": [], "hash_changed": [] })
        );
    }

    #[test]
    fn added_and_removed() {
        let new = [
            BASE[0],
            ("zlib-rs", "0.5.0", "Zlib", HASH_A),
            ("anyhow", "1.0.0", "MIT", HASH_B),
        ];
        let result = diff(&cyclonedx(&BASE), &cyclonedx(&new));
        let names = |list: &[ComponentRef]| list.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&result.added), ["anyhow", "zlib-rs"]);
        assert_eq!(names(&result.removed), ["libc"]);
        let human = result.to_human();
        assert!(
            human.contains("added:\n+ anyhow 1.0.0\n+ zlib-rs 0.5.0\n"),
            "{human}"
        );
        assert!(human.contains("removed:\n- libc 0.2.150\n"), "{human}");
        assert!(human.ends_with(
            "2 added, 1 removed, 0 version changed, 0 license changed, 0 hash changed\n"
        ));
        assert_eq!(
            result.to_json()["removed"],
            json!([{ "name": "libc", "version": "0.2.150", "purl": "pkg:cargo/libc@0.2.150" }])
        );
    }

    #[test]
    fn version_change() {
        let new = [("serde", "1.0.200", "MIT OR Apache-2.0", HASH_B), BASE[1]];
        let result = diff(&cyclonedx(&BASE), &cyclonedx(&new));
        assert_eq!(
            result.version_changed,
            [VersionChange {
                name: "serde".into(),
                old: "1.0.199".into(),
                new: "1.0.200".into()
            }]
        );
        // The hash goes with the version and is not reported separately.
        assert!(
            result.hash_changed.is_empty() && result.added.is_empty() && result.removed.is_empty()
        );
        assert!(
            result
                .to_human()
                .contains("version changed:\n~ serde 1.0.199 -> 1.0.200\n")
        );
        assert_eq!(
            result.to_json()["version_changed"],
            json!([{ "name": "serde", "old": "1.0.199", "new": "1.0.200" }])
        );
    }

    #[test]
    fn two_versions_of_one_crate_are_added_and_removed() {
        let old = [
            ("rand", "0.7.3", "MIT", HASH_A),
            ("rand", "0.8.5", "MIT", HASH_B),
        ];
        let new = [
            ("rand", "0.8.5", "MIT", HASH_B),
            ("rand", "0.9.0", "MIT", HASH_A),
        ];
        let result = diff(&cyclonedx(&old), &cyclonedx(&new));
        assert_eq!(result.version_changed.len(), 1, "{result:?}");
        let old = [
            ("rand", "0.7.3", "MIT", HASH_A),
            ("rand", "0.8.5", "MIT", HASH_B),
        ];
        let new = [
            ("rand", "0.9.0", "MIT", HASH_A),
            ("rand", "0.9.1", "MIT", HASH_B),
        ];
        let result = diff(&cyclonedx(&old), &cyclonedx(&new));
        assert!(result.version_changed.is_empty());
        assert_eq!((result.added.len(), result.removed.len()), (2, 2));
    }

    #[test]
    fn license_change() {
        let new = [("serde", "1.0.199", "MIT", HASH_A), BASE[1]];
        let result = diff(&cyclonedx(&BASE), &cyclonedx(&new));
        assert_eq!(
            result.license_changed,
            [ValueChange {
                name: "serde".into(),
                version: "1.0.199".into(),
                old: Some("MIT OR Apache-2.0".into()),
                new: Some("MIT".into())
            }]
        );
        assert!(
            result
                .to_human()
                .contains("license changed:\n~ serde 1.0.199: MIT OR Apache-2.0 -> MIT\n")
        );
        // Also across a version change.
        let new = [("serde", "1.0.200", "MIT", HASH_B), BASE[1]];
        let result = diff(&cyclonedx(&BASE), &cyclonedx(&new));
        assert_eq!(
            (result.version_changed.len(), result.license_changed.len()),
            (1, 1)
        );
        assert_eq!(result.license_changed[0].version, "1.0.200");
    }

    #[test]
    fn hash_change() {
        let new = [("serde", "1.0.199", "MIT OR Apache-2.0", HASH_B), BASE[1]];
        let result = diff(&cyclonedx(&BASE), &cyclonedx(&new));
        assert_eq!(result.hash_changed.len(), 1);
        assert_eq!(result.hash_changed[0].old.as_deref(), Some(HASH_A));
        assert_eq!(
            result.to_json()["hash_changed"],
            json!([{ "name": "serde", "version": "1.0.199", "old": HASH_A, "new": HASH_B }])
        );
        assert!(result.to_human().ends_with(
            "0 added, 0 removed, 0 version changed, 0 license changed, 1 hash changed\n"
        ));
    }

    #[test]
    fn mixed_formats() {
        assert!(diff(&cyclonedx(&BASE), &spdx(&BASE)).is_empty());
        assert!(diff(&spdx(&BASE), &cyclonedx(&BASE)).is_empty());
        let new = [("serde", "1.0.200", "MIT OR Apache-2.0", HASH_B)];
        let result = diff(&spdx(&BASE), &cyclonedx(&new));
        assert_eq!(result.version_changed.len(), 1);
        assert_eq!(result.removed.len(), 1);
    }

    #[test]
    fn path_and_registry_crates_stay_apart() {
        let mut new = cyclonedx(&BASE);
        if let Some(components) = new["components"].as_array_mut() {
            components.push(json!({
                "type": "library", "name": "serde", "version": "1.0.199",
                "purl": "pkg:cargo/serde@1.0.199?download_url=file:vendor/serde"
            }));
        }
        let result = diff(&cyclonedx(&BASE), &new);
        assert_eq!(result.added.len(), 1);
        assert!(
            result.to_human().contains(
                "+ serde 1.0.199 (pkg:cargo/serde@1.0.199?download_url=file:vendor/serde)"
            )
        );
    }

    #[test]
    fn purl_identity_drops_version_and_commit() {
        assert_eq!(purl_identity("pkg:cargo/serde@1.0.200"), "pkg:cargo/serde");
        assert_eq!(
            purl_identity("pkg:cargo/x@0.1.0?vcs_url=git%2Bhttps://github.com/o/r%40abc123"),
            "pkg:cargo/x?vcs_url=git%2Bhttps://github.com/o/r"
        );
        assert_eq!(
            purl_identity("pkg:cargo/x@0.1.0?repository_url=https://r.example/index"),
            "pkg:cargo/x?repository_url=https://r.example/index"
        );
        assert_eq!(
            purl_identity("pkg:npm/%40scope/pkg@1.0.0#lib"),
            "pkg:npm/%40scope/pkg#lib"
        );
        assert_eq!(
            purl_identity("pkg:cargo/unversioned"),
            "pkg:cargo/unversioned"
        );
        assert_eq!(purl_identity("not a purl @ all"), "not a purl @ all");
    }

    #[test]
    fn git_commit_change_is_a_version_change() {
        let git = |commit: &str| {
            json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{
                "type": "library", "name": "x", "version": "0.1.0",
                "purl": format!("pkg:cargo/x@0.1.0?vcs_url=git%2Bhttps://github.com/o/r%40{commit}")
            }]})
        };
        let result = diff(&git("aaa"), &git("bbb"));
        assert_eq!(result.version_changed.len(), 1, "{result:?}");
        assert!(result.version_changed[0].new.ends_with("%40bbb"));
    }

    #[test]
    fn bad_input_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("good.json");
        std::fs::write(&good, cyclonedx(&BASE).to_string()).expect("write");
        let not_json = dir.path().join("bad.json");
        std::fs::write(&not_json, "<xml/>").expect("write");
        let other = dir.path().join("other.json");
        std::fs::write(&other, r#"{"name": "package.json"}"#).expect("write");
        let spdx3 = dir.path().join("spdx3.json");
        std::fs::write(&spdx3, r#"{"spdxVersion": "SPDX-3.0"}"#).expect("write");
        assert!(matches!(
            diff_files(&good, &dir.path().join("missing")),
            Err(Error::Read { .. })
        ));
        assert!(matches!(
            diff_files(&not_json, &good),
            Err(Error::NotAnSbom { .. })
        ));
        assert!(matches!(
            diff_files(&good, &other),
            Err(Error::NotAnSbom { .. })
        ));
        assert!(matches!(
            diff_files(&good, &spdx3),
            Err(Error::NotAnSbom { .. })
        ));
        assert!(diff_files(&good, &good).is_ok_and(|d| d.is_empty()));
    }

    #[test]
    fn multiple_licenses_are_combined() {
        let document = json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{
                "name": "x", "version": "1",
                "licenses": [{ "license": { "id": "MIT" } }, { "license": { "name": "Custom" } }]
            }]
        });
        let entries = entries(&document).unwrap();
        assert_eq!(entries[0].license.as_deref(), Some("(MIT) AND (Custom)"));
    }
}
