//! `attest.toml`: which sections it has (every policy rule's, in report order, then the SSDF
//! report's), reading it, and the commented default file `cargo attest init` writes.
//!
//! A section is declared by the module that reads it ([`crate::config::SectionDef`]); the
//! rules' come from the registry [`crate::policy::rules::RULES`], and [`OTHER_SECTIONS`] lists
//! the rest.

use std::path::{Path, PathBuf};

use crate::config::{AnySection, Config};
use crate::error::{Error, Result};
use crate::policy::RuleId;
use crate::policy::rules::RULES;

pub use crate::config::FILE_NAME;

/// The sections that configure something other than a policy rule.
pub static OTHER_SECTIONS: &[&dyn AnySection] = &[&crate::ssdf::config::SECTION, &SBOM_SECTION];

/// `[sbom]`: the product's manufacturer, supplier and security contact in every SBOM
/// ([`cargo_sbom::product`], which reads and checks it for `cargo sbom` too).
pub static SBOM_SECTION: crate::config::SectionDef<cargo_sbom::product::SbomSection> =
    crate::config::SectionDef::new(
        "sbom",
        "# Who makes and supplies the product, and where vulnerabilities are reported: written\n\
         # into every SBOM (BSI TR-03183-2, EU CRA). Without it: the first author with an e-mail\n\
         # address, the repository, a SECURITY.md.\n\
         [sbom]\n\
         # manufacturer = { name = \"Example Ltd\", url = \"https://example.org\", email = \"oss@example.org\" }\n\
         # supplier = { name = \"Example Ltd\", url = \"https://example.org\" }\n\
         # security-contact = \"https://example.org/security\"\n",
    );

/// Every section, in file order: the rules' (each once, in report order), then the others.
pub fn sections() -> Vec<&'static dyn AnySection> {
    let mut sections: Vec<&'static dyn AnySection> = Vec::new();
    for rule in RULES {
        if !sections.iter().any(|s| s.name() == rule.section.name()) {
            sections.push(rule.section);
        }
    }
    sections.extend(OTHER_SECTIONS.iter().copied());
    sections
}

/// Every section at its defaults (no file).
pub fn defaults() -> Config {
    Config::defaults(&sections())
}

/// Parses the text of `path`. Errors name the file, the line and the key.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    Config::parse(path, text, &sections())
}

/// Reads `path`.
pub fn read(path: &Path) -> Result<Config> {
    Config::read(path, &sections())
}

/// The configuration for a workspace: `explicit` when given (it must exist), else
/// `ROOT/attest.toml` when it exists, else the defaults.
pub fn load(explicit: Option<&Path>, root: &Path) -> Result<Config> {
    if let Some(path) = explicit {
        return read(path);
    }
    let default = root.join(FILE_NAME);
    if default.is_file() {
        return read(&default);
    }
    Ok(defaults())
}

/// The introduction of the generated file.
const HEADER: &str = r#"# attest.toml: the SSDF (NIST SP 800-218) policy of `cargo attest check`.
#
# Every value below is the default: delete what you do not change, or the whole file. A missing
# section, or a missing key, means its default. Unknown keys are errors.
#
# Exit codes of `cargo attest check`: 0 pass (warnings allowed), 1 a `deny` finding,
# 2 a usage, configuration or input error. `--strict` (release context) turns the findings of
# the context rules (source control, …) from `warn` into `deny`.
#
# Rules and the SSDF tasks they give evidence for:
"#;

/// The commented default file: a header listing the rules and their SSDF tasks, then every
/// section with every key at its default value.
pub fn default_text() -> String {
    let mut text = HEADER.to_owned();
    for rule in crate::policy::rules::all().map(RuleId::def) {
        text.push_str(&format!(
            "#   {:<17} {:<15} {}\n",
            rule.id,
            rule.ssdf_tasks.join(", "),
            rule.description
        ));
    }
    for section in sections() {
        text.push('\n');
        text.push_str(section.default_text().trim_end());
        text.push('\n');
    }
    text
}

/// Writes [`default_text`] to `ROOT/attest.toml` atomically; an existing file is replaced only
/// with `force`. Returns the path written.
pub fn write_default(root: &Path, force: bool) -> Result<PathBuf> {
    let path = root.join(FILE_NAME);
    if !force && path.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to replace it",
            path.display()
        )));
    }
    cargo_sbom::output::write_atomic(&path, default_text().as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_defaults() {
        let parsed = parse(Path::new(FILE_NAME), "").unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", defaults()));
    }

    #[test]
    fn unknown_sections_name_file_and_line() {
        let err = parse(Path::new(FILE_NAME), "\n\n[nonsense]\nx = 1\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("attest.toml:3"), "{text}");
        assert!(text.contains("nonsense"), "{text}");
        let err = parse(Path::new(FILE_NAME), "[sources]\nx = \n").unwrap_err();
        assert!(err.to_string().contains("attest.toml:2"), "{err}");
    }

    #[test]
    fn the_first_problem_in_the_file_is_reported() {
        // `advisories` and `bans` sort before `zzz` and `sources`: the error is still the file's
        // first.
        let text = "[zzz]\n[bans]\nnope = 1\n[sources]\nalso = 2\n";
        let err = parse(Path::new(FILE_NAME), text).unwrap_err().to_string();
        assert!(
            err.contains("attest.toml:1") && err.contains("zzz"),
            "{err}"
        );
        let text = "[sources]\n[bans]\nnope = 1\n[advisories]\nalso = 2\n";
        let err = parse(Path::new(FILE_NAME), text).unwrap_err().to_string();
        assert!(
            err.contains("attest.toml:3") && err.contains("nope"),
            "{err}"
        );
    }

    #[test]
    fn the_default_file_parses_to_the_defaults() {
        let text = default_text();
        let parsed = parse(Path::new(FILE_NAME), &text).unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", defaults()));
    }

    #[test]
    fn every_rule_and_section_is_listed() {
        let text = default_text();
        for rule in crate::policy::rules::all() {
            assert!(text.contains(rule.as_str()), "{rule}");
        }
        for section in sections() {
            assert!(
                text.lines()
                    .any(|l| l.trim() == format!("[{}]", section.name())),
                "[{}] missing",
                section.name()
            );
        }
        // Each section once: the rules' in report order, then the others.
        let names: Vec<&str> = sections().iter().map(|s| s.name()).collect();
        let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(names[0], RULES[0].section.name());
        assert_eq!(names[names.len() - 2..], ["ssdf", "sbom"]);
        for rule in RULES {
            assert!(names.contains(&rule.section.name()), "{}", rule.id);
        }
    }
}
