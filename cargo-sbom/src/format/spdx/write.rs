//! The SPDX 2.3 JSON writer.
//!
//! The document `DESCRIBES` the root package. Every resolved edge is a `DEPENDS_ON` from the
//! dependent, so every package is reachable from the root (NTIA checkers walk forward edges);
//! build and dev edges additionally carry their precise reverse relationship
//! (`BUILD_DEPENDENCY_OF`, `DEV_DEPENDENCY_OF`), which SPDX 2.3 only has in that direction.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::digest::{Algorithm, Digests, Sha256Hex};
use crate::document::{
    PLACEHOLDER_UUID, TOOL_NAME, TOOL_VERSION, content_uuid, is_url, to_json_with_content_uuid,
};
use crate::format::DocumentOptions;
use crate::graph::{Component, ComponentSource, EdgeKind, ResolvedGraph, Subject, Supplier};
use crate::license::{DeclaredLicense, spdx_idstring};

const NOASSERTION: &str = "NOASSERTION";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    version_info: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<&'static str>,
    supplier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_file_name: Option<String>,
    download_location: String,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: String,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'static str>,
}

/// The SPDXID of a component: readable name and version plus a digest of its bom-ref, so that
/// two packages with the same name and version (a path crate and a crates.io crate) differ.
pub fn spdx_id(c: &Component) -> String {
    let digest = content_uuid(c.bom_ref.as_bytes()).simple().to_string();
    format!(
        "SPDXRef-Package-{}-{}-{}",
        spdx_idstring(&c.name),
        spdx_idstring(&c.version),
        &digest[..8]
    )
}

