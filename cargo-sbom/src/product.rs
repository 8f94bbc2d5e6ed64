//! Who makes and supplies the described product, and where its vulnerabilities are reported:
//! the SBOM-level facts the profiles ask for (BSI TR-03183-2 §5.2.1 creator, CRA Annex II (1)
//! and (2), CISA's SBOM author and software producer).
//!
//! Read, first found wins per field, from:
//! 1. the `[sbom]` section of `attest.toml` at the workspace root;
//! 2. `[package.metadata.sbom]` of the described package (one package described);
//! 3. `[workspace.metadata.sbom]`;
//! 4. fallbacks: the manufacturer is the described package's first author with an e-mail
//!    address (else the owner of its `repository`), with its `homepage` or `repository` as URL;
//!    the supplier is the manufacturer; the security contact is GitHub's security-policy page of
//!    the repository when a `SECURITY.md` is at the workspace root or the package's directory,
//!    else the manufacturer's e-mail address.
//!
//! All three spell the section alike:
//! `manufacturer = { name, url, email }`, `supplier = { name, url, email }`,
//! `security-contact = "https://…" | "mailto:…" | "security@example.org"`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::graph::person::{email, is_web_url};
use crate::spanned::TomlFile;

/// The `[sbom]` section, as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SbomSection {
    /// The manufacturer of the product.
    pub manufacturer: Option<Organization>,
    /// Its supplier, when not the manufacturer.
    pub supplier: Option<Organization>,
    /// Where vulnerabilities are reported: a URL, `mailto:` or an e-mail address.
    pub security_contact: Option<String>,
}

/// An organisation (or person) and how to reach it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The name.
    pub name: String,
    /// Its web address (`https://…`).
    pub url: Option<String>,
    /// Its e-mail address.
    pub email: Option<String>,
}

/// The product facts of one SBOM, resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Producer {
    /// The manufacturer.
    pub manufacturer: Option<Organization>,
    /// The supplier.
    pub supplier: Option<Organization>,
    /// The vulnerability contact, as a URL (`https://…` or `mailto:…`).
    pub security_contact: Option<String>,
}

impl SbomSection {
    /// Checks every value; `Err((key path, reason))` for the first that is not well formed.
    fn check(&self) -> std::result::Result<(), (Vec<&'static str>, String)> {
        for (key, org) in [
            ("manufacturer", &self.manufacturer),
            ("supplier", &self.supplier),
        ] {
            let Some(org) = org else { continue };
            if org.name.trim().is_empty() {
                return Err((vec![key, "name"], "the name is empty".into()));
            }
            if let Some(url) = &org.url
                && !is_web_url(url)
            {
                return Err((vec![key, "url"], format!("`{url}` is not an http(s) URL")));
            }
            if let Some(address) = &org.email
                && email(address).is_none()
            {
                return Err((
                    vec![key, "email"],
                    format!("`{address}` is not an e-mail address"),
                ));
            }
        }
        if let Some(contact) = &self.security_contact
            && contact_url(contact).is_none()
        {
            return Err((
                vec!["security-contact"],
                format!(
                    "`{contact}` is neither an http(s) URL, a `mailto:` URL nor an e-mail address"
                ),
            ));
        }
        Ok(())
    }

    /// Parses the `[sbom]` section of `attest.toml` text (`None` when there is none).
    pub fn from_attest_toml(path: &Path, text: &str) -> Result<Option<Self>> {
        let (file, table) = TomlFile::parse_table(text).map_err(|e| Error::Config {
            path: path.to_owned(),
            line: e.line,
            key: None,
            reason: e.message,
        })?;
        let mut table = table.into_inner();
        let Some(section) = table.remove("sbom") else {
            return Ok(None);
        };
        let section =
            Self::deserialize(toml::de::ValueDeserializer::from(section)).map_err(|e| {
                Error::Config {
                    path: path.to_owned(),
                    line: file.error_line(&e).or_else(|| file.key_line(&["sbom"])),
                    key: Some("sbom".to_owned()),
                    reason: e.message().trim().to_owned(),
                }
            })?;
        section.check().map_err(|(keys, reason)| {
            let mut full = vec!["sbom"];
            full.extend(keys);
            Error::Config {
                path: path.to_owned(),
                line: file.key_line(&full),
                key: Some(full.join(".")),
                reason,
            }
        })?;
        Ok(Some(section))
    }

