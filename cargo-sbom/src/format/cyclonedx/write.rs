//! The CycloneDX JSON writer (specification 1.5, 1.6 and 1.7).
//!
//! Build-time-only and dev-only components get `scope: excluded` and a `cargo-sbom:usage`
//! property; the dependency list has one entry per component, empty `dependsOn` included.

use serde::Serialize;

use super::CycloneDxVersion;
use crate::document::{
    PLACEHOLDER_UUID, TOOL_NAME, TOOL_VERSION, is_url, to_json_with_content_uuid,
};
use crate::format::DocumentOptions;
use crate::graph::{Component, ComponentSource, Person, ResolvedGraph, Subject, Supplier, Usage};
use crate::license::{DeclaredLicense, single_spdx_id};

/// Property names of this tool (own namespace, as the CycloneDX property taxonomy asks).
mod property {
    pub const USAGE: &str = "cargo-sbom:usage";
    pub const FEATURES: &str = "cargo-sbom:features";
    pub const PROC_MACRO: &str = "cargo-sbom:proc-macro";
    pub const SOURCE: &str = "cargo-sbom:source";
    pub const GIT_COMMIT: &str = "cargo-sbom:git-commit";
    pub const TARGET: &str = "cargo-sbom:target";
    pub const REQUESTED_FEATURES: &str = "cargo-sbom:requested-features";
    pub const INCLUDE_DEV: &str = "cargo-sbom:include-dev";
    pub const LICENSE_FILE: &str = "cargo-sbom:license-file";
    pub const LICENSE_FILE_SHA256: &str = "cargo-sbom:license-file-sha256";
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    /// `urn:uuid:` and the v5 UUID of the document with a zero UUID here.
    serial_number: String,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<CdxComponent<'a>>,
    dependencies: Vec<Dependency<'a>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: String,
    lifecycles: [Phase; 1],
    tools: Tools,
    component: CdxComponent<'a>,
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Phase {
    phase: &'static str,
}

#[derive(Serialize)]
struct Tools {
    components: [ToolComponent; 1],
}

#[derive(Serialize)]
struct ToolComponent {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct CdxComponent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authors: Option<Vec<Contact<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    name: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Entity {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    url: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contact: Vec<OwnedContact>,
}

#[derive(Serialize)]
struct Contact<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

#[derive(Serialize)]
struct OwnedContact {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
struct Hash<'a> {
    alg: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: License },
    Expression { expression: String },
}

#[derive(Serialize)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    depends_on: Vec<&'a str>,
}

/// Renders the graph as a CycloneDX JSON document of the version `options.format` names.
pub fn render(graph: &ResolvedGraph, options: &DocumentOptions) -> Vec<u8> {
    let version =
        CycloneDxVersion::parse(options.format.version.name).unwrap_or(CycloneDxVersion::V1_6);
    let workspace_ref;
    let (root_component, root_deps): (CdxComponent<'_>, Option<Dependency<'_>>) =
        match &graph.subject {
            Subject::Package(id) => (component(graph.component(*id), version), None),
            Subject::Workspace {
                name,
                version: ws_version,
                members,
            } => {
                workspace_ref = format!("workspace:{name}@{ws_version}");
                let root = CdxComponent {
                    kind: "application",
                    bom_ref: &workspace_ref,
                    supplier: members
                        .iter()
                        .find_map(|m| graph.component(*m).supplier.as_ref().map(entity)),
                    authors: None,
                    author: None,
                    name,
                    version: ws_version,
                    description: Some("Cargo workspace members described together"),
                    scope: None,
                    hashes: Vec::new(),
                    licenses: Vec::new(),
                    purl: None,
                    external_references: Vec::new(),
                    properties: Vec::new(),
                };
                let deps = Dependency {
                    reference: &workspace_ref,
                    depends_on: members
                        .iter()
                        .map(|m| graph.component(*m).bom_ref.as_str())
                        .collect(),
                };
                (root, Some(deps))
            }
        };
    let root_ref = root_component.bom_ref;
    let components = graph
        .components()
        .iter()
        .filter(|c| c.bom_ref != root_ref)
        .map(|c| component(c, version))
        .collect();
    let mut dependencies: Vec<Dependency<'_>> = graph
        .iter()
        .map(|(id, c)| {
            let mut depends_on: Vec<&str> = graph
                .dependencies(id)
                .iter()
                .map(|(to, _)| graph.component(*to).bom_ref.as_str())
                .collect();
            depends_on.sort_unstable();
            depends_on.dedup();
            Dependency {
                reference: &c.bom_ref,
                depends_on,
            }
        })
        .collect();
    dependencies.extend(root_deps);
    dependencies.sort_by(|a, b| a.reference.cmp(b.reference));

    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: version.as_str(),
        serial_number: format!("urn:uuid:{PLACEHOLDER_UUID}"),
        version: 1,
        metadata: Metadata {
            timestamp: options.timestamp.rfc3339(),
            lifecycles: [Phase {
                phase: options.lifecycle.as_str(),
            }],
            tools: Tools {
                components: [ToolComponent {
                    kind: "application",
                    name: TOOL_NAME,
                    version: TOOL_VERSION,
                }],
            },
            component: root_component,
            properties: vec![
                Property {
                    name: property::TARGET,
                    value: graph.target.clone(),
                },
                Property {
                    name: property::REQUESTED_FEATURES,
                    value: graph.features.describe(),
                },
                Property {
                    name: property::INCLUDE_DEV,
                    value: graph.include_dev.to_string(),
                },
            ],
        },
        components,
        dependencies,
    };
    to_json_with_content_uuid(&bom, "\"serialNumber\": \"urn:uuid:")
}

