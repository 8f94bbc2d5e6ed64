//! The CycloneDX JSON writer (specification 1.5, 1.6 and 1.7).
//!
//! Build-time-only and dev-only components get `scope: excluded` and a `cargo-sbom:usage`
//! property; the dependency list has one entry per component, empty `dependsOn` included.

use std::borrow::Cow;

use serde::Serialize;

use super::CycloneDxVersion;
use crate::digest::{Algorithm, Digests, Sha256Hex};
use crate::document::{
    PLACEHOLDER_UUID, TOOL_NAME, TOOL_VERSION, is_url, to_json_with_content_uuid,
};
use crate::format::DocumentOptions;
use crate::format::bsi;
use crate::graph::{Component, ComponentSource, Person, ResolvedGraph, Subject, Supplier, Usage};
use crate::license::{DeclaredLicense, single_spdx_id};
use crate::product::{Organization, Producer, component_creator};

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
    pub const HASH_METHOD: &str = "cargo-sbom:hash-method";
    /// The BSI TR-03183-2 taxonomy (github.com/BSI-Bund/tr-03183-cyclonedx-property-taxonomy).
    pub const BSI_FILENAME: &str = "bsi:component:filename";
    pub const BSI_EXECUTABLE: &str = "bsi:component:executable";
    pub const BSI_ARCHIVE: &str = "bsi:component:archive";
    pub const BSI_STRUCTURED: &str = "bsi:component:structured";
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    compositions: Vec<Composition<'a>>,
}

#[derive(Serialize)]
struct Composition<'a> {
    aggregate: &'static str,
    dependencies: Vec<&'a str>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: String,
    lifecycles: [Phase; 1],
    tools: Tools,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<OwnedContact>,
    component: CdxComponent<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manufacturer: Option<Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Entity>,
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
    manufacturer: Option<Entity>,
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
    purl: Option<Cow<'a, str>>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference<'a>>,
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
    content: Cow<'a, str>,
}

/// The component's digests ([`Digests::listed`]: SHA-512 first, the hash the BSI TR asks for).
fn hashes<'a>(digests: Option<&'a Digests>, lock_sha256: Option<&'a Sha256Hex>) -> Vec<Hash<'a>> {
    Digests::listed(digests, lock_sha256)
        .into_iter()
        .map(|(alg, content)| Hash {
            alg: match alg {
                Algorithm::Sha512 => "SHA-512",
                Algorithm::Sha256 => "SHA-256",
            },
            content: content.into(),
        })
        .collect()
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License {
        license: License,
    },
    Expression {
        expression: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        acknowledgement: Option<&'static str>,
    },
}

#[derive(Serialize)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acknowledgement: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct ExternalReference<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash<'a>>,
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
    let v1_6 = version >= CycloneDxVersion::V1_6;
    let workspace_ref;
    let stand_in;
    let (mut root_component, root_deps): (CdxComponent<'_>, Option<Dependency<'_>>) =
        match &graph.subject {
            Subject::Package(id) => (
                component(graph.component(*id), version, &graph.producer),
                None,
            ),
            Subject::Workspace {
                name,
                version: ws_version,
                members,
            } => {
                workspace_ref = format!("workspace:{name}@{ws_version}");
                stand_in = bsi::workspace_root(graph);
                let mut root = CdxComponent {
                    kind: "application",
                    bom_ref: &workspace_ref,
                    supplier: graph.producer.supplier.as_ref().map(organization),
                    manufacturer: None,
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
                if let Some(stand_in) = &stand_in {
                    root.purl = Some(stand_in.purl.as_str().into());
                    if let Some(license) = &stand_in.license {
                        root.licenses = vec![LicenseChoice::Expression {
                            expression: license.clone(),
                            acknowledgement: if v1_6 { Some("concluded") } else { None },
                        }];
                    }
                    if stand_in.digests.is_some() {
                        root.hashes = hashes(stand_in.digests.as_ref(), None);
                        root.properties.push(Property {
                            name: property::HASH_METHOD,
                            value: bsi::WORKSPACE_METHOD.to_owned(),
                        });
                    }
                }
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
    decorate_root(&mut root_component, graph, v1_6);
    let root_ref = root_component.bom_ref;
    let components = graph
        .components()
        .iter()
        .filter(|c| c.bom_ref != root_ref)
        .map(|c| component(c, version, &graph.producer))
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
    let compositions = compositions(graph, &dependencies);

    let manufacturer = graph.producer.manufacturer.as_ref();
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
            // The SBOM's author is the manufacturer, for whom the tool writes it.
            authors: manufacturer
                .map(|m| OwnedContact {
                    name: m.name.clone(),
                    email: m.email.clone(),
                })
                .into_iter()
                .collect(),
            component: root_component,
            manufacturer: manufacturer.filter(|_| v1_6).map(organization),
            supplier: graph.producer.supplier.as_ref().map(organization),
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
        compositions,
    };
    to_json_with_content_uuid(&bom, "\"serialNumber\": \"urn:uuid:")
}

/// The described root: its vulnerability contact and, after a build, the built file's name and
/// hashes (the deployable form the SBOM describes).
fn decorate_root<'a>(root: &mut CdxComponent<'a>, graph: &'a ResolvedGraph, v1_6: bool) {
    if let Some(contact) = &graph.producer.security_contact {
        root.external_references.push(ExternalReference {
            kind: "security-contact",
            url: contact.clone(),
            comment: None,
            hashes: Vec::new(),
        });
    }
    if root.manufacturer.is_none() && v1_6 {
        root.manufacturer = graph.producer.manufacturer.as_ref().map(organization);
    }
    if root.supplier.is_none() {
        root.supplier = graph.producer.supplier.as_ref().map(organization);
    }
    let Some(artifact) = bsi::primary_artifact(&graph.artifacts) else {
        return;
    };
    root.hashes = hashes(Some(&artifact.digests), None);
    root.properties.retain(|p| !p.name.starts_with("bsi:"));
    root.properties
        .extend(bsi_properties(&bsi::Deployable::artifact(artifact)));
}