    /// Parses `[package.metadata.sbom]` or `[workspace.metadata.sbom]` (`table` is the metadata
    /// table of `manifest`, as `cargo metadata` gives it; `prefix` is `package` or `workspace`).
    pub fn from_metadata(
        manifest: &Path,
        prefix: &'static str,
        table: &serde_json::Value,
    ) -> Result<Option<Self>> {
        let Some(value) = table.get("sbom") else {
            return Ok(None);
        };
        let located = |keys: Vec<&str>, reason: String| {
            let mut full = vec![prefix, "metadata", "sbom"];
            full.extend(keys);
            // The line comes from the manifest itself (cargo's JSON has none).
            let line = std::fs::read_to_string(manifest)
                .ok()
                .and_then(|text| TomlFile::parse(&text).ok())
                .and_then(|file| {
                    (0..=full.len())
                        .rev()
                        .find_map(|n| file.key_line(&full[..n]))
                });
            Error::Config {
                path: manifest.to_owned(),
                line,
                key: Some(full.join(".")),
                reason,
            }
        };
        let section = Self::deserialize(value).map_err(|e| located(Vec::new(), e.to_string()))?;
        section
            .check()
            .map_err(|(keys, reason)| located(keys, reason))?;
        Ok(Some(section))
    }
}

/// The layers of configuration, most specific first, and what the fallbacks need.
#[derive(Debug, Default)]
pub struct ProducerSources<'a> {
    /// `[sbom]` of `attest.toml`.
    pub attest_toml: Option<&'a SbomSection>,
    /// `[package.metadata.sbom]` of the described package.
    pub package: Option<&'a SbomSection>,
    /// `[workspace.metadata.sbom]`.
    pub workspace: Option<&'a SbomSection>,
    /// The described package's `authors` (parsed).
    pub authors: &'a [crate::graph::Person],
    /// Its `repository`.
    pub repository: Option<&'a str>,
    /// Its `homepage`.
    pub homepage: Option<&'a str>,
    /// Directories where a `SECURITY.md` counts (the workspace root, the package's directory).
    pub security_md_dirs: Vec<PathBuf>,
}

impl ProducerSources<'_> {
    /// The producer facts, each from the first layer that has it.
    pub fn resolve(&self) -> Producer {
        let layers = [self.attest_toml, self.package, self.workspace];
        let first = |pick: fn(&SbomSection) -> Option<Organization>| {
            layers.iter().flatten().find_map(|s| pick(s))
        };
        let manufacturer =
            first(|s| s.manufacturer.clone()).or_else(|| self.fallback_manufacturer());
        let supplier = first(|s| s.supplier.clone()).or_else(|| manufacturer.clone());
        let security_contact = layers
            .iter()
            .flatten()
            .find_map(|s| s.security_contact.as_deref().and_then(contact_url))
            .or_else(|| self.security_policy_page())
            .or_else(|| {
                let email = manufacturer.as_ref()?.email.as_deref()?;
                Some(format!("mailto:{email}"))
            });
        Producer {
            manufacturer,
            supplier,
            security_contact,
        }
    }

    fn web(&self) -> Option<String> {
        self.homepage
            .filter(|u| is_web_url(u))
            .or(self.repository.filter(|u| is_web_url(u)))
            .map(str::to_owned)
    }

    fn fallback_manufacturer(&self) -> Option<Organization> {
        if let Some(author) = self.authors.iter().find(|a| a.email.is_some()) {
            return Some(Organization {
                name: author.name.clone(),
                url: author.url.clone().or_else(|| self.web()),
                email: author.email.clone(),
            });
        }
        let url = self.web()?;
        let name = self
            .authors
            .first()
            .map(|a| a.name.clone())
            .or_else(|| self.repository.and_then(repository_owner))
            .unwrap_or_else(|| url.clone());
        Some(Organization {
            name,
            url: Some(url),
            email: None,
        })
    }

    /// `https://github.com/OWNER/REPO/security/policy` when a `SECURITY.md` is present: the page
    /// where GitHub shows it, with private vulnerability reporting when enabled.
    fn security_policy_page(&self) -> Option<String> {
        let repository = self.repository?.trim_end_matches('/');
        let repository = repository.strip_suffix(".git").unwrap_or(repository);
        let path = repository.strip_prefix("https://github.com/")?;
        if path.split('/').filter(|s| !s.is_empty()).count() != 2 {
            return None;
        }
        self.security_md_dirs
            .iter()
            .any(|dir| dir.join("SECURITY.md").is_file())
            .then(|| format!("{repository}/security/policy"))
    }
}