fn component(c: &Component, version: CycloneDxVersion) -> CdxComponent<'_> {
    let kind = if c.is_workspace_member && c.has_binary {
        "application"
    } else {
        "library"
    };
    let (authors, author) = if c.authors.is_empty() {
        (None, None)
    } else if version >= CycloneDxVersion::V1_6 {
        let contacts = c
            .authors
            .iter()
            .map(|p| Contact {
                name: &p.name,
                email: p.email.as_deref(),
            })
            .collect();
        (Some(contacts), None)
    } else {
        (
            None,
            Some(
                c.authors
                    .iter()
                    .map(person_text)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        )
    };
    let scope = match c.usage {
        Usage::Runtime => "required",
        Usage::Build | Usage::Dev => "excluded",
    };
    let mut properties = vec![Property {
        name: property::USAGE,
        value: c.usage.as_str().to_owned(),
    }];
    if !c.features.is_empty() {
        let features: Vec<&str> = c.features.iter().map(String::as_str).collect();
        properties.push(Property {
            name: property::FEATURES,
            value: features.join(","),
        });
    }
    if c.is_proc_macro {
        properties.push(Property {
            name: property::PROC_MACRO,
            value: "true".into(),
        });
    }
    properties.push(Property {
        name: property::SOURCE,
        value: c.source.kind().to_owned(),
    });
    if let ComponentSource::Git { commit, .. } = &c.source {
        properties.push(Property {
            name: property::GIT_COMMIT,
            value: commit.clone(),
        });
    }
    CdxComponent {
        kind,
        bom_ref: &c.bom_ref,
        supplier: c.supplier.as_ref().map(entity),
        authors,
        author,
        name: &c.name,
        version: &c.version,
        description: c.description.as_deref(),
        scope: Some(scope),
        hashes: c
            .sha256
            .iter()
            .map(|h| Hash {
                alg: "SHA-256",
                content: h.as_str(),
            })
            .collect(),
        licenses: licenses(c),
        purl: Some(&c.purl),
        external_references: external_references(c),
        properties,
    }
}

fn person_text(p: &Person) -> String {
    match &p.email {
        Some(email) => format!("{} <{email}>", p.name),
        None => p.name.clone(),
    }
}

fn entity(supplier: &Supplier) -> Entity {
    match supplier {
        Supplier::Organization { name, url } => Entity {
            name: name.clone(),
            url: url.iter().cloned().collect(),
            contact: Vec::new(),
        },
        Supplier::Person(person) => Entity {
            name: person.name.clone(),
            url: Vec::new(),
            contact: vec![OwnedContact {
                name: person.name.clone(),
                email: person.email.clone(),
            }],
        },
    }
}

fn licenses(c: &Component) -> Vec<LicenseChoice> {
    match &c.license {
        DeclaredLicense::Expression(text) if single_spdx_id(text) => vec![LicenseChoice::License {
            license: License {
                id: Some(text.clone()),
                name: None,
                properties: Vec::new(),
            },
        }],
        DeclaredLicense::Expression(text) => vec![LicenseChoice::Expression {
            expression: text.clone(),
        }],
        DeclaredLicense::File(file) => {
            let mut properties = vec![Property {
                name: property::LICENSE_FILE,
                value: file.path.clone(),
            }];
            if let Some(sha) = &file.sha256 {
                properties.push(Property {
                    name: property::LICENSE_FILE_SHA256,
                    value: sha.as_str().to_owned(),
                });
            }
            vec![LicenseChoice::License {
                license: License {
                    id: None,
                    name: Some(file.license_ref(&c.name)),
                    properties,
                },
            }]
        }
        DeclaredLicense::Unrecognized(text) => vec![LicenseChoice::License {
            license: License {
                id: None,
                name: Some(text.clone()),
                properties: Vec::new(),
            },
        }],
        DeclaredLicense::None => Vec::new(),
    }
}

fn external_references(c: &Component) -> Vec<ExternalReference> {
    let mut refs = Vec::new();
    let mut push = |kind: &'static str, url: &Option<String>| {
        if let Some(url) = url.as_ref().filter(|u| is_url(u)) {
            refs.push(ExternalReference {
                kind,
                url: url.clone(),
            });
        }
    };
    push("vcs", &c.repository);
    push("website", &c.homepage);
    push("documentation", &c.documentation);
    if let Some(url) = c.distribution_url() {
        refs.push(ExternalReference {
            kind: "distribution",
            url,
        });
    }
    refs
}
