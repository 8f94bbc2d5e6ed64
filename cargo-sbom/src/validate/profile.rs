//! `validate --profile`: the minimum elements of the regulators' SBOM profiles, judged on a
//! document's [`SbomFacts`] (so every format is judged alike).
//!
//! Each profile is data: a list of [`Rule`]s, each naming the element, the section of the source
//! document that asks for it, and whether it applies to the SBOM, the described product or
//! every component. The README lists them ("SBOM profiles").

use crate::format::facts::{ComponentFacts, SbomFacts};

/// One profile.
pub struct Profile {
    /// The `--profile` value.
    pub id: &'static str,
    /// The source document.
    pub source: &'static str,
    /// The elements it requires.
    pub rules: &'static [Rule],
    /// Which formats and versions it accepts; `Err` says why a document's is not.
    pub accepts: fn(&SbomFacts) -> Result<(), String>,
}

/// One required element.
pub struct Rule {
    /// What is required, as messages name it.
    pub element: &'static str,
    /// The section of the source document.
    pub section: &'static str,
    /// What it applies to, and the test.
    pub check: Check,
}

/// What a rule tests.
pub enum Check {
    /// A fact of the SBOM.
    Sbom(fn(&SbomFacts) -> bool),
    /// A fact of every component, the described product included.
    Component(fn(&ComponentFacts) -> bool),
    /// A fact of every component but the described product (a logical component: BSI
    /// TR-03183-2 asks no file name or hash of it before it is built).
    Delivered(fn(&ComponentFacts) -> bool),
}

/// One missing element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// The profile.
    pub profile: &'static str,
    /// Where (`SBOM`, or the component's location).
    pub location: String,
    /// What is missing, with the section.
    pub message: String,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.profile, self.location, self.message)
    }
}

/// Every profile, in the order `--profile` lists them.
pub static PROFILES: &[Profile] = &[NTIA, CISA_2025, BSI, EU_CRA];

impl Profile {
    /// The profile with this id.
    pub fn by_id(id: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.id == id)
    }

    /// Every element this profile finds missing in a document.
    pub fn check(&self, facts: &SbomFacts) -> Vec<Missing> {
        let mut missing = Vec::new();
        if let Err(reason) = (self.accepts)(facts) {
            missing.push(Missing {
                profile: self.id,
                location: "SBOM".into(),
                message: reason,
            });
        }
        let mut push = |location: &str, rule: &Rule| {
            missing.push(Missing {
                profile: self.id,
                location: location.to_owned(),
                message: format!(
                    "missing {} ({} {})",
                    rule.element, self.source, rule.section
                ),
            });
        };
        for rule in self.rules {
            match &rule.check {
                Check::Sbom(test) => {
                    if !test(facts) {
                        push("SBOM", rule);
                    }
                }
                Check::Component(test) => {
                    for c in facts.root.iter().chain(&facts.components) {
                        if !test(c) {
                            push(&c.location, rule);
                        }
                    }
                }
                Check::Delivered(test) => {
                    for c in &facts.components {
                        if !test(c) {
                            push(&c.location, rule);
                        }
                    }
                }
            }
        }
        missing
    }
}

fn any_format(_: &SbomFacts) -> Result<(), String> {
    Ok(())
}

use Check::{Component, Delivered, Sbom};

/// NTIA, The Minimum Elements For a Software Bill of Materials (2021), "Data Fields".
const NTIA: Profile = Profile {
    id: "ntia",
    source: "NTIA minimum elements (2021)",
    accepts: any_format,
    rules: &[
        Rule {
            element: "the author of the SBOM data",
            section: "Data Fields: Author of SBOM Data",
            check: Sbom(|f| f.author),
        },
        Rule {
            element: "the timestamp",
            section: "Data Fields: Timestamp",
            check: Sbom(|f| f.timestamp),
        },
        Rule {
            element: "the dependency relationships of the described product",
            section: "Data Fields: Dependency Relationship",
            check: Sbom(|f| f.root.is_some() && f.root_dependencies),
        },
        Rule {
            element: "the supplier name",
            section: "Data Fields: Supplier Name",
            check: Component(|c| c.supplier),
        },
        Rule {
            element: "the component name",
            section: "Data Fields: Component Name",
            check: Component(|c| c.name),
        },
        Rule {
            element: "the component version",
            section: "Data Fields: Version of the Component",
            check: Component(|c| c.version),
        },
        Rule {
            element: "a unique identifier (purl, CPE or SWID)",
            section: "Data Fields: Other Unique Identifiers",
            check: Component(|c| c.identifier),
        },
    ],
};