/// Renders the graph as an SPDX 2.3 JSON document.
pub fn render(graph: &ResolvedGraph, options: &DocumentOptions) -> Vec<u8> {
    let ids: Vec<String> = graph.components().iter().map(spdx_id).collect();
    let mut extracted: BTreeMap<String, ExtractedLicense> = BTreeMap::new();
    let mut packages: Vec<Package> = graph
        .components()
        .iter()
        .zip(&ids)
        .map(|(c, id)| package(c, id.clone(), &mut extracted))
        .collect();

    let mut relationships: Vec<Relationship> = Vec::new();
    let (document_name, root_id) = match &graph.subject {
        Subject::Package(root) => {
            let c = graph.component(*root);
            (
                format!("{}-{}", c.name, c.version),
                ids[root.index()].clone(),
            )
        }
        Subject::Workspace {
            name,
            version,
            members,
        } => {
            let root_id = format!("SPDXRef-Workspace-{}", spdx_idstring(name));
            let stand_in = crate::format::bsi::workspace_root(graph);
            packages.push(Package {
                spdx_id: root_id.clone(),
                name: name.clone(),
                version_info: version.clone(),
                primary_package_purpose: Some("APPLICATION"),
                supplier: members
                    .iter()
                    .find_map(|m| graph.component(*m).supplier.as_ref().map(supplier_text))
                    .unwrap_or_else(|| NOASSERTION.to_owned()),
                originator: None,
                package_file_name: None,
                download_location: NOASSERTION.to_owned(),
                files_analyzed: false,
                checksums: checksums(stand_in.as_ref().and_then(|s| s.digests.as_ref()), None),
                homepage: None,
                source_info: Some(
                    "the Cargo workspace whose members are described together".to_owned(),
                ),
                license_concluded: stand_in
                    .as_ref()
                    .and_then(|s| s.license.clone())
                    .map(|l| portable_or_later(&l, &mut extracted))
                    .unwrap_or_else(|| NOASSERTION.to_owned()),
                license_declared: NOASSERTION.to_owned(),
                copyright_text: NOASSERTION,
                description: None,
                comment: stand_in
                    .as_ref()
                    .and_then(|s| s.digests.as_ref())
                    .map(|_| format!("checksums by {}", crate::format::bsi::WORKSPACE_METHOD)),
                external_refs: stand_in
                    .iter()
                    .map(|s| ExternalRef {
                        reference_category: "PACKAGE-MANAGER",
                        reference_type: "purl",
                        reference_locator: s.purl.clone(),
                    })
                    .collect(),
            });
            for member in members {
                relationships.push(Relationship {
                    spdx_element_id: root_id.clone(),
                    relationship_type: "CONTAINS",
                    related_spdx_element: ids[member.index()].clone(),
                    comment: None,
                });
            }
            (format!("{name}-{version}"), root_id)
        }
    };
    if let Some(root) = packages.iter_mut().find(|p| p.spdx_id == root_id) {
        decorate_root(root, graph);
    }
    relationships.push(Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".to_owned(),
        relationship_type: "DESCRIBES",
        related_spdx_element: root_id,
        comment: None,
    });
    for edge in graph.edges() {
        let (from, to) = (ids[edge.from.index()].clone(), ids[edge.to.index()].clone());
        let precise = match edge.kind {
            // A proc-macro runs in the compiler: it is a build dependency of its dependent,
            // although it is declared in `[dependencies]`.
            EdgeKind::Normal if graph.component(edge.to).is_proc_macro => {
                Some(("BUILD_DEPENDENCY_OF", "proc-macro"))
            }
            EdgeKind::Normal => None,
            EdgeKind::Build => Some(("BUILD_DEPENDENCY_OF", "build-dependency")),
            EdgeKind::Dev => Some(("DEV_DEPENDENCY_OF", "dev-dependency")),
        };
        relationships.push(Relationship {
            spdx_element_id: from.clone(),
            relationship_type: "DEPENDS_ON",
            related_spdx_element: to.clone(),
            comment: precise.map(|(_, comment)| comment),
        });
        if let Some((kind, _)) = precise {
            relationships.push(Relationship {
                spdx_element_id: to,
                relationship_type: kind,
                related_spdx_element: from,
                comment: None,
            });
        }
    }
    relationships.sort();
    relationships.dedup();

    // The namespace ends in the v5 UUID of the document with a zero UUID in its place.
    let namespace_prefix = format!(
        "https://spdx.org/spdxdocs/{}-",
        spdx_idstring(&document_name)
    );
    let document = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: document_name.clone(),
        document_namespace: format!("{namespace_prefix}{PLACEHOLDER_UUID}"),
        creation_info: CreationInfo {
            created: options.timestamp.rfc3339(),
            creators: creators(graph),
            // CISA's generation context and the SBOM version, which SPDX 2.3 has no field for.
            comment: format!(
                "generation context: {} ({}); SBOM version: 1; lifecycle: {}; target: {}; features: {}; dev-dependencies: {}",
                options.lifecycle.generation_context(),
                options.lifecycle.description(),
                options.lifecycle.as_str(),
                graph.target,
                graph.features.describe(),
                if graph.include_dev {
                    "included"
                } else {
                    "excluded"
                }
            ),
        },
        has_extracted_licensing_infos: extracted.into_values().collect(),
        packages,
        relationships,
    };
    to_json_with_content_uuid(&document, &namespace_prefix)
}

/// The described root: its vulnerability contact, and after a build the built file's name
/// and digests.
fn decorate_root(root: &mut Package, graph: &ResolvedGraph) {
    if let Some(contact) = &graph.producer.security_contact {
        root.external_refs.push(ExternalRef {
            reference_category: "SECURITY",
            reference_type: "url",
            reference_locator: contact.clone(),
        });
    }
    if root.supplier == NOASSERTION
        && let Some(supplier) = &graph.producer.supplier
    {
        root.supplier = organization_text(supplier);
    }
    if let Some(artifact) = crate::format::bsi::primary_artifact(&graph.artifacts) {
        root.package_file_name = Some(artifact.file_name.clone());
        root.checksums = checksums(Some(&artifact.digests), None);
    }
}

/// The tool, and the manufacturer for whom it writes the document (the SBOM author).
fn creators(graph: &ResolvedGraph) -> Vec<String> {
    let mut creators = Vec::new();
    if let Some(m) = &graph.producer.manufacturer {
        creators.push(organization_text(m));
    }
    creators.push(format!("Tool: {TOOL_NAME}-{TOOL_VERSION}"));
    creators
}

