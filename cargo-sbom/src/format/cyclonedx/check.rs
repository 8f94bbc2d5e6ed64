//! NTIA minimum elements and reference checks of CycloneDX documents.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::format::problem::*;
use crate::format::{text, truncate};

pub(crate) fn check_cyclonedx(document: &Value, problems: &mut Vec<Problem>) {
    let metadata = document.get("metadata");
    if text(metadata.and_then(|m| m.get("timestamp"))).is_none() {
        problems.push(Problem::new(
            "/metadata/timestamp",
            "NTIA: the document has no timestamp (metadata.timestamp)",
        ));
    }
    let has_author = metadata.is_some_and(|m| {
        non_empty_array(m.get("authors"))
            || has_tools(m.get("tools"))
            || has_entity(m.get("manufacturer"))
            || has_entity(m.get("manufacture"))
    });
    if !has_author {
        problems.push(Problem::new(
            "/metadata",
            "NTIA: the document names no author (metadata.authors, metadata.tools or metadata.manufacturer)",
        ));
    }

    // Every component, in document order; then the bom-refs of components and services.
    let components = super::components_at(document);
    let mut services: Vec<(String, &Value)> = Vec::new();
    super::collect_nested(document, "", "services", &mut services);

    for (pointer, component) in &components {
        let location = component_location(pointer, component);
        let mut missing = Vec::new();
        if text(component.get("name")).is_none() {
            missing.push("name");
        }
        if text(component.get("version")).is_none() {
            missing.push("version");
        }
        if text(component.get("bom-ref")).is_none() && text(component.get("purl")).is_none() {
            missing.push("unique identifier (bom-ref or purl)");
        }
        if text(component.get("supplier").and_then(|s| s.get("name"))).is_none() {
            missing.push("supplier (supplier.name)");
        }
        if !missing.is_empty() {
            problems.push(Problem::new(
                location,
                format!("NTIA: missing {}", missing.join(", ")),
            ));
        }
    }

    let mut refs: BTreeMap<&str, &str> = BTreeMap::new();
    for (pointer, element) in components.iter().chain(&services) {
        if let Some(bom_ref) = element.get("bom-ref").and_then(Value::as_str) {
            if let Some(first) = refs.get(bom_ref) {
                problems.push(Problem::new(
                    format!("{pointer}/bom-ref"),
                    format!(
                        "duplicate bom-ref `{}`, also used at {first}",
                        truncate(bom_ref, 200)
                    ),
                ));
            } else {
                refs.insert(bom_ref, pointer);
            }
        }
    }

    let root = metadata
        .and_then(|m| m.get("component"))
        .filter(|c| c.is_object());
    let root_ref = root.and_then(|c| text(c.get("bom-ref")));
    let dependencies = document.get("dependencies").and_then(Value::as_array);
    match (root, root_ref) {
        (None, _) => problems.push(Problem::new(
            "/metadata/component",
            "NTIA: the document does not name the component it describes (metadata.component)",
        )),
        (Some(_), None) => problems.push(Problem::new(
            "/metadata/component",
            "NTIA: the root component has no bom-ref, so no dependency relationship can name it",
        )),
        (Some(_), Some(root_ref)) => {
            let listed = dependencies.is_some_and(|deps| {
                deps.iter()
                    .any(|d| d.get("ref").and_then(Value::as_str) == Some(root_ref))
            });
            if !listed {
                problems.push(Problem::new(
                    "/dependencies",
                    format!(
                        "NTIA: no dependency relationships for the root component `{}` (a `dependencies` entry with this ref)",
                        truncate(root_ref, 200)
                    ),
                ));
            }
        }
    }
    for (i, dependency) in dependencies.into_iter().flatten().enumerate() {
        if let Some(reference) = dependency.get("ref").and_then(Value::as_str)
            && !refs.contains_key(reference)
        {
            problems.push(unknown_ref(format!("/dependencies/{i}/ref"), reference));
        }
        for key in ["dependsOn", "provides"] {
            let targets = dependency.get(key).and_then(Value::as_array);
            for (j, target) in targets.into_iter().flatten().enumerate() {
                if let Some(reference) = target.as_str()
                    && !refs.contains_key(reference)
                {
                    problems.push(unknown_ref(
                        format!("/dependencies/{i}/{key}/{j}"),
                        reference,
                    ));
                }
            }
        }
    }
}

fn unknown_ref(location: String, reference: &str) -> Problem {
    Problem::new(
        location,
        format!(
            "`{}` is not the bom-ref of any component or service",
            truncate(reference, 200)
        ),
    )
}

/// `metadata.tools`: the legacy array of tools, or the object of components and services.
fn has_tools(tools: Option<&Value>) -> bool {
    match tools {
        Some(Value::Array(tools)) => !tools.is_empty(),
        Some(Value::Object(tools)) => {
            non_empty_array(tools.get("components")) || non_empty_array(tools.get("services"))
        }
        _ => false,
    }
}

/// An organizational entity with a name, a URL or a contact.
fn has_entity(entity: Option<&Value>) -> bool {
    entity.is_some_and(|e| {
        text(e.get("name")).is_some()
            || non_empty_array(e.get("url"))
            || non_empty_array(e.get("contact"))
    })
}
