//! SPDX 3 documents read into the profiles' terms.

use std::collections::HashMap;

use serde_json::Value;

use super::read::{graph, hash, ids, purl, type_of};
use crate::format::facts::{ComponentFacts, SbomFacts};
use crate::format::text;
use crate::graph::person::{email, is_web_url};

/// Whether an agent can be reached: an `email` identifier or a web page.
fn reachable(agent: Option<&&Value>) -> bool {
    let Some(agent) = agent else { return false };
    let identifiers = agent.get("externalIdentifier").and_then(Value::as_array);
    let refs = agent.get("externalRef").and_then(Value::as_array);
    identifiers.into_iter().flatten().any(|i| {
        i.get("externalIdentifierType").and_then(Value::as_str) == Some("email")
            && text(i.get("identifier")).and_then(email).is_some()
    }) || refs.into_iter().flatten().any(|r| {
        r.get("locator")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(is_web_url)
    })
}

/// The facts of an SPDX 3 document.
pub(crate) fn facts(document: &Value) -> SbomFacts {
    let objects: Vec<&Value> = graph(document).collect();
    let by_id: HashMap<&str, &Value> = objects
        .iter()
        .filter_map(|o| Some((o.get("spdxId")?.as_str()?, *o)))
        .collect();
    let creation = objects
        .iter()
        .find(|o| type_of(o) == Some("CreationInfo"))
        .copied()
        .or_else(|| {
            objects
                .iter()
                .find_map(|o| o.get("creationInfo").filter(|c| c.is_object()))
        });
    let created_by: Vec<&Value> = ids(creation.and_then(|c| c.get("createdBy")))
        .into_iter()
        .filter_map(|id| by_id.get(id).copied())
        .collect();
    // Every relationship by its `from`, once: the facts of each package look up its own.
    let mut outgoing: HashMap<&str, Vec<(&str, &Value)>> = HashMap::new();
    for object in &objects {
        if let (Some(from), Some(kind)) = (
            object.get("from").and_then(Value::as_str),
            object.get("relationshipType").and_then(Value::as_str),
        ) {
            outgoing.entry(from).or_default().push((kind, *object));
        }
    }
    let relations = |id: &str| outgoing.get(id).map(Vec::as_slice).unwrap_or_default();
    let related = |id: &str, wanted: &str| -> Vec<&Value> {
        relations(id)
            .iter()
            .filter(|(kind, _)| *kind == wanted)
            .flat_map(|(_, r)| ids(r.get("to")))
            .filter_map(|to| by_id.get(to).copied())
            .collect()
    };
    let is_dependency = |kind: &str| matches!(kind, "dependsOn" | "contains");
    let licensed = |id: &str, wanted: &str| {
        related(id, wanted).iter().any(|l| {
            text(l.get("simplelicensing_licenseExpression"))
                .is_some_and(|e| !matches!(e, "NOASSERTION" | "NONE"))
        })
    };
    let sbom = objects.iter().find(|o| type_of(o) == Some("software_Sbom"));
    let root_ids: Vec<&str> = sbom.map(|s| ids(s.get("rootElement"))).unwrap_or_default();
    let package_facts = |index: usize, p: &Value| -> ComponentFacts {
        let id = p.get("spdxId").and_then(Value::as_str).unwrap_or_default();
        let files = related(id, "hasDistributionArtifact");
        let purposes: Vec<&str> = files
            .iter()
            .flat_map(|f| {
                f.get("software_additionalPurpose")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(Value::as_str)
            .collect();
        let depends: Vec<&Value> = relations(id)
            .iter()
            .filter(|(kind, _)| is_dependency(kind))
            .map(|(_, r)| *r)
            .collect();
        let supplier = p
            .get("suppliedBy")
            .and_then(Value::as_str)
            .and_then(|s| by_id.get(s));
        let creators: Vec<&Value> = ids(p.get("originatedBy"))
            .into_iter()
            .filter_map(|o| by_id.get(o).copied())
            .collect();
        let name = text(p.get("name"));
        ComponentFacts {
            location: match name {
                Some(name) => format!("/@graph/{index} ({name})"),
                None => format!("/@graph/{index}"),
            },
            name: name.is_some(),
            version: text(p.get("software_packageVersion")).is_some(),
            supplier: supplier.is_some() || !creators.is_empty(),
            creator_contact: creators.iter().any(|c| reachable(Some(c))) || reachable(supplier),
            identifier: purl(p).is_some(),
            hash: p
                .get("verifiedUsing")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty()),
            deployable_sha512: files.iter().any(|f| hash(f, "sha512").is_some()),
            filename: files.iter().any(|f| text(f.get("name")).is_some()),
            // The TR maps the three properties to the distribution file's purposes: its
            // presence states them (absent purposes say "non-executable", "no archive").
            executable: !purposes.is_empty(),
            archive: !purposes.is_empty(),
            structured: purposes
                .iter()
                .any(|p| matches!(*p, "container" | "firmware")),
            license: relations(id)
                .iter()
                .any(|(kind, _)| matches!(*kind, "hasConcludedLicense" | "hasDeclaredLicense")),
            concluded_license: licensed(id, "hasConcludedLicense"),
            declared_license: licensed(id, "hasDeclaredLicense"),
            dependencies: !depends.is_empty(),
            completeness: depends
                .iter()
                .any(|r| text(r.get("completeness")).is_some()),
        }
    };
    let mut root = None;
    let mut components = Vec::new();
    for (index, object) in graph(document).enumerate() {
        if type_of(object) != Some("software_Package") {
            continue;
        }
        let facts = package_facts(index, object);
        let id = object
            .get("spdxId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if root.is_none() && root_ids.first() == Some(&id) {
            root = Some(facts);
        } else {
            components.push(facts);
        }
    }
    let root_object = root_ids.first().and_then(|id| by_id.get(id));
    let manufacturer: Vec<&Value> = root_object
        .map(|r| ids(r.get("originatedBy")))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|id| by_id.get(id).copied())
        .collect();
    let comment = text(creation.and_then(|c| c.get("comment"))).unwrap_or_default();
    SbomFacts {
        family: super::FORMAT.id,
        version: text(creation.and_then(|c| c.get("specVersion")))
            .unwrap_or_default()
            .to_owned(),
        author: !created_by.is_empty(),
        creator_contact: created_by.iter().any(|a| reachable(Some(a))),
        tool: !ids(creation.and_then(|c| c.get("createdUsing"))).is_empty(),
        timestamp: text(creation.and_then(|c| c.get("created"))).is_some(),
        generation_context: sbom.is_some_and(|s| {
            s.get("software_sbomType")
                .and_then(Value::as_array)
                .is_some_and(|t| !t.is_empty())
        }),
        sbom_uri: objects
            .iter()
            .any(|o| type_of(o) == Some("SpdxDocument") && text(o.get("spdxId")).is_some()),
        sbom_version: comment.contains("SBOM version:"),
        manufacturer: manufacturer.iter().any(|m| text(m.get("name")).is_some()),
        manufacturer_contact: manufacturer.iter().any(|m| reachable(Some(m))),
        security_contact: root_object.is_some_and(|r| {
            r.get("externalRef")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|e| {
                    matches!(
                        e.get("externalRefType").and_then(Value::as_str),
                        Some("securityOther" | "securityPolicy" | "securityAdvisory")
                    )
                })
        }),
        root,
        // A relationship to `NoneElement` states that the product has no dependencies.
        root_dependencies: root_ids
            .iter()
            .any(|id| relations(id).iter().any(|(kind, _)| is_dependency(kind))),
        components,
    }
}
