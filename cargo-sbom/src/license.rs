//! License normalisation: what a crate declares, turned into something both SBOM formats accept.
//!
//! crates.io still holds legacy `MIT/Apache-2.0` strings and imprecise names; these are mended
//! with the `spdx` crate's canonicalisation (operators upper-cased, deprecated GNU ids made exact);
//! otherwise an expression is kept as the author wrote it (so `MPL-2.0+` stays `MPL-2.0+`). A `license-file` becomes a named license
//! carrying the file's SHA-256, never an invalid expression.

use std::path::Path;

use spdx::{Expression, LicenseItem, ParseMode};

use crate::digest::Sha256Hex;

/// The parse mode for expressions that need no mending: strict syntax, but deprecated ids (still
/// on the SPDX list) are accepted as they are.
const VALID_AS_WRITTEN: ParseMode = ParseMode {
    allow_slash_as_or_operator: false,
    allow_imprecise_license_names: false,
    allow_postfix_plus_on_gpl: true,
    allow_deprecated: true,
    allow_unknown: false,
};

/// What a package declares about its license.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeclaredLicense {
    /// A valid SPDX license expression (possibly mended from a legacy form).
    Expression(String),
    /// Only a `license-file` is given.
    File(LicenseFile),
    /// A `license` string that is not a valid SPDX expression even after mending.
    Unrecognized(String),
    /// Neither `license` nor `license-file`.
    None,
}

/// A license given as a file in the package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseFile {
    /// The file name as written in the manifest, relative to the package root.
    pub path: String,
    /// The SHA-256 of the file, when it could be read.
    pub sha256: Option<Sha256Hex>,
    /// The text of the file, when it is readable UTF-8.
    pub text: Option<String>,
}

impl LicenseFile {
    /// The `LicenseRef-` id that stands for this file in both formats: derived from the file's
    /// digest so that identical files share one id and the id never depends on a host path.
    pub fn license_ref(&self, package_name: &str) -> String {
        match &self.sha256 {
            Some(sha) => format!("LicenseRef-license-file-{}", &sha.as_str()[..16]),
            None => format!("LicenseRef-license-file-of-{}", spdx_idstring(package_name)),
        }
    }
}

impl DeclaredLicense {
    /// The concluded license: what this tool concludes the package is offered under, from the
    /// package's own declaration (no file scan): the declared expression when it is a valid
    /// SPDX expression, the `LicenseRef-` of a `license-file`, and nothing when the declaration
    /// is missing or not an expression (a gap the profiles report).
    pub fn concluded(&self, package_name: &str) -> Option<String> {
        match self {
            DeclaredLicense::Expression(text) => Some(text.clone()),
            DeclaredLicense::File(file) => Some(file.license_ref(package_name)),
            DeclaredLicense::Unrecognized(_) | DeclaredLicense::None => None,
        }
    }

    /// Normalises a package's `license` and `license-file` fields. `package_dir` is the directory
    /// of its manifest, where a license file is read from.
    pub fn from_manifest(
        license: Option<&str>,
        license_file: Option<&str>,
        package_dir: &Path,
    ) -> Self {
        if let Some(license) = license.map(str::trim).filter(|l| !l.is_empty()) {
            return Self::from_expression(license);
        }
        match license_file {
            Some(file) => {
                let bytes = std::fs::read(package_dir.join(file)).ok();
                DeclaredLicense::File(LicenseFile {
                    path: file.to_owned(),
                    sha256: bytes.as_deref().map(Sha256Hex::digest),
                    text: bytes.and_then(|b| String::from_utf8(b).ok()),
                })
            }
            None => DeclaredLicense::None,
        }
    }

    /// Normalises a `license` string.
    pub fn from_expression(text: &str) -> Self {
        let text = text.trim();
        // Mending first: it also upper-cases operators and maps deprecated ids (`GPL-2.0`) to
        // their exact current form (`GPL-2.0-only`), which the parser would otherwise let pass.
        if let Ok(Some(mended)) = Expression::canonicalize(text)
            && Expression::parse_mode(&mended, VALID_AS_WRITTEN).is_ok()
        {
            return Self::Expression(mended);
        }
        if Expression::parse_mode(text, VALID_AS_WRITTEN).is_ok() {
            return Self::Expression(normalise_whitespace(text));
        }
        Self::Unrecognized(text.to_owned())
    }

    /// The `LicenseRef-…` ids an expression uses, which an SPDX document must define.
    pub fn license_refs(&self) -> Vec<String> {
        let Self::Expression(text) = self else {
            return Vec::new();
        };
        let Ok(expression) = Expression::parse_mode(text, VALID_AS_WRITTEN) else {
            return Vec::new();
        };
        let mut refs: Vec<String> = expression
            .requirements()
            .filter_map(|req| match &req.req.license {
                LicenseItem::Other(other) if other.doc_ref.is_none() => {
                    Some(format!("LicenseRef-{}", other.lic_ref))
                }
                _ => None,
            })
            .collect();
        refs.sort();
        refs.dedup();
        refs
    }
}

