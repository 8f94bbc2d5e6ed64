//! The official JSON schemas, embedded, and the validators compiled from them.

use std::sync::OnceLock;

use serde_json::Value;

/// The base URI of the CycloneDX schemas (their `$id`s), against which their relative `$ref`s
/// such as `spdx.SNAPSHOT.schema.json` resolve.
const CYCLONEDX_BASE: &str = "http://cyclonedx.org/schema/";

/// The schemas the CycloneDX schemas reference, under the file names they use.
const CYCLONEDX_SHARED: [(&str, &str); 3] = [
    (
        "spdx.SNAPSHOT.schema.json",
        include_str!("../../schemas/spdx.SNAPSHOT.schema.json"),
    ),
    (
        "jsf-0.82.SNAPSHOT.schema.json",
        include_str!("../../schemas/jsf-0.82.SNAPSHOT.schema.json"),
    ),
    (
        "cryptography-defs.SNAPSHOT.schema.json",
        include_str!("../../schemas/cryptography-defs.SNAPSHOT.schema.json"),
    ),
];

/// A document version with an embedded schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Spec {
    CycloneDx15,
    CycloneDx16,
    CycloneDx17,
    Spdx23,
}

type Compiled = std::result::Result<jsonschema::Validator, String>;

impl Spec {
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::CycloneDx15 => "CycloneDX 1.5",
            Self::CycloneDx16 => "CycloneDX 1.6",
            Self::CycloneDx17 => "CycloneDX 1.7",
            Self::Spdx23 => "SPDX 2.3",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Self::CycloneDx15 => include_str!("../../schemas/bom-1.5.SNAPSHOT.schema.json"),
            Self::CycloneDx16 => include_str!("../../schemas/bom-1.6.SNAPSHOT.schema.json"),
            Self::CycloneDx17 => include_str!("../../schemas/bom-1.7.SNAPSHOT.schema.json"),
            Self::Spdx23 => include_str!("../../schemas/spdx-2.3.schema.json"),
        }
    }

    fn cell(self) -> &'static OnceLock<Compiled> {
        static CELLS: [OnceLock<Compiled>; 4] = [const { OnceLock::new() }; 4];
        &CELLS[self as usize]
    }

    /// The compiled validator, compiled on first use.
    pub(super) fn validator(self) -> std::result::Result<&'static jsonschema::Validator, String> {
        self.cell()
            .get_or_init(|| self.compile())
            .as_ref()
            .map_err(|error| {
                format!(
                    "the embedded {} schema could not be compiled: {error}",
                    self.label()
                )
            })
    }

    fn compile(self) -> Compiled {
        let schema: Value = serde_json::from_str(self.schema()).map_err(|e| e.to_string())?;
        // Declared before `options`, which borrows it.
        let registry;
        let mut options = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .with_format("idn-email", is_email);
        if self != Self::Spdx23 {
            let mut resources = Vec::with_capacity(CYCLONEDX_SHARED.len());
            for (name, text) in CYCLONEDX_SHARED {
                let value: Value =
                    serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
                resources.push((format!("{CYCLONEDX_BASE}{name}"), value));
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