fn organization_text(org: &crate::product::Organization) -> String {
    match &org.email {
        Some(email) => format!(
            "Organization: {} ({})",
            one_line(&org.name),
            one_line(email)
        ),
        None => format!("Organization: {} ()", one_line(&org.name)),
    }
}

fn package(
    c: &Component,
    spdx_id: String,
    extracted: &mut BTreeMap<String, ExtractedLicense>,
) -> Package {
    let license_declared = match &c.license {
        DeclaredLicense::Expression(text) => {
            for license_ref in c.license.license_refs() {
                extracted
                    .entry(license_ref.clone())
                    .or_insert_with(|| ExtractedLicense {
                        name: license_ref.trim_start_matches("LicenseRef-").to_owned(),
                        license_id: license_ref,
                        extracted_text: "The license text is not part of the package metadata."
                            .to_owned(),
                        comment: Some(format!(
                            "referenced by the license expression of {} {}",
                            c.name, c.version
                        )),
                    });
            }
            portable_or_later(text, extracted)
        }
        DeclaredLicense::File(file) => {
            let license_ref = file.license_ref(&c.name);
            extracted
                .entry(license_ref.clone())
                .or_insert_with(|| ExtractedLicense {
                    license_id: license_ref.clone(),
                    extracted_text: file
                        .text
                        .clone()
                        .filter(|t| !t.trim().is_empty())
                        .unwrap_or_else(|| {
                            format!("The license file {} could not be read.", file.path)
                        }),
                    name: format!("license file {} of {} {}", file.path, c.name, c.version),
                    comment: file
                        .sha256
                        .as_ref()
                        .map(|sha| format!("SHA-256 of {}: {}", file.path, sha.as_str())),
                });
            license_ref
        }
        DeclaredLicense::Unrecognized(text) => {
            let license_ref = format!("LicenseRef-{}", spdx_idstring(text));
            extracted
                .entry(license_ref.clone())
                .or_insert_with(|| ExtractedLicense {
                    license_id: license_ref.clone(),
                    extracted_text: text.clone(),
                    name: text.clone(),
                    comment: Some("the `license` field is not a valid SPDX expression".to_owned()),
                });
            license_ref
        }
        DeclaredLicense::None => NOASSERTION.to_owned(),
    };
    // Concluded from the declaration alone (see `DeclaredLicense::concluded`): the same text.
    let license_concluded = match &c.license {
        DeclaredLicense::Expression(_) | DeclaredLicense::File(_) => license_declared.clone(),
        DeclaredLicense::Unrecognized(_) | DeclaredLicense::None => NOASSERTION.to_owned(),
    };
    let purpose = if c.is_workspace_member && c.has_binary {
        "APPLICATION"
    } else {
        "LIBRARY"
    };
    let comment = package_comment(c);
    let source_info = source_info(c);
    Package {
        spdx_id,
        name: c.name.clone(),
        version_info: c.version.clone(),
        primary_package_purpose: Some(purpose),
        supplier: c
            .supplier
            .as_ref()
            .map(supplier_text)
            .unwrap_or_else(|| NOASSERTION.to_owned()),
        originator: c
            .authors
            .first()
            .map(|p| person_text(&p.name, p.email.as_deref())),
        package_file_name: Some(c.file_name()),
        download_location: c
            .distribution_url()
            .unwrap_or_else(|| NOASSERTION.to_owned()),
        files_analyzed: false,
        checksums: checksums(c.digests.as_ref(), c.sha256.as_ref()),
        homepage: c.homepage.clone().filter(|u| is_url(u)),
        source_info,
        license_concluded,
        license_declared,
        copyright_text: NOASSERTION,
        description: c.description.clone(),
        comment: Some(comment),
        external_refs: vec![ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: c.purl.clone(),
        }],
    }
}

/// A package's comment in both SPDX versions: its usage, source kind, features and whether it
/// is a proc-macro (what SPDX has no field for).
pub(crate) fn package_comment(c: &Component) -> String {
    let mut comment = format!("usage: {}; source: {}", c.usage.as_str(), c.source.kind());
    if !c.features.is_empty() {
        let features: Vec<&str> = c.features.iter().map(String::as_str).collect();
        comment.push_str(&format!("; features: {}", features.join(",")));
    }
    if c.is_proc_macro {
        comment.push_str("; proc-macro");
    }
    comment
}

