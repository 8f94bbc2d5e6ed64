//! The SPDX 3.0.1 JSON-LD writer.
//!
//! One `SpdxDocument` whose root is one `software_Sbom`, whose root is the described package.
//! Every component is a `software_Package` with its purl, hashes, supplier (`suppliedBy`) and
//! creator (`originatedBy`); its deployable form is a `software_File` (`NAME-VERSION.crate`,
//! or the built file of the root) reached by `hasDistributionArtifact`, as BSI TR-03183-2 maps
//! it. Licenses are `simplelicensing_LicenseExpression` elements reached by
//! `hasDeclaredLicense` and `hasConcludedLicense`. Each component's dependencies are one
//! `LifecycleScopedRelationship` `dependsOn` per scope (runtime, build, development) with its
//! completeness; a leaf depends on `NoneElement`.
//!
//! Element ids are IRIs below a namespace that ends in the content UUID of the document, and
//! every id after the namespace is derived from content (purls, names), so the same graph gives
//! the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::digest::{Algorithm, Digests, Sha256Hex};
use crate::document::{
    PLACEHOLDER_UUID, TOOL_NAME, TOOL_VERSION, content_uuid, is_url, to_json_bytes,
};
use crate::format::DocumentOptions;
use crate::format::bsi::{self, Deployable};
use crate::format::spdx::write::{package_comment, source_info, spdx_id};
use crate::graph::{Component, EdgeKind, ResolvedGraph, Subject, Supplier};
use crate::license::spdx_idstring;
use crate::product::{Organization, Producer, component_creator};

use super::CONTEXT;

const CREATION_INFO: &str = "_:creationinfo";
const PROFILES: [&str; 3] = ["core", "software", "simpleLicensing"];

/// Collects the elements of the document, each once.
struct Elements {
    namespace: String,
    /// By id, so the output is ordered and free of duplicates.
    by_id: BTreeMap<String, Value>,
}

impl Elements {
    fn id(&self, fragment: &str) -> String {
        format!("{}#{fragment}", self.namespace)
    }

    fn add(&mut self, kind: &str, fragment: &str, mut fields: Value) -> String {
        let id = self.id(fragment);
        if let Some(object) = fields.as_object_mut() {
            object.insert("type".into(), kind.into());
            object.insert("spdxId".into(), id.clone().into());
            object.insert("creationInfo".into(), CREATION_INFO.into());
        }
        self.by_id.entry(id.clone()).or_insert(fields);
        id
    }

    /// An agent (an organisation, or an agent of unknown kind), once per name and contact.
    fn agent(&mut self, kind: &str, org: &Organization) -> String {
        let key = format!("{}\n{:?}\n{:?}", org.name, org.url, org.email);
        let digest = content_uuid(key.as_bytes()).simple().to_string();
        let fragment = format!(
            "SPDXRef-{kind}-{}-{}",
            spdx_idstring(&org.name),
            &digest[..8]
        );
        let mut fields = json!({ "name": org.name });
        if let Some(email) = &org.email {
            fields["externalIdentifier"] = json!([{
                "type": "ExternalIdentifier",
                "externalIdentifierType": "email",
                "identifier": email,
            }]);
        }
        if let Some(url) = &org.url {
            fields["externalRef"] = json!([{
                "type": "ExternalRef",
                "externalRefType": "altWebPage",
                "locator": [url],
            }]);
        }
        self.add(kind, &fragment, fields)
    }

    fn license(&mut self, expression: &str) -> String {
        let digest = content_uuid(expression.as_bytes()).simple().to_string();
        self.add(
            "simplelicensing_LicenseExpression",
            &format!("SPDXRef-License-{}", &digest[..16]),
            json!({ "simplelicensing_licenseExpression": expression }),
        )
    }

    fn relationship(&mut self, from: &str, kind: &str, to: Vec<String>, extra: Value) -> String {
        let scope = extra
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let key = format!("{from}\n{kind}\n{scope}\n{}", to.join("\n"));
        let digest = content_uuid(key.as_bytes()).simple().to_string();
        let mut fields = json!({ "from": from, "relationshipType": kind, "to": to });
        if let (Some(object), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
            object.extend(extra.clone());
        }
        let class = if scope.is_empty() {
            "Relationship"
        } else {
            "LifecycleScopedRelationship"
        };
        self.add(
            class,
            &format!("SPDXRef-Relationship-{}", &digest[..16]),
            fields,
        )
    }
}

