//! One problem found in a document, and the helpers the format checks share to locate and
//! word it.

use serde_json::Value;

use super::{text, truncate};

/// One problem found in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where: a JSON pointer or a component reference.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem at `location`.
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// The longest message kept from the schema validator, in characters.
pub const MAX_MESSAGE: usize = 300;

/// Whether the value is an array with at least one element.
pub fn non_empty_array(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

/// `"/components/3 (serde 1.0.200)"`: a pointer, with the name and version when known.
pub fn component_location(pointer: &str, component: &Value) -> String {
    let version = text(component.get("version")).or_else(|| text(component.get("versionInfo")));
    match (text(component.get("name")), version) {
        (Some(name), Some(version)) => format!(
            "{pointer} ({} {})",
            truncate(name, 80),
            truncate(version, 40)
        ),
        (Some(name), None) => format!("{pointer} ({})", truncate(name, 80)),
        _ => pointer.to_owned(),
    }
}
