//! Reading an SPDX 2 document back: its packages and the package it describes.

use serde_json::Value;

use crate::format::{SbomComponent, string};

/// Every package: name, `versionInfo`, the purl external reference, `licenseDeclared` (unless
/// `NOASSERTION`) and the SHA-256 checksum, lower-cased.
pub fn components(document: &Value) -> Vec<SbomComponent> {
    let packages = document.get("packages").and_then(Value::as_array);
    packages
        .into_iter()
        .flatten()
        .filter(|p| p.is_object())
        .map(|package| {
            let purl = package
                .get("externalRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
                .and_then(|r| string(r.get("referenceLocator")));
            let sha256 = package
                .get("checksums")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|c| c.get("algorithm").and_then(Value::as_str) == Some("SHA256"))
                .and_then(|c| string(c.get("checksumValue")))
                .map(|h| h.to_ascii_lowercase());
            SbomComponent {
                name: string(package.get("name")).unwrap_or_default(),
                version: string(package.get("versionInfo")).unwrap_or_default(),
                purl,
                license: string(package.get("licenseDeclared")).filter(|l| l != "NOASSERTION"),
                sha256,
            }
        })
        .collect()
}

/// The name and version of the package the document `DESCRIBES` (relationship, or
/// `documentDescribes`).
pub fn root(document: &Value) -> Option<(String, String)> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let described = document
        .get("relationships")
        .and_then(Value::as_array)
        .and_then(|relationships| {
            relationships.iter().find_map(|r| {
                (r.get("spdxElementId").and_then(Value::as_str) == Some("SPDXRef-DOCUMENT")
                    && r.get("relationshipType").and_then(Value::as_str) == Some("DESCRIBES"))
                .then(|| r.get("relatedSpdxElement").and_then(Value::as_str))
                .flatten()
            })
        })
        .or_else(|| {
            document
                .pointer("/documentDescribes/0")
                .and_then(Value::as_str)
        })?;
    let package = document
        .get("packages")?
        .as_array()?
        .iter()
        .find(|p| p.get("SPDXID").and_then(Value::as_str) == Some(described))?;
    Some((text(package, "name")?, text(package, "versionInfo")?))
}
