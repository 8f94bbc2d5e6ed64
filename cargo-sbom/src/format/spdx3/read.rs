//! Reading an SPDX 3 document back: its packages and the package its Sbom describes.

use std::collections::HashMap;

use serde_json::Value;

use crate::format::{JsonObject, SbomComponent, string};

/// The objects of `@graph`.
pub(crate) fn graph(document: &Value) -> impl Iterator<Item = &Value> {
    document
        .get("@graph")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.is_object())
}

/// The `CreationInfo` objects: in `@graph`, or inline in elements.
pub(crate) fn creation_infos(document: &JsonObject) -> impl Iterator<Item = &Value> {
    document
        .get("@graph")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            if type_of(v) == Some("CreationInfo") {
                Some(v)
            } else {
                v.get("creationInfo").filter(|c| c.is_object())
            }
        })
}

/// An object's `type`.
pub(crate) fn type_of(value: &Value) -> Option<&str> {
    value.get("type").and_then(Value::as_str)
}

/// The ids a property names: one string, or an array of them.
pub(crate) fn ids(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Every `software_Package`: name, `software_packageVersion`, its purl, its declared license
/// expression and its SHA-256.
pub fn components(document: &Value) -> Vec<SbomComponent> {
    let objects: Vec<&Value> = graph(document).collect();
    let by_id: HashMap<&str, &Value> = objects
        .iter()
        .filter_map(|o| Some((o.get("spdxId")?.as_str()?, *o)))
        .collect();
    let mut declared: HashMap<&str, String> = HashMap::new();
    for relationship in objects
        .iter()
        .filter(|o| o.get("relationshipType").and_then(Value::as_str) == Some("hasDeclaredLicense"))
    {
        let Some(from) = relationship.get("from").and_then(Value::as_str) else {
            continue;
        };
        let expression = ids(relationship.get("to"))
            .into_iter()
            .find_map(|id| string(by_id.get(id)?.get("simplelicensing_licenseExpression")));
        if let Some(expression) = expression {
            declared.insert(from, expression);
        }
    }
    objects
        .iter()
        .filter(|o| type_of(o) == Some("software_Package"))
        .map(|package| {
            let id = package
                .get("spdxId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            SbomComponent {
                name: string(package.get("name")).unwrap_or_default(),
                version: string(package.get("software_packageVersion")).unwrap_or_default(),
                purl: purl(package),
                license: declared.get(id).cloned(),
                sha256: hash(package, "sha256"),
            }
        })
        .collect()
}

/// `software_packageUrl`, else a `packageUrl` external identifier.
pub(crate) fn purl(package: &Value) -> Option<String> {
    string(package.get("software_packageUrl")).or_else(|| {
        package
            .get("externalIdentifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|i| i.get("externalIdentifierType").and_then(Value::as_str) == Some("packageUrl"))
            .and_then(|i| string(i.get("identifier")))
    })
}

/// The `verifiedUsing` hash of `algorithm` (`sha256`, `sha512`), lower-cased.
pub(crate) fn hash(element: &Value, algorithm: &str) -> Option<String> {
    element
        .get("verifiedUsing")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|h| h.get("algorithm").and_then(Value::as_str) == Some(algorithm))
        .and_then(|h| string(h.get("hashValue")))
        .map(|h| h.to_ascii_lowercase())
}

/// The name and version of the first root element of the (first) `software_Sbom`.
pub fn root(document: &Value) -> Option<(String, String)> {
    let objects: Vec<&Value> = graph(document).collect();
    let sbom = objects
        .iter()
        .find(|o| type_of(o) == Some("software_Sbom"))?;
    let root_id = *ids(sbom.get("rootElement")).first()?;
    let root = objects
        .iter()
        .find(|o| o.get("spdxId").and_then(Value::as_str) == Some(root_id))?;
    Some((
        string(root.get("name"))?,
        string(root.get("software_packageVersion")).unwrap_or_default(),
    ))
}
