//! An official JSON schema embedded in the binary, compiled on first use (once per process).
//!
//! Each format module declares its schemas as statics ([`Schema::new`]), with the documents
//! they reference under the base URI their `$ref`s resolve against.

use std::sync::OnceLock;

use serde_json::Value;

type Compiled = std::result::Result<jsonschema::Validator, String>;

/// One embedded schema and the schemas it references.
pub struct Schema {
    /// `CycloneDX 1.6`, for messages.
    label: &'static str,
    /// The schema text.
    text: &'static str,
    /// The base URI of the referenced schemas (their `$id`s), and each one's file name and text.
    references: (&'static str, &'static [(&'static str, &'static str)]),
    compiled: OnceLock<Compiled>,
}

impl Schema {
    /// A schema that references nothing outside itself.
    pub const fn new(label: &'static str, text: &'static str) -> Self {
        Self::with_references(label, text, "", &[])
    }

    /// A schema whose `$ref`s name the `references` (file name, text) relative to `base`.
    pub const fn with_references(
        label: &'static str,
        text: &'static str,
        base: &'static str,
        references: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self {
            label,
            text,
            references: (base, references),
            compiled: OnceLock::new(),
        }
    }

    /// The compiled validator; `Err` says that the embedded schema itself is broken.
    pub fn validator(&self) -> std::result::Result<&jsonschema::Validator, String> {
        self.compiled
            .get_or_init(|| self.compile())
            .as_ref()
            .map_err(|error| {
                format!(
                    "the embedded {} schema could not be compiled: {error}",
                    self.label
                )
            })
    }

    fn compile(&self) -> Compiled {
        let schema: Value = serde_json::from_str(self.text).map_err(|e| e.to_string())?;
        // Declared before `options`, which borrows it.
        let registry;
        let mut options = jsonschema::options()
            .should_validate_formats(true)
            .with_format("idn-email", is_email);
        // A schema that names its draft (SPDX 3: 2020-12) is read as that draft.
        if schema.get("$schema").is_none() {
            options = options.with_draft(jsonschema::Draft::Draft7);
        }
        let (base, references) = self.references;
        if !references.is_empty() {
            let mut resources = Vec::with_capacity(references.len());
            for (name, text) in references {
                let value: Value =
                    serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
                resources.push((format!("{base}{name}"), value));
            }
            registry = jsonschema::Registry::new()
                .extend(resources)
                .and_then(jsonschema::RegistryBuilder::prepare)
                .map_err(|e| e.to_string())?;
            options = options.with_registry(&registry);
        }
        options.build(&schema).map_err(|e| e.to_string())
    }
}

/// The `idn-email` format, which the schema crate checks only with its `idna` feature: a
/// non-empty local part and domain around one `@`, and no whitespace (what Python's
/// `jsonschema` checks too).
fn is_email(text: &str) -> bool {
    match text.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}