/// A package's source information in both SPDX versions (none for crates.io, which the purl
/// and download location say).
pub(crate) fn source_info(c: &Component) -> Option<String> {
    match &c.source {
        ComponentSource::Workspace { path } => Some(format!("workspace member at {path}")),
        ComponentSource::Path { path } => Some(format!("path dependency at {path}")),
        ComponentSource::Git { url, commit } => {
            Some(format!("git repository {url} at commit {commit}"))
        }
        ComponentSource::Registry {
            crates_io: false,
            index,
        } => Some(format!("registry {index}")),
        ComponentSource::Registry { .. } => None,
    }
}

/// SPDX 2.3 allows `+` after any listed license id (`MPL-2.0+`, Annex D), but the reference
/// validator (spdx-tools, through `license-expression`; aboutcode-org/license-expression#110)
/// accepts `ID+` only for the GNU family, whose `+` forms are on the list. Any other `ID+` is
/// written as `LicenseRef-ID-or-later`, defined in the document by the original term, so that
/// the document validates with every common tool and says no less.
fn portable_or_later(text: &str, extracted: &mut BTreeMap<String, ExtractedLicense>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let mut flush = |token: &mut String, out: &mut String| {
        let term = std::mem::take(token);
        let base = term.strip_suffix('+');
        match base {
            Some(base)
                if spdx::gnu_license_id(base, true).is_none()
                    && spdx::license_id(base).is_some() =>
            {
                let license_ref = format!("LicenseRef-{}-or-later", spdx_idstring(base));
                let text = format!("{term}: {base} or, at your option, any later version.");
                let comment = format!(
                    "the SPDX expression `{term}`, as a LicenseRef for validators without `+`"
                );
                extracted
                    .entry(license_ref.clone())
                    .or_insert_with(|| ExtractedLicense {
                        license_id: license_ref.clone(),
                        extracted_text: text,
                        name: format!("{base} or later"),
                        comment: Some(comment),
                    });
                out.push_str(&license_ref);
            }
            _ => out.push_str(&term),
        }
    };
    for ch in text.chars() {
        if ch == '(' || ch == ')' || ch.is_whitespace() {
            flush(&mut token, &mut out);
            out.push(ch);
        } else {
            token.push(ch);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// The component's digests ([`Digests::listed`]).
fn checksums(digests: Option<&Digests>, lock_sha256: Option<&Sha256Hex>) -> Vec<Checksum> {
    Digests::listed(digests, lock_sha256)
        .into_iter()
        .map(|(algorithm, value)| Checksum {
            algorithm: match algorithm {
                Algorithm::Sha512 => "SHA512",
                Algorithm::Sha256 => "SHA256",
            },
            checksum_value: value.to_owned(),
        })
        .collect()
}

fn supplier_text(supplier: &Supplier) -> String {
    match supplier {
        Supplier::Organization { name, .. } => format!("Organization: {}", one_line(name)),
        Supplier::Person(p) => person_text(&p.name, p.email.as_deref()),
    }
}

fn person_text(name: &str, email: Option<&str>) -> String {
    match email {
        Some(email) => format!("Person: {} ({})", one_line(name), one_line(email)),
        None => format!("Person: {}", one_line(name)),
    }
}

/// SPDX tag-value fields are one line; parentheses would confuse the `(email)` part.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['(', ')'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_later_terms_are_portable() {
        let mut extracted = BTreeMap::new();
        assert_eq!(
            portable_or_later("MIT OR (MPL-2.0+ AND GPL-2.0+)", &mut extracted),
            "MIT OR (LicenseRef-MPL-2.0-or-later AND GPL-2.0+)"
        );
        assert_eq!(
            extracted.keys().collect::<Vec<_>>(),
            ["LicenseRef-MPL-2.0-or-later"]
        );
        assert_eq!(
            portable_or_later("Apache-2.0 WITH LLVM-exception", &mut extracted),
            "Apache-2.0 WITH LLVM-exception"
        );
    }
}