/// CISA, 2025 Minimum Elements for a Software Bill of Materials (public comment draft,
/// August 2025), section "Data Fields".
const CISA_2025: Profile = Profile {
    id: "cisa-2025",
    source: "CISA 2025 minimum elements",
    accepts: any_format,
    rules: &[
        Rule {
            element: "the SBOM author",
            section: "SBOM Author",
            check: Sbom(|f| f.author),
        },
        Rule {
            element: "the tool name",
            section: "Tool Name",
            check: Sbom(|f| f.tool),
        },
        Rule {
            element: "the timestamp",
            section: "Timestamp",
            check: Sbom(|f| f.timestamp),
        },
        Rule {
            element: "the generation context (before, during or after build)",
            section: "Generation Context",
            check: Sbom(|f| f.generation_context),
        },
        Rule {
            element: "the SBOM version",
            section: "SBOM Author / practices: accommodation of updates",
            check: Sbom(|f| f.sbom_version),
        },
        Rule {
            element: "the dependency relationships of the described product",
            section: "Dependency Relationship",
            check: Sbom(|f| f.root.is_some() && f.root_dependencies),
        },
        Rule {
            element: "the software producer",
            section: "Software Producer",
            check: Component(|c| c.supplier),
        },
        Rule {
            element: "the component name",
            section: "Component Name",
            check: Component(|c| c.name),
        },
        Rule {
            element: "the component version",
            section: "Component Version",
            check: Component(|c| c.version),
        },
        Rule {
            element: "a software identifier (purl, CPE, SWID)",
            section: "Software Identifiers",
            check: Component(|c| c.identifier),
        },
        Rule {
            element: "a component hash",
            section: "Component Hash",
            check: Component(|c| c.hash),
        },
        Rule {
            element: "the license",
            section: "License",
            check: Component(|c| c.license),
        },
    ],
};

fn bsi_formats(facts: &SbomFacts) -> Result<(), String> {
    let version = |text: &str| -> Vec<u32> {
        text.trim_start_matches("SPDX-")
            .split('.')
            .map(|n| n.parse().unwrap_or(0))
            .collect()
    };
    match facts.family {
        "cyclonedx-json" if version(&facts.version) >= vec![1, 6] => Ok(()),
        "spdx3-json" if version(&facts.version) >= vec![3, 0, 1] => Ok(()),
        "cyclonedx-json" => Err(format!(
            "CycloneDX {} is not accepted: BSI TR-03183-2 v2.1 §4 requires CycloneDX 1.6 or later; write --spec-version 1.6",
            facts.version
        )),
        _ => Err(format!(
            "{} is not accepted: BSI TR-03183-2 v2.1 §4 requires CycloneDX ≥ 1.6 or SPDX ≥ 3.0.1 (SPDX 2 is no longer accepted); write --format spdx3-json or cyclonedx-json",
            facts.version
        )),
    }
}

/// BSI TR-03183-2 v2.1.0, part 2 (SBOM): §4 formats, §5.2.1 required SBOM fields, §5.2.2
/// required component fields, §5.2.3 and §5.2.4 the additional fields this tool always has.
const BSI: Profile = Profile {
    id: "bsi-tr-03183-2",
    source: "BSI TR-03183-2 v2.1",
    accepts: bsi_formats,
    rules: &[
        Rule {
            element: "the SBOM creator's e-mail address or URL",
            section: "§5.2.1",
            check: Sbom(|f| f.creator_contact),
        },
        Rule {
            element: "the timestamp",
            section: "§5.2.1",
            check: Sbom(|f| f.timestamp),
        },
        Rule {
            element: "the SBOM-URI",
            section: "§5.2.3",
            check: Sbom(|f| f.sbom_uri),
        },
        Rule {
            element: "the component creator's e-mail address or URL",
            section: "§5.2.2",
            check: Component(|c| c.creator_contact),
        },
        Rule {
            element: "the component name",
            section: "§5.2.2",
            check: Component(|c| c.name),
        },
        Rule {
            element: "the component version",
            section: "§5.2.2",
            check: Component(|c| c.version),
        },
        Rule {
            element: "the dependencies with their completeness",
            section: "§5.2.2",
            check: Component(|c| c.dependencies && c.completeness),
        },
        Rule {
            element: "the distribution (concluded) licence",
            section: "§5.2.2, §6.1",
            check: Component(|c| c.concluded_license),
        },
        Rule {
            element: "the filename",
            section: "§5.2.2",
            check: Delivered(|c| c.filename),
        },
        Rule {
            element: "the SHA-512 hash of the deployable component",
            section: "§5.2.2",
            check: Delivered(|c| c.deployable_sha512),
        },
        Rule {
            element: "the executable property",
            section: "§5.2.2, §8.1.3",
            check: Delivered(|c| c.executable),
        },
        Rule {
            element: "the archive property",
            section: "§5.2.2, §8.1.4",
            check: Delivered(|c| c.archive),
        },
        Rule {
            element: "the structured property",
            section: "§5.2.2, §8.1.5",
            check: Delivered(|c| c.structured),
        },
        Rule {
            element: "other unique identifiers (purl, CPE, SWID)",
            section: "§5.2.4",
            check: Component(|c| c.identifier),
        },
        Rule {
            element: "the original (declared) licence",
            section: "§5.2.4, §6.1",
            check: Component(|c| c.declared_license),
        },
    ],
};