/// Several license expressions that all apply, as one: `(A) AND (B)`; `None` for none.
pub fn conjunction(mut expressions: Vec<String>) -> Option<String> {
    match expressions.len() {
        0 => None,
        1 => expressions.pop(),
        _ => Some(
            expressions
                .iter()
                .map(|e| format!("({e})"))
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

/// Whether `text` is a single license id on the SPDX list (no operators, no `+`, no exception),
/// which CycloneDX can carry as `license.id` rather than an expression.
pub fn single_spdx_id(text: &str) -> bool {
    // `spdx::license_id` ignores a trailing `+` (and would accept `MPL-2.0+`, which is not an
    // id): only an exact name on the list is a single id.
    spdx::license_id(text).is_some_and(|id| id.name == text)
}

/// Collapses runs of white space, so that equal expressions compare equal.
fn normalise_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Maps any text onto the SPDX `idstring` alphabet `[A-Za-z0-9.-]`.
pub fn spdx_idstring(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> DeclaredLicense {
        DeclaredLicense::from_expression(text)
    }

    #[test]
    fn valid_expressions_stay_as_written() {
        assert_eq!(
            expr("MIT OR Apache-2.0"),
            DeclaredLicense::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            expr("MPL-2.0+"),
            DeclaredLicense::Expression("MPL-2.0+".into())
        );
        assert_eq!(
            expr("(MIT OR Apache-2.0)  AND Unicode-3.0"),
            DeclaredLicense::Expression("(MIT OR Apache-2.0) AND Unicode-3.0".into())
        );
        assert_eq!(
            expr("Apache-2.0 WITH LLVM-exception"),
            DeclaredLicense::Expression("Apache-2.0 WITH LLVM-exception".into())
        );
        assert_eq!(
            expr("GPL-3.0-or-later"),
            DeclaredLicense::Expression("GPL-3.0-or-later".into())
        );
    }

    #[test]
    fn legacy_forms_are_mended() {
        assert_eq!(
            expr("MIT/Apache-2.0"),
            DeclaredLicense::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            expr("Apache-2.0 / MIT"),
            DeclaredLicense::Expression("Apache-2.0 OR MIT".into())
        );
        assert_eq!(expr("MIT or Apache-2.0"), expr("MIT OR Apache-2.0"));
        assert_eq!(
            expr("GPL-2.0"),
            DeclaredLicense::Expression("GPL-2.0-only".into())
        );
        assert_eq!(
            expr("GPL-2.0+"),
            DeclaredLicense::Expression("GPL-2.0-or-later".into())
        );
    }

    #[test]
    fn unknown_licenses_are_not_expressions() {
        assert_eq!(
            expr("Some Custom License"),
            DeclaredLicense::Unrecognized("Some Custom License".into())
        );
        assert_eq!(
            expr("MIT AND"),
            DeclaredLicense::Unrecognized("MIT AND".into())
        );
    }

    #[test]
    fn license_refs_are_collected() {
        let declared = expr("MIT OR LicenseRef-Proprietary AND LicenseRef-Proprietary");
        assert_eq!(
            declared.license_refs(),
            vec!["LicenseRef-Proprietary".to_owned()]
        );
        assert!(expr("MIT").license_refs().is_empty());
    }

    #[test]
    fn license_file_is_hashed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("LICENSE.txt"), "All rights reserved.\n").unwrap();
        let declared = DeclaredLicense::from_manifest(None, Some("LICENSE.txt"), dir.path());
        let DeclaredLicense::File(file) = declared else {
            panic!("not a file license")
        };
        assert_eq!(file.text.as_deref(), Some("All rights reserved.\n"));
        let sha = file.sha256.clone().unwrap();
        assert_eq!(
            file.license_ref("x"),
            format!("LicenseRef-license-file-{}", &sha.as_str()[..16])
        );
        let missing = DeclaredLicense::from_manifest(None, Some("NOPE"), dir.path());
        let DeclaredLicense::File(file) = missing else {
            panic!("not a file license")
        };
        assert_eq!(file.license_ref("a_b"), "LicenseRef-license-file-of-a-b");
    }

    #[test]
    fn single_ids() {
        assert!(single_spdx_id("MIT"));
        assert!(!single_spdx_id("MIT OR Apache-2.0"));
        assert!(!single_spdx_id("LicenseRef-x"));
        assert!(!single_spdx_id("MPL-2.0+"));
        assert!(!single_spdx_id("mit"));
    }

    #[test]
    fn idstrings() {
        assert_eq!(spdx_idstring("a_b c+d.1-2"), "a-b-c-d.1-2");
    }
}
