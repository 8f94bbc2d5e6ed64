//! NTIA minimum elements and reference checks of SPDX 2.3 documents.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use crate::format::problem::*;
use crate::format::{text, truncate};

/// Relationship types that lead from an element to the ones it contains or depends on.
const FORWARD: [&str; 6] = [
    "DESCRIBES",
    "CONTAINS",
    "DEPENDS_ON",
    "DYNAMIC_LINK",
    "STATIC_LINK",
    "HAS_PREREQUISITE",
];

/// The same, stated from the other end (`A DEPENDENCY_OF B` is `B DEPENDS_ON A`).
const INVERSE: [&str; 10] = [
    "DESCRIBED_BY",
    "CONTAINED_BY",
    "DEPENDENCY_OF",
    "BUILD_DEPENDENCY_OF",
    "DEV_DEPENDENCY_OF",
    "OPTIONAL_DEPENDENCY_OF",
    "PROVIDED_DEPENDENCY_OF",
    "TEST_DEPENDENCY_OF",
    "RUNTIME_DEPENDENCY_OF",
    "PREREQUISITE_FOR",
];

const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

/// `SPDXRef-` followed by one or more of `[A-Za-z0-9.-]`.
pub(crate) fn is_spdx_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

/// `YYYY-MM-DDThh:mm:ssZ`, the one date form of SPDX 2.3.
pub(crate) fn is_spdx_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    bytes.len() == 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && bytes[19] == b'Z'
        && number(0..4).is_some()
        && number(5..7).is_some_and(|m| (1..=12).contains(&m))
        && number(8..10).is_some_and(|d| (1..=31).contains(&d))
        && number(11..13).is_some_and(|h| h < 24)
        && number(14..16).is_some_and(|m| m < 60)
        && number(17..19).is_some_and(|s| s <= 60)
}

/// Records the SPDXID of the element at `pointer`, reporting a malformed or duplicate one.
fn check_id<'a>(
    ids: &mut BTreeMap<&'a str, String>,
    pointer: String,
    id: Option<&'a Value>,
    problems: &mut Vec<Problem>,
) {
    let Some(id) = id.and_then(Value::as_str) else {
        return;
    };
    if !is_spdx_id(id) {
        problems.push(Problem::new(
            format!("{pointer}/SPDXID"),
            format!(
                "`{}` is not a valid SPDXID (`SPDXRef-` followed by letters, digits, `.` and `-`)",
                truncate(id, 200)
            ),
        ));
    }
    if let Some(first) = ids.get(id) {
        let first = if first.is_empty() {
            "/"
        } else {
            first.as_str()
        };
        problems.push(Problem::new(
            format!("{pointer}/SPDXID"),
            format!(
                "duplicate SPDXID `{}`, also used at {first}",
                truncate(id, 200)
            ),
        ));
    } else {
        ids.insert(id, pointer);
    }
}

