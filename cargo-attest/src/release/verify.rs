//! Verifying a release directory: the signed provenance, every file's digest, `SHA256SUMS`, no
//! missing or extra file, the SBOMs' root, and archives safe to extract.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::archive;
use super::{BUNDLE_SUFFIX, SHA256SUMS};
use crate::error::{Error, Result};
use crate::signing::Verifier;
use crate::signing::envelope::{self, ReadFailure};
use crate::signing::statement::SLSA_PROVENANCE_V1;
use crate::signing::verify::is_sha256_hex;

/// A release that verified.
#[derive(Clone, Debug)]
pub struct VerifiedRelease {
    /// `NAME-VERSION`.
    pub stem: String,
    /// The number of files checked (subjects and bundle).
    pub files: usize,
    /// The number of archive entries checked.
    pub archive_entries: usize,
    /// Notes that do not fail the verification.
    pub notes: Vec<String>,
}

/// Verifies a release directory (see the module documentation). `Err` when the directory
/// cannot be read (exit 2); `Ok(Err(problems))` lists every problem, each starting with the
/// file it concerns (exit 1).
pub fn verify_release(
    dir: &Path,
    verifier: &dyn Verifier,
) -> Result<std::result::Result<VerifiedRelease, Vec<String>>> {
    let mut problems = Vec::new();
    let mut present: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::read(dir, &e))? {
        let entry = entry.map_err(|e| Error::read(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry
            .file_type()
            .map_err(|e| Error::read(&entry.path(), &e))?;
        if !file_type.is_file() {
            problems.push(format!(
                "{name}: not a regular file (a release holds only regular files)"
            ));
            continue;
        }
        present.insert(name);
    }
    let bundles: Vec<&String> = present
        .iter()
        .filter(|n| n.ends_with(BUNDLE_SUFFIX))
        .collect();
    let bundle_name = match bundles.as_slice() {
        [one] => (*one).clone(),
        [] => {
            problems.push(format!(
                "*{BUNDLE_SUFFIX}: missing (the signed provenance of the release)"
            ));
            return Ok(Err(problems));
        }
        many => {
            problems.push(format!(
                "{}: several provenance bundles; a release has one",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return Ok(Err(problems));
        }
    };
    let stem = bundle_name
        .strip_suffix(BUNDLE_SUFFIX)
        .unwrap_or_default()
        .to_owned();
    let bundle_path = dir.join(&bundle_name);
    let document = match envelope::read_signed(&bundle_path) {
        Ok(document) => document,
        Err(ReadFailure::Malformed(error)) => {
            problems.push(format!(
                "{bundle_name}: {}",
                strip_path(&error.to_string(), &bundle_path)
            ));
            return Ok(Err(problems));
        }
        Err(ReadFailure::Rejected(reason)) => {
            problems.push(format!("{bundle_name}: {reason}"));
            return Ok(Err(problems));
        }
    };
    let expectations = crate::signing::verify::Expectations {
        predicate_type: Some(SLSA_PROVENANCE_V1.to_owned()),
        ..Default::default()
    };
    let verified = match crate::signing::verify::verify(&document, verifier, &[], &expectations) {
        Ok(verified) => verified,
        Err(reasons) => {
            problems.extend(reasons.into_iter().map(|r| format!("{bundle_name}: {r}")));
            return Ok(Err(problems));
        }
    };

    // The subjects.
    let mut subjects: BTreeMap<String, String> = BTreeMap::new();
    for subject in verified
        .statement
        .get("subject")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = subject
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let digest = subject
            .pointer("/digest/sha256")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.contains(['/', '\\', '\0'])
            || name == bundle_name
        {
            problems.push(format!(
                "{bundle_name}: the subject `{}` is not a file name of the release",
                name.escape_debug()
            ));
            continue;
        }
        if subjects
            .insert(name.to_owned(), digest.to_owned())
            .is_some()
        {
            problems.push(format!("{bundle_name}: the subject `{name}` appears twice"));
        }
    }
    let mut actual: BTreeMap<String, String> = BTreeMap::new();
    for (name, signed) in &subjects {
        if !present.contains(name) {
            problems.push(format!(
                "{name}: missing (a subject of the signed provenance)"
            ));
            continue;
        }
        let path = dir.join(name);
        let digest = crate::error::file_digest(&path)?;
        if digest.as_str() != signed {
            problems.push(format!(
                "{name}: SHA-256 {} does not match the signed provenance ({signed})",
                digest.as_str()
            ));
        }
        actual.insert(name.clone(), digest.as_str().to_owned());
    }
    for name in &present {
        if name != &bundle_name && !subjects.contains_key(name) {
            problems.push(format!(
                "{name}: not part of the release (neither a subject of the signed provenance nor the bundle)"
            ));
        }
    }

    // SHA256SUMS.
    if !subjects.contains_key(SHA256SUMS) {
        problems.push(format!(
            "{SHA256SUMS}: missing (it must be a subject of the signed provenance)"
        ));
    } else if present.contains(SHA256SUMS) {
        let path = dir.join(SHA256SUMS);
        let bytes = std::fs::read(&path).map_err(|e| Error::read(&path, &e))?;
        problems.extend(check_sums(&bytes, &subjects, &actual));
    }

    // Names and the SBOMs' root component.
    let name_version = stem.clone();
    let mut notes = Vec::new();
    let dir_name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    if dir_name.as_deref() != Some(name_version.as_str()) {
        notes.push(format!(
            "the directory is not named {name_version} (the release's NAME-VERSION)"
        ));
    }
    for format in crate::build::sbom_formats() {
        let name = format.file_name(&stem);
        if !subjects.contains_key(&name) {
            problems.push(format!("{name}: missing (the release's SBOM)"));
            continue;
        }
        if !present.contains(&name) {
            continue;
        }
        let path = dir.join(&name);
        let bytes = std::fs::read(&path).map_err(|e| Error::read(&path, &e))?;
        let root = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|document| (format.family.root)(&document));
        match root {
            Some((n, v)) if format!("{n}-{v}") == stem => {}
            Some((n, v)) => problems.push(format!(
                "{name}: the SBOM describes {n} {v}, but the release is {stem}"
            )),
            None => problems.push(format!(
                "{name}: not an SBOM whose root component (name and version) can be read"
            )),
        }
    }
    let source_archive = format!("{stem}-src.tar.gz");
    if !subjects.contains_key(&source_archive) {
        problems.push(format!(
            "{source_archive}: missing (the release's source archive)"
        ));
    }
    let mut archive_entries = 0;
    for name in subjects.keys().filter(|n| n.ends_with(".tar.gz")) {
        if !name.starts_with(&format!("{stem}-")) {
            problems.push(format!(
                "{name}: the archive's name does not start with {stem}-"
            ));
        }
        if !present.contains(name) {
            continue;
        }
        let root = if *name == source_archive {
            stem.clone()
        } else {
            name.trim_end_matches(".tar.gz").to_owned()
        };
        let path = dir.join(name);
        let file = std::fs::File::open(&path).map_err(|e| Error::read(&path, &e))?;
        match archive::list(std::io::BufReader::new(file)) {
            Ok(entries) => {
                archive_entries += entries.len();
                problems.extend(
                    archive::check_entries(&entries, &root)
                        .into_iter()
                        .map(|p| format!("{name}: {p}")),
                );
            }
            Err(problem) => problems.push(format!("{name}: {problem}")),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(VerifiedRelease {
        stem,
        files: subjects.len() + 1,
        archive_entries,
        notes,
    }))
}

/// An error message without its leading path (the file is named by the caller).
fn strip_path(message: &str, path: &Path) -> String {
    let shown = path.display().to_string();
    message
        .strip_prefix(&shown)
        .map(|rest| rest.trim_start_matches(':').trim_start().to_owned())
        .unwrap_or_else(|| message.to_owned())
}

/// The problems of `SHA256SUMS` against the subjects and the files' actual digests.
fn check_sums(
    bytes: &[u8],
    subjects: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        return vec![format!("{SHA256SUMS}: not UTF-8 text")];
    };
    let mut listed: BTreeMap<&str, &str> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let parsed = line
            .split_once("  ")
            .filter(|(digest, name)| is_sha256_hex(digest) && !name.is_empty());
        let Some((digest, name)) = parsed else {
            problems.push(format!(
                "{SHA256SUMS}: line {} is not `<sha256>  <file name>`",
                number + 1
            ));
            continue;
        };
        if listed.insert(name, digest).is_some() {
            problems.push(format!("{SHA256SUMS}: lists {name} twice"));
        }
    }
    for (name, digest) in &listed {
        if !subjects.contains_key(*name) || *name == SHA256SUMS {
            problems.push(format!(
                "{SHA256SUMS}: lists {name}, which is not a subject of the signed provenance"
            ));
        } else if let Some(actual) = actual.get(*name)
            && actual != digest
        {
            problems.push(format!(
                "{name}: SHA-256 {actual} does not match {SHA256SUMS} ({digest})"
            ));
        }
    }
    for name in subjects.keys() {
        if name != SHA256SUMS && !listed.contains_key(name.as_str()) {
            problems.push(format!("{name}: not listed in {SHA256SUMS}"));
        }
    }
    problems
}