/// Renders the graph as an SPDX 3.0.1 JSON-LD document.
pub fn render(graph: &ResolvedGraph, options: &DocumentOptions) -> Vec<u8> {
    let (name, version) = match &graph.subject {
        Subject::Package(root) => {
            let c = graph.component(*root);
            (c.name.clone(), c.version.clone())
        }
        Subject::Workspace { name, version, .. } => (name.clone(), version.clone()),
    };
    let described_as_one = matches!(graph.subject, Subject::Package(_));
    let document_name = format!("{name}-{version}");
    let mut elements = Elements {
        namespace: format!(
            "https://spdx.org/spdxdocs/{}-{PLACEHOLDER_UUID}",
            spdx_idstring(&document_name)
        ),
        by_id: BTreeMap::new(),
    };

    let tool = elements.add(
        "Tool",
        "SPDXRef-Tool-cargo-sbom",
        json!({ "name": format!("{TOOL_NAME} {TOOL_VERSION}") }),
    );
    // The SBOM's author: the manufacturer, for whom the tool writes it; else the tool itself as
    // a software agent (createdBy must be an agent, which a Tool is not).
    let author = match &graph.producer.manufacturer {
        Some(m) => elements.agent("Organization", m),
        None => elements.add(
            "SoftwareAgent",
            "SPDXRef-Agent-cargo-sbom",
            json!({ "name": TOOL_NAME }),
        ),
    };

    let ids: Vec<String> = graph
        .components()
        .iter()
        .map(|c| elements.id(&spdx_id(c)))
        .collect();
    for (index, c) in graph.components().iter().enumerate() {
        package(&mut elements, c, &ids[index], &graph.producer);
    }
    // A workspace described as a whole has its members as the Sbom's roots: SPDX 3 needs no
    // stand-in package for it.
    let root_ids: Vec<String> = graph
        .roots()
        .iter()
        .map(|r| ids[r.index()].clone())
        .collect();
    for root_id in &root_ids {
        decorate_root(&mut elements, graph, root_id, described_as_one);
    }
    dependencies(&mut elements, graph, &ids);

    let data_license = elements.license("CC0-1.0");
    let sbom_id = elements.id("SPDXRef-Sbom");
    let document_id = elements.id("SPDXRef-DOCUMENT");
    let element_ids: Vec<String> = elements.by_id.keys().cloned().collect();
    let sbom = json!({
        "type": "software_Sbom",
        "spdxId": sbom_id,
        "creationInfo": CREATION_INFO,
        "name": format!("SBOM of {document_name}"),
        "software_sbomType": [options.lifecycle.spdx3_sbom_type()],
        "profileConformance": PROFILES,
        "rootElement": root_ids,
        "element": element_ids,
        "comment": format!(
            "target: {}; features: {}; dev-dependencies: {}",
            graph.target,
            graph.features.describe(),
            if graph.include_dev { "included" } else { "excluded" }
        ),
    });
    let mut all_ids = element_ids.clone();
    all_ids.push(sbom_id.clone());
    all_ids.sort();
    let document = json!({
        "type": "SpdxDocument",
        "spdxId": document_id,
        "creationInfo": CREATION_INFO,
        "name": document_name,
        "dataLicense": data_license,
        "profileConformance": PROFILES,
        "rootElement": [sbom_id],
        "element": all_ids,
    });
    let creation_info = json!({
        "type": "CreationInfo",
        "@id": CREATION_INFO,
        "specVersion": "3.0.1",
        "created": options.timestamp.rfc3339(),
        "createdBy": [author],
        "createdUsing": [tool],
        // CISA's generation context in words, and the SBOM version (no SPDX 3 field has it).
        "comment": format!(
            "generation context: {} ({}); SBOM version: 1",
            options.lifecycle.generation_context(),
            options.lifecycle.description()
        ),
    });
    let mut objects = vec![creation_info, document, sbom];
    objects.extend(elements.by_id.into_values());
    let bytes = to_json_bytes(&json!({ "@context": CONTEXT, "@graph": objects }));
    stamp_namespace(bytes)
}

/// Replaces the placeholder in every id with the content UUID of the document as written with it.
fn stamp_namespace(bytes: Vec<u8>) -> Vec<u8> {
    let uuid = content_uuid(&bytes).hyphenated().to_string();
    let text = String::from_utf8(bytes).unwrap_or_default();
    text.replace(PLACEHOLDER_UUID, &uuid).into_bytes()
}

