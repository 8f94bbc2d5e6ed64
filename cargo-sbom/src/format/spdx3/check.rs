//! Checks of SPDX 3 documents beyond the schema: the context, known element types, references
//! that resolve, and the minimum elements of a software SBOM.

use std::collections::HashSet;

use serde_json::Value;

use super::CONTEXT;
use super::read::{graph, ids, purl, type_of};
use crate::format::problem::Problem;
use crate::format::{text, truncate};

/// The classes of the profiles this tool reads (Core, Software, SimpleLicensing, and the
/// individuals and classes of the others a document may name).
const KNOWN_TYPES: &[&str] = &[
    "CreationInfo",
    "SpdxDocument",
    "Bom",
    "Bundle",
    "Element",
    "ElementCollection",
    "Agent",
    "Person",
    "Organization",
    "SoftwareAgent",
    "Tool",
    "Annotation",
    "Relationship",
    "LifecycleScopedRelationship",
    "ExternalMap",
    "Hash",
    "PackageVerificationCode",
    "ExternalIdentifier",
    "ExternalRef",
    "NamespaceMap",
    "DictionaryEntry",
    "IntegrityMethod",
    "software_Sbom",
    "software_Package",
    "software_File",
    "software_Snippet",
    "software_SoftwareArtifact",
    "simplelicensing_LicenseExpression",
    "simplelicensing_SimpleLicensingText",
    "simplelicensing_AnyLicenseInfo",
    "expandedlicensing_ListedLicense",
    "expandedlicensing_CustomLicense",
    "expandedlicensing_ListedLicenseException",
    "expandedlicensing_CustomLicenseAddition",
    "expandedlicensing_ConjunctiveLicenseSet",
    "expandedlicensing_DisjunctiveLicenseSet",
    "expandedlicensing_WithAdditionOperator",
    "expandedlicensing_OrLaterOperator",
    "build_Build",
    "security_Vulnerability",
    "security_VexAffectedVulnAssessmentRelationship",
    "security_VexNotAffectedVulnAssessmentRelationship",
    "security_VexFixedVulnAssessmentRelationship",
    "security_VexUnderInvestigationVulnAssessmentRelationship",
    "security_CvssV3VulnAssessmentRelationship",
    "security_CvssV4VulnAssessmentRelationship",
    "security_EpssVulnAssessmentRelationship",
    "dataset_DatasetPackage",
    "ai_AIPackage",
];

/// The individuals a reference may name without an element in the document.
const INDIVIDUALS: &[&str] = &[
    "NoneElement",
    "NoAssertionElement",
    "expandedlicensing_NoAssertionLicense",
    "expandedlicensing_NoneLicense",
    "SpdxOrganization",
];

/// Appends the problems of an SPDX 3 document.
pub(crate) fn check_spdx3(document: &Value, problems: &mut Vec<Problem>) {
    match document.get("@context").and_then(Value::as_str) {
        Some(CONTEXT) => {}
        Some(other) => problems.push(Problem::new(
            "/@context",
            format!(
                "`{}` is not the SPDX 3.0.1 context {CONTEXT}",
                truncate(other, 80)
            ),
        )),
        None => problems.push(Problem::new(
            "/@context",
            format!("must be the string {CONTEXT}"),
        )),
    }
    let objects: Vec<(usize, &Value)> = graph(document).enumerate().collect();
    let mut defined: HashSet<&str> = INDIVIDUALS.iter().copied().collect();
    for (_, object) in &objects {
        for key in ["spdxId", "@id"] {
            if let Some(id) = object.get(key).and_then(Value::as_str) {
                defined.insert(id);
            }
        }
    }
    let mut packages = 0;
    for (index, object) in &objects {
        let at = format!("/@graph/{index}");
        match type_of(object) {
            None => problems.push(Problem::new(&at, "an object without a `type`")),
            Some(kind) if !KNOWN_TYPES.contains(&kind) => problems.push(Problem::new(
                &at,
                format!("unknown type `{}`", truncate(kind, 80)),
            )),
            Some("software_Package") => {
                packages += 1;
                let name = text(object.get("name"));
                let location = match name {
                    Some(name) => format!("{at} ({})", truncate(name, 80)),
                    None => at.clone(),
                };
                if name.is_none() {
                    problems.push(Problem::new(&location, "package without a name"));
                }
                if text(object.get("software_packageVersion")).is_none() {
                    problems.push(Problem::new(
                        &location,
                        "package without software_packageVersion",
                    ));
                }
                if purl(object).is_none() {
                    problems.push(Problem::new(&location, "package without a purl"));
                }
            }
            Some(_) => {}
        }
        for key in [
            "from",
            "to",
            "rootElement",
            "element",
            "createdBy",
            "createdUsing",
            "suppliedBy",
            "originatedBy",
            "dataLicense",
            "creationInfo",
        ] {
            let value = object.get(key).or_else(|| {
                (key == "createdBy" || key == "createdUsing")
                    .then(|| object.get("creationInfo").and_then(|c| c.get(key)))
                    .flatten()
            });
            for id in ids(value) {
                if !defined.contains(id) {
                    problems.push(Problem::new(
                        format!("{at}/{key}"),
                        format!("`{}` is not an element of this document", truncate(id, 120)),
                    ));
                }
            }
        }
    }
    if !objects
        .iter()
        .any(|(_, o)| type_of(o) == Some("software_Sbom"))
    {
        problems.push(Problem::new("/@graph", "no software_Sbom element"));
    }
    if packages == 0 {
        problems.push(Problem::new("/@graph", "no software_Package element"));
    }
}