/// Who made and maintains a component, with a way to reach them (BSI TR-03183-2 §5.2.2
/// "component creator"): its first author with an e-mail address, else its first author or its
/// repository's owner with its homepage or repository as URL. A local package (a workspace
/// member or path dependency) that names none is the product manufacturer's own work.
pub fn component_creator(c: &crate::graph::Component, producer: &Producer) -> Option<Organization> {
    ProducerSources {
        authors: &c.authors,
        repository: c.repository.as_deref(),
        homepage: c.homepage.as_deref(),
        ..ProducerSources::default()
    }
    .fallback_manufacturer()
    .or_else(|| {
        c.source
            .is_local()
            .then(|| producer.manufacturer.clone())
            .flatten()
    })
}

/// `OWNER` of `https://host/OWNER/REPO`.
fn repository_owner(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let mut parts = rest.split('/');
    let _host = parts.next()?;
    parts.next().filter(|o| !o.is_empty()).map(str::to_owned)
}

/// A security contact as a URL: http(s) and `mailto:` as given, an e-mail address as `mailto:`.
pub fn contact_url(text: &str) -> Option<String> {
    let text = text.trim();
    if is_web_url(text) {
        return Some(text.to_owned());
    }
    if let Some(address) = text.strip_prefix("mailto:") {
        return email(address).map(|a| format!("mailto:{a}"));
    }
    email(text).map(|a| format!("mailto:{a}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sbom_section_of_attest_toml() {
        let path = Path::new("attest.toml");
        let text = "[sources]\n\n[sbom]\nmanufacturer = { name = \"Acme\", url = \"https://acme.example\", email = \"sec@acme.example\" }\nsecurity-contact = \"security@acme.example\"\n";
        let section = SbomSection::from_attest_toml(path, text).unwrap().unwrap();
        assert_eq!(section.manufacturer.as_ref().unwrap().name, "Acme");
        let producer = ProducerSources {
            attest_toml: Some(&section),
            ..ProducerSources::default()
        }
        .resolve();
        assert_eq!(
            producer.security_contact.as_deref(),
            Some("mailto:security@acme.example")
        );
        assert_eq!(producer.supplier, producer.manufacturer);
        assert!(
            SbomSection::from_attest_toml(path, "[sources]\n")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn malformed_sections_name_file_line_and_key() {
        let path = Path::new("ws/attest.toml");
        let cases = [
            (
                "[sbom]\nmanufacturer = { name = \"Acme\", url = \"acme.example\" }\n",
                2,
                "sbom.manufacturer.url",
                "not an http(s) URL",
            ),
            (
                "[sbom]\n\nsecurity-contact = \"call us\"\n",
                3,
                "sbom.security-contact",
                "neither",
            ),
            ("[sbom]\nmaker = 1\n", 2, "sbom", "unknown field `maker`"),
            (
                "[sbom]\nmanufacturer = { url = \"https://a.example\" }\n",
                2,
                "sbom",
                "missing field `name`",
            ),
        ];
        for (text, line, key, reason) in cases {
            let error = SbomSection::from_attest_toml(path, text).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("ws/attest.toml:{line}: `{key}`")),
                "{message}"
            );
            assert!(message.contains(reason), "{message}");
            assert_eq!(error.exit_code(), crate::error::exit::USAGE);
        }
    }

    #[test]
    fn falls_back_to_the_package() {
        let authors =
            crate::graph::Person::parse_all("Ann <https://ann.example>, Bo <bo@x.example>");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("SECURITY.md"), "report to …").unwrap();
        let producer = ProducerSources {
            authors: &authors,
            repository: Some("https://github.com/acme/tool"),
            security_md_dirs: vec![dir.path().to_owned()],
            ..ProducerSources::default()
        }
        .resolve();
        let manufacturer = producer.manufacturer.unwrap();
        assert_eq!(manufacturer.name, "Bo");
        assert_eq!(manufacturer.email.as_deref(), Some("bo@x.example"));
        assert_eq!(
            manufacturer.url.as_deref(),
            Some("https://github.com/acme/tool")
        );
        assert_eq!(
            producer.security_contact.as_deref(),
            Some("https://github.com/acme/tool/security/policy")
        );
        let none = ProducerSources::default().resolve();
        assert_eq!(none, Producer::default());
        let owner = ProducerSources {
            repository: Some("https://gitlab.com/group/p"),
            ..ProducerSources::default()
        }
        .resolve();
        assert_eq!(owner.manufacturer.unwrap().name, "group");
    }
}