/// The component's digests as `Hash` objects ([`Digests::listed`]).
fn hashes(digests: Option<&Digests>, lock_sha256: Option<&Sha256Hex>) -> Vec<Value> {
    Digests::listed(digests, lock_sha256)
        .into_iter()
        .map(|(algorithm, value)| {
            let algorithm = match algorithm {
                Algorithm::Sha512 => "sha512",
                Algorithm::Sha256 => "sha256",
            };
            json!({ "type": "Hash", "algorithm": algorithm, "hashValue": value })
        })
        .collect()
}

fn package(elements: &mut Elements, c: &Component, id: &str, producer: &Producer) {
    let purpose = if c.is_workspace_member && c.has_binary {
        "application"
    } else {
        "library"
    };
    let mut fields = json!({
        "name": c.name,
        "software_packageVersion": c.version,
        "software_packageUrl": c.purl,
        "software_primaryPurpose": purpose,
        "comment": package_comment(c),
        "externalIdentifier": [{
            "type": "ExternalIdentifier",
            "externalIdentifierType": "packageUrl",
            "identifier": c.purl,
        }],
    });
    let hashes = hashes(c.digests.as_ref(), c.sha256.as_ref());
    if !hashes.is_empty() {
        fields["verifiedUsing"] = hashes.clone().into();
    }
    if let Some(url) = c.distribution_url() {
        fields["software_downloadLocation"] = url.into();
    }
    if let Some(home) = c.homepage.as_ref().filter(|u| is_url(u)) {
        fields["software_homePage"] = home.clone().into();
    }
    if let Some(description) = &c.description {
        fields["description"] = description.clone().into();
    }
    if let Some(info) = source_info(c) {
        fields["software_sourceInfo"] = info.into();
    }
    let mut refs = Vec::new();
    for (kind, url) in [("vcs", &c.repository), ("documentation", &c.documentation)] {
        if let Some(url) = url.as_ref().filter(|u| is_url(u)) {
            refs.push(json!({ "type": "ExternalRef", "externalRefType": kind, "locator": [url] }));
        }
    }
    if !refs.is_empty() {
        fields["externalRef"] = refs.into();
    }
    if let Some(supplier) = &c.supplier {
        fields["suppliedBy"] = supplier_agent(elements, supplier).into();
    }
    if let Some(creator) = component_creator(c, producer) {
        fields["originatedBy"] = json!([elements.agent("Agent", &creator)]);
    }
    let fragment = id.rsplit('#').next().unwrap_or_default().to_owned();
    elements.add("software_Package", &fragment, fields);

    // The deployable form.
    let deployable = Deployable::crate_file(c);
    let mut file = file_fields(&deployable, hashes);
    if c.digests.is_some() && c.digests_of_source() {
        file["comment"] = format!(
            "stands for the package source; hashes by {}",
            crate::source_tree::METHOD
        )
        .into();
    }
    let file_id = elements.add(
        "software_File",
        &format!(
            "SPDXRef-File-{}",
            fragment.trim_start_matches("SPDXRef-Package-")
        ),
        file,
    );
    elements.relationship(id, "hasDistributionArtifact", vec![file_id], json!({}));

    // Licenses: declared as written, concluded from it (`DeclaredLicense::concluded`).
    let declared = match &c.license {
        crate::license::DeclaredLicense::Expression(text) => Some(text.clone()),
        crate::license::DeclaredLicense::File(file) => Some(file.license_ref(&c.name)),
        crate::license::DeclaredLicense::Unrecognized(text) => {
            Some(format!("LicenseRef-{}", spdx_idstring(text)))
        }
        crate::license::DeclaredLicense::None => None,
    };
    let declared = match declared {
        Some(expression) => elements.license(&expression),
        None => "expandedlicensing_NoAssertionLicense".to_owned(),
    };
    elements.relationship(id, "hasDeclaredLicense", vec![declared], json!({}));
    let concluded = match c.license.concluded(&c.name) {
        Some(expression) => elements.license(&expression),
        None => "expandedlicensing_NoAssertionLicense".to_owned(),
    };
    elements.relationship(id, "hasConcludedLicense", vec![concluded], json!({}));
}

