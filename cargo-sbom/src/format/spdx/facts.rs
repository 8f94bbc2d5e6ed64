//! SPDX 2 documents read into the profiles' terms.

use std::collections::HashSet;

use serde_json::Value;

use crate::format::facts::{ComponentFacts, SbomFacts, array};
use crate::format::problem::component_location;
use crate::format::text;
use crate::graph::person::email;

/// A licence field with an assertion (not `NOASSERTION`/`NONE`).
fn asserted(value: Option<&Value>) -> bool {
    text(value).is_some_and(|l| !matches!(l, "NOASSERTION" | "NONE"))
}

/// `Person: Name (email)` or `Organization: Name (email)` with a real address.
fn actor_contact(actor: &str) -> bool {
    actor
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .and_then(email)
        .is_some()
}

/// The facts of an SPDX 2 document.
pub(crate) fn facts(document: &Value) -> SbomFacts {
    let creation = document.get("creationInfo");
    let creators: Vec<&str> = array(creation.and_then(|c| c.get("creators")))
        .filter_map(Value::as_str)
        .collect();
    let comment = text(creation.and_then(|c| c.get("comment"))).unwrap_or_default();
    // (element, related element, type) of every relationship, read once.
    let field = |r: &'_ Value, key: &str| -> String {
        r.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let relationships: Vec<(String, String, String)> = array(document.get("relationships"))
        .map(|r| {
            (
                field(r, "spdxElementId"),
                field(r, "relatedSpdxElement"),
                field(r, "relationshipType"),
            )
        })
        .collect();
    let described_id = relationships
        .iter()
        .find(|(from, _, kind)| from == "SPDXRef-DOCUMENT" && kind == "DESCRIBES")
        .map(|(_, to, _)| to.clone());
    // The packages with a dependency relationship of their own, in either direction.
    let mut with_dependencies: HashSet<&str> = HashSet::new();
    for (from, to, kind) in &relationships {
        if matches!(kind.as_str(), "DEPENDS_ON" | "CONTAINS") {
            with_dependencies.insert(from);
        } else if kind.ends_with("DEPENDENCY_OF") {
            with_dependencies.insert(to);
        }
    }
    let depends = |id: &str| with_dependencies.contains(id);
    let mut root = None;
    let mut components = Vec::new();
    for (index, package) in array(document.get("packages")).enumerate() {
        let id = package
            .get("SPDXID")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let refs: Vec<&Value> = array(package.get("externalRefs")).collect();
        let checksums: Vec<&Value> = array(package.get("checksums")).collect();
        let supplier =
            text(package.get("supplier")).filter(|s| !matches!(*s, "NOASSERTION" | "NONE"));
        let originator = text(package.get("originator"));
        let facts = ComponentFacts {
            location: component_location(&format!("/packages/{index}"), package),
            name: text(package.get("name")).is_some(),
            version: text(package.get("versionInfo")).is_some(),
            supplier: supplier.is_some(),
            creator_contact: supplier.is_some_and(actor_contact)
                || originator.is_some_and(actor_contact),
            identifier: refs.iter().any(|r| {
                matches!(
                    r.get("referenceType").and_then(Value::as_str),
                    Some("purl" | "cpe22Type" | "cpe23Type" | "swid")
                )
            }),
            hash: checksums
                .iter()
                .any(|c| text(c.get("checksumValue")).is_some()),
            deployable_sha512: checksums
                .iter()
                .any(|c| c.get("algorithm").and_then(Value::as_str) == Some("SHA512")),
            filename: text(package.get("packageFileName")).is_some(),
            // SPDX 2 has no place for BSI's three properties.
            executable: false,
            archive: false,
            structured: false,
            license: text(package.get("licenseConcluded")).is_some()
                || text(package.get("licenseDeclared")).is_some(),
            concluded_license: asserted(package.get("licenseConcluded")),
            declared_license: asserted(package.get("licenseDeclared")),
            dependencies: depends(id),
            completeness: false,
        };
        if described_id.as_deref() == Some(id) {
            root = Some(facts);
        } else {
            components.push(facts);
        }
    }
    // SPDX 2 cannot state "no dependencies": a document of the product alone says it.
    let root_dependencies =
        described_id.as_deref().is_some_and(depends) || (root.is_some() && components.is_empty());
    let manufacturer = creators.iter().find(|c| c.starts_with("Organization:"));
    let root_package = described_id.as_deref().and_then(|id| {
        array(document.get("packages"))
            .find(|p| p.get("SPDXID").and_then(Value::as_str) == Some(id))
    });
    SbomFacts {
        family: super::FORMAT.id,
        version: text(document.get("spdxVersion"))
            .unwrap_or_default()
            .to_owned(),
        author: !creators.is_empty(),
        creator_contact: creators.iter().any(|c| {
            (c.starts_with("Person:") || c.starts_with("Organization:")) && actor_contact(c)
        }),
        tool: creators.iter().any(|c| c.starts_with("Tool:")),
        timestamp: text(creation.and_then(|c| c.get("created"))).is_some(),
        generation_context: comment.contains("generation context:"),
        sbom_uri: text(document.get("documentNamespace")).is_some(),
        sbom_version: comment.contains("SBOM version:"),
        manufacturer: manufacturer.is_some(),
        manufacturer_contact: manufacturer.is_some_and(|m| actor_contact(m)),
        security_contact: root_package.is_some_and(|p| {
            array(p.get("externalRefs")).any(|r| {
                r.get("referenceCategory").and_then(Value::as_str) == Some("SECURITY")
                    && r.get("referenceType").and_then(Value::as_str) == Some("url")
            })
        }),
        root,
        root_dependencies,
        components,
    }
}
