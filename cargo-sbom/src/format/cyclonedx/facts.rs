//! CycloneDX documents read into the profiles' terms.

use std::collections::HashSet;

use serde_json::Value;

use crate::format::facts::{ComponentFacts, SbomFacts, array};
use crate::format::problem::component_location;
use crate::format::text;
use crate::graph::person::{email, is_web_url};

/// An organizational entity or contact list that can be reached.
fn reachable(entity: Option<&Value>) -> bool {
    let Some(entity) = entity else { return false };
    array(entity.get("url")).any(|u| u.as_str().is_some_and(is_web_url))
        || array(entity.get("contact")).any(|c| text(c.get("email")).and_then(email).is_some())
        || text(entity.get("email")).and_then(email).is_some()
}

fn named(entity: Option<&Value>) -> bool {
    entity.is_some_and(|e| text(e.get("name")).is_some())
}

fn property(component: &Value, name: &str) -> bool {
    array(component.get("properties")).any(|p| {
        p.get("name").and_then(Value::as_str) == Some(name) && text(p.get("value")).is_some()
    })
}

/// The facts of a CycloneDX document.
pub(crate) fn facts(document: &Value) -> SbomFacts {
    let metadata = document.get("metadata");
    let meta = |key: &str| metadata.and_then(|m| m.get(key));
    let root = meta("component").filter(|c| c.is_object());
    let authors: Vec<&Value> = array(meta("authors")).collect();
    let tools = array(meta("tools").and_then(|t| t.get("components")))
        .any(|t| text(t.get("name")).is_some())
        || array(meta("tools")).any(|t| text(t.get("name")).is_some());
    let manufacturer = meta("manufacturer").or_else(|| root.and_then(|r| r.get("manufacturer")));
    let dependencies: Vec<&Value> = array(document.get("dependencies")).collect();
    let listed: HashSet<&str> = dependencies
        .iter()
        .filter_map(|d| d.get("ref").and_then(Value::as_str))
        .collect();
    let composed: HashSet<&str> = array(document.get("compositions"))
        .filter(|c| text(c.get("aggregate")).is_some())
        .flat_map(|c| array(c.get("dependencies")).chain(array(c.get("assemblies"))))
        .filter_map(Value::as_str)
        .collect();
    let root_ref = root.and_then(|r| r.get("bom-ref")).and_then(Value::as_str);
    let component_facts = |pointer: String, c: &Value| -> ComponentFacts {
        let bom_ref = c.get("bom-ref").and_then(Value::as_str);
        let licenses: Vec<&Value> = array(c.get("licenses")).collect();
        let acknowledged = |which: &str| {
            licenses.iter().any(|l| {
                let ack = l
                    .get("acknowledgement")
                    .or_else(|| l.get("license").and_then(|x| x.get("acknowledgement")))
                    .and_then(Value::as_str);
                ack == Some(which) && license_is_expression(l)
            })
        };
        // CycloneDX 1.6 holds a single entry when it is an expression; the writer gives it as
        // concluded, which is the declared expression itself (`DeclaredLicense::concluded`).
        let lone_expression = licenses.len() == 1 && licenses[0].get("expression").is_some();
        let any_ack = licenses.iter().any(|l| {
            l.get("acknowledgement").is_some()
                || l.get("license")
                    .and_then(|x| x.get("acknowledgement"))
                    .is_some()
        });
        let distribution = array(c.get("externalReferences")).filter(|r| {
            matches!(
                r.get("type").and_then(Value::as_str),
                Some("distribution" | "distribution-intake")
            )
        });
        let mut distribution = distribution;
        let deployable_sha512 = distribution.any(|r| {
            array(r.get("hashes")).any(|h| {
                h.get("alg").and_then(Value::as_str) == Some("SHA-512")
                    && text(h.get("content")).is_some()
            })
        });
        ComponentFacts {
            location: component_location(&pointer, c),
            name: text(c.get("name")).is_some(),
            version: text(c.get("version")).is_some(),
            supplier: named(c.get("supplier")) || named(c.get("manufacturer")),
            creator_contact: reachable(c.get("manufacturer"))
                || reachable(c.get("supplier"))
                || array(c.get("authors")).any(|a| text(a.get("email")).and_then(email).is_some()),
            identifier: ["purl", "cpe", "swid"]
                .iter()
                .any(|k| c.get(*k).is_some_and(|v| !v.is_null())),
            hash: array(c.get("hashes")).any(|h| text(h.get("content")).is_some()),
            deployable_sha512,
            filename: property(c, "bsi:component:filename"),
            executable: property(c, "bsi:component:executable"),
            archive: property(c, "bsi:component:archive"),
            structured: property(c, "bsi:component:structured"),
            license: !licenses.is_empty(),
            concluded_license: acknowledged("concluded"),
            // CycloneDX before 1.6 has no acknowledgement: its licenses are the declared ones.
            declared_license: acknowledged("declared")
                || (lone_expression && license_is_expression(licenses[0]))
                || (!any_ack && licenses.iter().any(|l| license_is_expression(l))),
            dependencies: bom_ref.is_some_and(|r| listed.contains(r)),
            completeness: bom_ref.is_some_and(|r| composed.contains(r)),
        }
    };
    let components = super::components_at(document)
        .into_iter()
        .filter(|(pointer, _)| pointer != "/metadata/component")
        .map(|(pointer, c)| component_facts(pointer, c))
        .collect();
    SbomFacts {
        family: super::FORMAT.id,
        version: document
            .get("specVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        author: authors
            .iter()
            .any(|a| text(a.get("name")).is_some() || text(a.get("email")).is_some())
            || tools
            || named(manufacturer)
            || named(meta("supplier")),
        creator_contact: authors
            .iter()
            .any(|a| text(a.get("email")).and_then(email).is_some())
            || reachable(manufacturer)
            || reachable(meta("supplier")),
        tool: tools,
        timestamp: text(meta("timestamp")).is_some(),
        generation_context: array(meta("lifecycles"))
            .any(|l| text(l.get("phase")).is_some() || text(l.get("name")).is_some()),
        sbom_uri: text(document.get("serialNumber")).is_some_and(|s| s.starts_with("urn:uuid:")),
        sbom_version: document.get("version").and_then(Value::as_u64).is_some(),
        manufacturer: named(manufacturer),
        manufacturer_contact: reachable(manufacturer),
        security_contact: root.is_some_and(|r| {
            array(r.get("externalReferences")).any(|e| {
                matches!(
                    e.get("type").and_then(Value::as_str),
                    Some("security-contact" | "rfc-9116")
                ) && text(e.get("url")).is_some()
            })
        }),
        root: root.map(|r| component_facts("/metadata/component".to_owned(), r)),
        // An entry for the product states its dependencies, an empty one that it has none.
        root_dependencies: root_ref.is_some_and(|r| listed.contains(r)),
        components,
    }
}

/// A license entry naming an SPDX id, an expression or a `LicenseRef-` (not free text).
fn license_is_expression(entry: &Value) -> bool {
    if let Some(expression) = text(entry.get("expression")) {
        return !matches!(expression, "NOASSERTION" | "NONE");
    }
    let license = entry.get("license");
    license.and_then(|l| text(l.get("id"))).is_some()
        || license
            .and_then(|l| text(l.get("name")))
            .is_some_and(|n| n.starts_with("LicenseRef-"))
}