/// Dependency completeness (BSI TR-03183-2 §5.2.2): complete for every component whose Rust
/// dependencies are all listed; incomplete where the SBOM knows it is not: a package that links
/// a native library (`links`), whose library is not a crate, and one whose build-time
/// dependencies were left out (`--no-build-deps`).
fn compositions<'a>(
    graph: &ResolvedGraph,
    dependencies: &[Dependency<'a>],
) -> Vec<Composition<'a>> {
    let incomplete: std::collections::HashSet<&str> = graph
        .components()
        .iter()
        .filter(|c| c.links.is_some() || c.build_deps_omitted)
        .map(|c| c.bom_ref.as_str())
        .collect();
    let (partial, complete): (Vec<&str>, Vec<&str>) = dependencies
        .iter()
        .map(|d| d.reference)
        .partition(|r| incomplete.contains(r));
    [("complete", complete), ("incomplete", partial)]
        .into_iter()
        .filter(|(_, refs)| !refs.is_empty())
        .map(|(aggregate, dependencies)| Composition {
            aggregate,
            dependencies,
        })
        .collect()
}

fn component<'a>(
    c: &'a Component,
    version: CycloneDxVersion,
    producer: &Producer,
) -> CdxComponent<'a> {
    let kind = if c.is_workspace_member && c.has_binary {
        "application"
    } else {
        "library"
    };
    let v1_6 = version >= CycloneDxVersion::V1_6;
    let (authors, author) = if c.authors.is_empty() {
        (None, None)
    } else if v1_6 {
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
    if c.digests.is_some() && c.digests_of_source() {
        properties.push(Property {
            name: property::HASH_METHOD,
            value: crate::source_tree::METHOD.to_owned(),
        });
    }
    properties.extend(bsi_properties(&bsi::Deployable::crate_file(c)));
    CdxComponent {
        kind,
        bom_ref: &c.bom_ref,
        supplier: c.supplier.as_ref().map(entity),
        manufacturer: component_creator(c, producer)
            .filter(|_| v1_6)
            .map(|o| organization(&o)),
        authors,
        author,
        name: &c.name,
        version: &c.version,
        description: c.description.as_deref(),
        scope: Some(scope),
        hashes: hashes(c.digests.as_ref(), c.sha256.as_ref()),
        licenses: licenses(c, version),
        purl: Some(c.purl.as_str().into()),
        external_references: external_references(c),
        properties,
    }
}

fn bsi_properties(deployable: &bsi::Deployable) -> Vec<Property> {
    vec![
        Property {
            name: property::BSI_FILENAME,
            value: deployable.file_name.clone(),
        },
        Property {
            name: property::BSI_EXECUTABLE,
            value: deployable.executable().to_owned(),
        },
        Property {
            name: property::BSI_ARCHIVE,
            value: deployable.archive().to_owned(),
        },
        Property {
            name: property::BSI_STRUCTURED,
            value: deployable.structured().to_owned(),
        },
    ]
}