/// Regulation (EU) 2024/2847 (Cyber Resilience Act): Annex I Part II (1) an SBOM of at least
/// the top-level dependencies, (6) a vulnerability contact; Annex II (1) the manufacturer and
/// its contact, (2) the single point of contact for vulnerabilities, (3) the product's
/// identification; Annex VII (2)(b) the SBOM in the technical documentation.
const EU_CRA: Profile = Profile {
    id: "eu-cra",
    source: "EU CRA (Regulation 2024/2847)",
    accepts: any_format,
    rules: &[
        Rule {
            element: "the described product",
            section: "Annex II (3)",
            check: Sbom(|f| f.root.is_some()),
        },
        Rule {
            element: "a unique identifier of the product",
            section: "Annex II (3)",
            check: Sbom(|f| f.root.as_ref().is_some_and(|r| r.identifier) || f.sbom_uri),
        },
        Rule {
            element: "the manufacturer",
            section: "Annex II (1)",
            check: Sbom(|f| f.manufacturer),
        },
        Rule {
            element: "the manufacturer's e-mail address or URL",
            section: "Annex II (1)",
            check: Sbom(|f| f.manufacturer_contact),
        },
        Rule {
            element: "the vulnerability contact of the product",
            section: "Annex I Part II (6), Annex II (2)",
            check: Sbom(|f| f.security_contact),
        },
        Rule {
            element: "the product's top-level dependencies",
            section: "Annex I Part II (1)",
            check: Sbom(|f| f.root_dependencies),
        },
        Rule {
            element: "the timestamp",
            section: "Annex VII (2)(b)",
            check: Sbom(|f| f.timestamp),
        },
        Rule {
            element: "the component name",
            section: "Annex I Part II (1)",
            check: Component(|c| c.name),
        },
        Rule {
            element: "the component version",
            section: "Annex I Part II (1)",
            check: Component(|c| c.version),
        },
        Rule {
            element: "a unique identifier of the component",
            section: "Annex I Part II (1)",
            check: Component(|c| c.identifier),
        },
    ],
};

/// Checks a parsed document against `profiles`.
pub fn check(
    document: &serde_json::Value,
    family: &crate::format::SbomFormat,
    profiles: &[&Profile],
) -> Vec<Missing> {
    let facts = (family.facts)(document);
    profiles.iter().flat_map(|p| p.check(&facts)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A registry crate whose `.crate` was not cached keeps the lockfile's SHA-256 only: the
    /// BSI profile names it, the others are content.
    #[test]
    fn a_crate_without_sha512_is_named_by_bsi() {
        let component = |name: &str, sha512: bool| {
            let mut hashes = vec![json!({"alg": "SHA-256", "content": "ab".repeat(32)})];
            if sha512 {
                hashes.insert(0, json!({"alg": "SHA-512", "content": "cd".repeat(64)}));
            }
            json!({
                "type": "library", "bom-ref": format!("pkg:cargo/{name}@1.0.0"), "name": name,
                "version": "1.0.0", "purl": format!("pkg:cargo/{name}@1.0.0"),
                "supplier": {"name": "crates.io", "url": ["https://crates.io"]},
                "hashes": hashes,
                "licenses": [{"expression": "MIT", "acknowledgement": "concluded"}],
                "externalReferences": [{"type": "distribution", "url": "https://crates.io/x", "hashes": hashes}],
                "properties": [
                    {"name": "bsi:component:filename", "value": format!("{name}-1.0.0.crate")},
                    {"name": "bsi:component:executable", "value": "non-executable"},
                    {"name": "bsi:component:archive", "value": "archive"},
                    {"name": "bsi:component:structured", "value": "structured"}
                ]
            })
        };
        let document = json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "metadata": {
                "timestamp": "2024-05-01T12:00:00Z",
                "authors": [{"name": "Acme", "email": "sbom@acme.example"}],
                "component": {
                    "type": "application", "bom-ref": "root", "name": "root", "version": "1",
                    "purl": "pkg:cargo/root@1", "supplier": {"name": "Acme"}
                }
            },
            "components": [component("cached", true), component("uncached", false)],
            "dependencies": [
                {"ref": "root", "dependsOn": ["pkg:cargo/cached@1.0.0", "pkg:cargo/uncached@1.0.0"]},
                {"ref": "pkg:cargo/cached@1.0.0", "dependsOn": []},
                {"ref": "pkg:cargo/uncached@1.0.0", "dependsOn": []}
            ],
            "compositions": [{"aggregate": "complete", "dependencies": ["root", "pkg:cargo/cached@1.0.0", "pkg:cargo/uncached@1.0.0"]}]
        });
        let family = &crate::format::cyclonedx::FORMAT;
        let bsi = check(
            &document,
            family,
            &[Profile::by_id("bsi-tr-03183-2").unwrap()],
        );
        let sha512: Vec<&Missing> = bsi
            .iter()
            .filter(|m| m.message.contains("SHA-512"))
            .collect();
        assert_eq!(sha512.len(), 1, "{bsi:?}");
        assert!(sha512[0].location.contains("uncached"), "{bsi:?}");
        let ntia = check(&document, family, &[Profile::by_id("ntia").unwrap()]);
        assert!(ntia.is_empty(), "{ntia:?}");
    }
}
