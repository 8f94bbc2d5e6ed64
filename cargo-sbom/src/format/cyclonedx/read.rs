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

/// One component: its declared licenses combined with `AND`, the SHA-256 lower-cased.
///
/// From CycloneDX 1.6 a license entry may be acknowledged `declared` or `concluded`: the
/// declared ones (and those without an acknowledgement) are read, the concluded ones only when
/// there are no others, so that a document listing both does not read them twice.
fn entry(component: &Value) -> SbomComponent {
    let choices: Vec<&Value> = component
        .get("licenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let concluded = |choice: &&Value| {
        let acknowledgement = choice
            .get("acknowledgement")
            .or_else(|| choice.get("license")?.get("acknowledgement"));
        acknowledgement.and_then(Value::as_str) == Some("concluded")
    };
    let declared: Vec<&Value> = choices.iter().copied().filter(|c| !concluded(c)).collect();
    let read = if declared.is_empty() {
        choices
    } else {
        declared
    };
    let licenses: Vec<String> = read
        .into_iter()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declared_licenses_are_read_once() {
        let read = |licenses: Value| {
            entry(&json!({"name": "a", "version": "1", "licenses": licenses})).license
        };
        // 1.7: the same expression declared and concluded.
        assert_eq!(
            read(json!([
                {"expression": "MIT OR Apache-2.0", "acknowledgement": "declared"},
                {"expression": "MIT OR Apache-2.0", "acknowledgement": "concluded"}
            ])),
            Some("MIT OR Apache-2.0".to_owned())
        );
        // 1.6: one id declared and concluded.
        assert_eq!(
            read(json!([
                {"license": {"id": "MIT", "acknowledgement": "declared"}},
                {"license": {"id": "MIT", "acknowledgement": "concluded"}}
            ])),
            Some("MIT".to_owned())
        );
        // 1.6: a lone expression written as concluded.
        assert_eq!(
            read(json!([{"expression": "MIT OR Apache-2.0", "acknowledgement": "concluded"}])),
            Some("MIT OR Apache-2.0".to_owned())
        );
        // Without acknowledgements (1.5), every entry.
        assert_eq!(
            read(json!([{"license": {"id": "MIT"}}, {"license": {"id": "Zlib"}}])),
            Some("(MIT) AND (Zlib)".to_owned())
        );
    }
}