fn person_text(p: &Person) -> String {
    match &p.email {
        Some(email) => format!("{} <{email}>", p.name),
        None => p.name.clone(),
    }
}

fn organization(org: &Organization) -> Entity {
    Entity {
        name: org.name.clone(),
        url: org.url.iter().cloned().collect(),
        contact: org
            .email
            .iter()
            .map(|email| OwnedContact {
                name: org.name.clone(),
                email: Some(email.clone()),
            })
            .collect(),
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
            url: person.url.iter().cloned().collect(),
            contact: vec![OwnedContact {
                name: person.name.clone(),
                email: person.email.clone(),
            }],
        },
    }
}

/// The declared license and, from 1.6 on, the concluded one ([`DeclaredLicense::concluded`]).
/// CycloneDX 1.6 allows a single entry when it is an expression: then only the concluded one
/// is written, which is the declared expression itself.
fn licenses(c: &Component, version: CycloneDxVersion) -> Vec<LicenseChoice> {
    let v1_6 = version >= CycloneDxVersion::V1_6;
    let declared = if v1_6 { Some("declared") } else { None };
    let mut list = match &c.license {
        DeclaredLicense::Expression(text) if single_spdx_id(text) => vec![LicenseChoice::License {
            license: License {
                id: Some(text.clone()),
                name: None,
                acknowledgement: declared,
                properties: Vec::new(),
            },
        }],
        DeclaredLicense::Expression(text) => {
            let acknowledgement = match version {
                CycloneDxVersion::V1_5 => None,
                CycloneDxVersion::V1_6 => Some("concluded"),
                _ => declared,
            };
            vec![LicenseChoice::Expression {
                expression: text.clone(),
                acknowledgement,
            }]
        }
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
                    acknowledgement: declared,
                    properties,
                },
            }]
        }
        DeclaredLicense::Unrecognized(text) => vec![LicenseChoice::License {
            license: License {
                id: None,
                name: Some(text.clone()),
                acknowledgement: declared,
                properties: Vec::new(),
            },
        }],
        DeclaredLicense::None => Vec::new(),
    };
    let one_expression = version == CycloneDxVersion::V1_6
        && matches!(list.first(), Some(LicenseChoice::Expression { .. }));
    if v1_6
        && !one_expression
        && let Some(concluded) = c.license.concluded(&c.name)
    {
        list.push(if single_spdx_id(&concluded) {
            LicenseChoice::License {
                license: License {
                    id: Some(concluded),
                    name: None,
                    acknowledgement: Some("concluded"),
                    properties: Vec::new(),
                },
            }
        } else if concluded.starts_with("LicenseRef-") && version == CycloneDxVersion::V1_6 {
            LicenseChoice::License {
                license: License {
                    id: None,
                    name: Some(concluded),
                    acknowledgement: Some("concluded"),
                    properties: Vec::new(),
                },
            }
        } else {
            LicenseChoice::Expression {
                expression: concluded,
                acknowledgement: Some("concluded"),
            }
        });
    }
    list
}

fn external_references(c: &Component) -> Vec<ExternalReference<'_>> {
    let mut refs = Vec::new();
    let mut push = |kind: &'static str, url: &Option<String>| {
        if let Some(url) = url.as_ref().filter(|u| is_url(u)) {
            refs.push(ExternalReference {
                kind,
                url: url.clone(),
                comment: None,
                hashes: Vec::new(),
            });
        }
    };
    push("vcs", &c.repository);
    push("website", &c.homepage);
    push("documentation", &c.documentation);
    // The deployable form and its hashes (BSI TR-03183-2: the hash of the deployable component
    // sits on the distribution reference).
    let (url, comment) = match (c.distribution_url(), &c.source) {
        // A repository that is not hosted (a local `file:` one) is still where the commit is.
        (
            url,
            ComponentSource::Git {
                url: repository,
                commit,
            },
        ) => (
            url.unwrap_or_else(|| format!("git+{repository}@{commit}")),
            Some(format!(
                "the git checkout; hashes by {}",
                crate::source_tree::METHOD
            )),
        ),
        (Some(url), _) => (url, None),
        (None, ComponentSource::Workspace { path } | ComponentSource::Path { path }) => (
            format!("file:{path}"),
            Some(format!(
                "the package source at {path} (relative to the workspace root); hashes by {}",
                crate::source_tree::METHOD
            )),
        ),
        (None, _) => return refs,
    };
    refs.push(ExternalReference {
        kind: "distribution",
        url,
        comment,
        hashes: hashes(c.digests.as_ref(), c.sha256.as_ref()),
    });
    refs
}