pub(crate) fn check_spdx(document: &Value, problems: &mut Vec<Problem>) {
    let creation = document.get("creationInfo");
    if text(creation.and_then(|c| c.get("created"))).is_none() {
        problems.push(Problem::new(
            "/creationInfo/created",
            "NTIA: the document has no timestamp (creationInfo.created)",
        ));
    }
    // The SPDX 2.3 schema leaves dates unchecked; the specification fixes their form.
    let mut dates: Vec<(String, &Value)> = Vec::new();
    if let Some(created) = creation.and_then(|c| c.get("created")) {
        dates.push(("/creationInfo/created".to_owned(), created));
    }
    let packages_array = document.get("packages").and_then(Value::as_array);
    for (i, package) in packages_array.into_iter().flatten().enumerate() {
        for key in ["releaseDate", "builtDate", "validUntilDate"] {
            if let Some(date) = package.get(key) {
                dates.push((format!("/packages/{i}/{key}"), date));
            }
        }
    }
    let annotations = document.get("annotations").and_then(Value::as_array);
    for (i, annotation) in annotations.into_iter().flatten().enumerate() {
        if let Some(date) = annotation.get("annotationDate") {
            dates.push((format!("/annotations/{i}/annotationDate"), date));
        }
    }
    for (pointer, date) in dates {
        if let Some(date) = date
            .as_str()
            .filter(|d| !d.trim().is_empty() && !is_spdx_date(d))
        {
            problems.push(Problem::new(
                pointer,
                format!(
                    "`{}` is not a UTC date and time of the form YYYY-MM-DDThh:mm:ssZ",
                    truncate(date, 60)
                ),
            ));
        }
    }
    let creators = creation
        .and_then(|c| c.get("creators"))
        .and_then(Value::as_array);
    if !creators.is_some_and(|c| c.iter().any(|c| text(Some(c)).is_some())) {
        problems.push(Problem::new(
            "/creationInfo/creators",
            "NTIA: the document names no author (creationInfo.creators)",
        ));
    }

    // Every element with an SPDXID: the document, packages, files, snippets.
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let document_id = document.get("SPDXID");
    if document_id
        .and_then(Value::as_str)
        .is_some_and(|id| id != DOCUMENT_ID)
    {
        problems.push(Problem::new(
            "/SPDXID",
            format!("the document's SPDXID must be `{DOCUMENT_ID}`"),
        ));
    }
    check_id(&mut ids, String::new(), document_id, problems);
    let packages: Vec<&Value> = document
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for (i, package) in packages.iter().enumerate() {
        check_id(
            &mut ids,
            format!("/packages/{i}"),
            package.get("SPDXID"),
            problems,
        );
    }
    for key in ["files", "snippets"] {
        let elements = document.get(key).and_then(Value::as_array);
        for (i, element) in elements.into_iter().flatten().enumerate() {
            check_id(
                &mut ids,
                format!("/{key}/{i}"),
                element.get("SPDXID"),
                problems,
            );
        }
    }

    for (i, package) in packages.iter().enumerate() {
        let location = component_location(&format!("/packages/{i}"), package);
        let mut missing = Vec::new();
        if text(package.get("name")).is_none() {
            missing.push("name");
        }
        if text(package.get("versionInfo")).is_none() {
            missing.push("version (versionInfo)");
        }
        if text(package.get("SPDXID")).is_none() {
            missing.push("unique identifier (SPDXID)");
        }
        let supplier = text(package.get("supplier")).map(str::trim);
        if supplier.is_none_or(|s| s == "NOASSERTION" || s == "NONE") {
            missing.push("supplier (supplier other than NOASSERTION)");
        }
        if !missing.is_empty() {
            problems.push(Problem::new(
                location,
                format!("NTIA: missing {}", missing.join(", ")),
            ));
        }
    }

    // Relationships: references, DESCRIBES, reachability.
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut described: Vec<&str> = Vec::new();
    let relationships = document.get("relationships").and_then(Value::as_array);
    for (i, relationship) in relationships.into_iter().flatten().enumerate() {
        let from = relationship.get("spdxElementId").and_then(Value::as_str);
        let to = relationship
            .get("relatedSpdxElement")
            .and_then(Value::as_str);
        for (key, id) in [("spdxElementId", from), ("relatedSpdxElement", to)] {
            if let Some(id) = id
                && !ids.contains_key(id)
                && !matches!(id, "NONE" | "NOASSERTION")
                && !id.starts_with("DocumentRef-")
            {
                problems.push(Problem::new(
                    format!("/relationships/{i}/{key}"),
                    format!(
                        "`{}` is not the SPDXID of any element of the document",
                        truncate(id, 200)
                    ),
                ));
            }
        }
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let kind = relationship
            .get("relationshipType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if FORWARD.contains(&kind) {
            edges.entry(from).or_default().push(to);
            if kind == "DESCRIBES" && from == DOCUMENT_ID {
                described.push(to);
            }
        } else if INVERSE.contains(&kind) {
            edges.entry(to).or_default().push(from);
            if kind == "DESCRIBED_BY" && to == DOCUMENT_ID {
                described.push(from);
            }
        }
    }
    let listed = document.get("documentDescribes").and_then(Value::as_array);
    described.extend(listed.into_iter().flatten().filter_map(Value::as_str));

    let package_ids: BTreeSet<&str> = packages
        .iter()
        .filter_map(|p| p.get("SPDXID").and_then(Value::as_str))
        .collect();
    if !described.iter().any(|id| package_ids.contains(id)) {
        problems.push(Problem::new(
            "/relationships",
            format!("NTIA: no DESCRIBES relationship from {DOCUMENT_ID} to a package"),
        ));
        return;
    }
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut queue: VecDeque<&str> = described.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        if reached.insert(id) {
            queue.extend(
                edges
                    .get(id)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|to| !reached.contains(to)),
            );
        }
    }
    for (i, package) in packages.iter().enumerate() {
        if let Some(id) = package.get("SPDXID").and_then(Value::as_str)
            && !reached.contains(id)
        {
            problems.push(Problem::new(
                component_location(&format!("/packages/{i}"), package),
                "NTIA: the package is not reachable from the described package through DESCRIBES, CONTAINS, \
                 DEPENDS_ON, DYNAMIC_LINK, STATIC_LINK or HAS_PREREQUISITE relationships",
            ));
        }
    }
}