/// A `software_File` with BSI's three properties as purposes (executable, archive, and
/// `container` for structured, `firmware` for unstructured, as the TR's mapping table says).
fn file_fields(deployable: &Deployable, hashes: Vec<Value>) -> Value {
    let mut purposes = Vec::new();
    if deployable.is_executable {
        purposes.push("executable");
    }
    if deployable.is_archive {
        purposes.push("archive");
    }
    purposes.push(if deployable.is_structured {
        "container"
    } else {
        "firmware"
    });
    let primary = if deployable.is_archive {
        "source"
    } else if deployable.is_executable {
        "application"
    } else {
        "library"
    };
    let mut fields = json!({
        "name": deployable.file_name,
        "software_fileKind": "file",
        "software_primaryPurpose": primary,
        "software_additionalPurpose": purposes,
    });
    if !hashes.is_empty() {
        fields["verifiedUsing"] = hashes.into();
    }
    fields
}

fn supplier_agent(elements: &mut Elements, supplier: &Supplier) -> String {
    match supplier {
        Supplier::Organization { name, url } => elements.agent(
            "Organization",
            &Organization {
                name: name.clone(),
                url: url.clone(),
                email: None,
            },
        ),
        Supplier::Person(p) => elements.agent(
            "Person",
            &Organization {
                name: p.name.clone(),
                url: p.url.clone(),
                email: p.email.clone(),
            },
        ),
    }
}

/// The described root: the manufacturer as its creator, the vulnerability contact, and after
/// a build the built file.
fn decorate_root(elements: &mut Elements, graph: &ResolvedGraph, root_id: &str, only: bool) {
    let manufacturer = graph
        .producer
        .manufacturer
        .as_ref()
        .map(|m| elements.agent("Organization", m));
    let supplier = graph
        .producer
        .supplier
        .as_ref()
        .map(|s| elements.agent("Organization", s));
    let built = bsi::primary_artifact(&graph.artifacts).filter(|_| only);
    let built_file = built.map(|artifact| {
        let deployable = Deployable::artifact(artifact);
        let fields = file_fields(&deployable, hashes(Some(&artifact.digests), None));
        elements.add(
            "software_File",
            &format!("SPDXRef-Artifact-{}", spdx_idstring(&artifact.file_name)),
            fields,
        )
    });
    let Some(root) = elements.by_id.get_mut(root_id) else {
        return;
    };
    if let Some(m) = manufacturer {
        root["originatedBy"] = json!([m]);
    }
    if root.get("suppliedBy").is_none()
        && let Some(s) = supplier
    {
        root["suppliedBy"] = s.into();
    }
    if let Some(contact) = &graph.producer.security_contact {
        let entry = json!({
            "type": "ExternalRef",
            "externalRefType": "securityOther",
            "locator": [contact],
            "comment": "where to report vulnerabilities",
        });
        match root.get_mut("externalRef").and_then(Value::as_array_mut) {
            Some(list) => list.push(entry),
            None => root["externalRef"] = json!([entry]),
        }
    }
    if let (Some(built), Some(file)) = (built, built_file) {
        root["verifiedUsing"] = hashes(Some(&built.digests), None).into();
        elements.relationship(root_id, "hasDistributionArtifact", vec![file], json!({}));
    }
}

/// One `dependsOn` per component and scope, with its completeness; `NoneElement` for a leaf.
fn dependencies(elements: &mut Elements, graph: &ResolvedGraph, ids: &[String]) {
    for (id, c) in graph.iter() {
        let completeness = if c.links.is_some() || c.build_deps_omitted {
            "incomplete"
        } else {
            "complete"
        };
        let mut by_scope: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (to, kind) in graph.dependencies(id) {
            let scope = match kind {
                EdgeKind::Normal if graph.component(*to).is_proc_macro => "build",
                EdgeKind::Normal => "runtime",
                EdgeKind::Build => "build",
                EdgeKind::Dev => "development",
            };
            by_scope
                .entry(scope)
                .or_default()
                .insert(ids[to.index()].clone());
        }
        let from = &ids[id.index()];
        if by_scope.is_empty() {
            elements.relationship(
                from,
                "dependsOn",
                vec!["NoneElement".to_owned()],
                json!({ "completeness": completeness }),
            );
        }
        for (scope, to) in by_scope {
            elements.relationship(
                from,
                "dependsOn",
                to.into_iter().collect(),
                json!({ "scope": scope, "completeness": completeness }),
            );
        }
    }
}
