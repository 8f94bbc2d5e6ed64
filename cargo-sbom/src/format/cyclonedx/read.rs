//! Reading a CycloneDX document back: its components (the root and nested ones included) and
//! the component it describes.

use serde_json::Value;

use crate::format::{SbomComponent, string};

/// `metadata.component` and `components`, nested components included, in document order.
pub fn components(document: &Value) -> Vec<SbomComponent> {
    super::components_at(document)
        .into_iter()
        .map(|(_, component)| entry(component))
        .collect()
}

/// The name and version of `metadata.component`.
pub fn root(document: &Value) -> Option<(String, String)> {
    let component = document.pointer("/metadata/component")?;
    let text = |key: &str| {
        component
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some((text("name")?, text("version")?))
}

/// One component: several licenses are combined with `AND`, the SHA-256 is lower-cased.
fn entry(component: &Value) -> SbomComponent {
    let licenses: Vec<String> = component
        .get("licenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|choice| {
            string(choice.get("expression")).or_else(|| {
                let license = choice.get("license")?;
                string(license.get("id")).or_else(|| string(license.get("name")))
            })
        })
        .collect();
    let license = crate::license::conjunction(licenses);
    let sha256 = component
        .get("hashes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|h| h.get("alg").and_then(Value::as_str) == Some("SHA-256"))
        .and_then(|h| string(h.get("content")))
        .map(|h| h.to_ascii_lowercase());
    SbomComponent {
        name: string(component.get("name")).unwrap_or_default(),
        version: string(component.get("version")).unwrap_or_default(),
        purl: string(component.get("purl")),
        license,
        sha256,
    }
}
