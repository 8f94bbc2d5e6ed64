//! `cargo sbom validate`: official schema and NTIA minimum elements.
//!
//! A file is first recognised by its own declaration (`bomFormat`/`specVersion` for CycloneDX,
//! `spdxVersion` for SPDX) and then checked in two independent passes, whose problems are all
//! reported:
//!
//! 1. **Schema.** The official JSON schema of its version — CycloneDX 1.5, 1.6 or 1.7, or SPDX
//!    2.3 — embedded in the binary (see `cargo-sbom/schemas/README.md` for sources and licences),
//!    with format checks (`date-time`, `iri-reference`, `email`, …). A schema is compiled only
//!    when a document of its version is seen, once per process.
//! 2. **NTIA minimum elements and references.**
//!    - every component (CycloneDX `metadata.component` and `components`, nested ones included;
//!      SPDX `packages`) needs a name, a version, a unique identifier (CycloneDX `bom-ref` or
//!      `purl`; SPDX `SPDXID`) and a supplier (CycloneDX `supplier.name` — authors, publishers or
//!      manufacturers are *not* accepted in its place, as they are not the supplier; SPDX
//!      `supplier` other than `NOASSERTION`/`NONE`);
//!    - the document needs an author (CycloneDX `metadata.authors`, `metadata.tools`,
//!      `metadata.manufacturer` or `metadata.manufacture`; SPDX `creationInfo.creators`) and a
//!      timestamp (`metadata.timestamp`, `creationInfo.created`);
//!    - dependency relationships: CycloneDX needs a `dependencies` entry for the root component;
//!      SPDX needs a `DESCRIBES` relationship from `SPDXRef-DOCUMENT` to a package (or
//!      `documentDescribes`), and every package must be reachable from the described ones through
//!      `DESCRIBES`, `CONTAINS`, `DEPENDS_ON`, `DYNAMIC_LINK`, `STATIC_LINK` or
//!      `HAS_PREREQUISITE` (or their stated inverses, such as `DEPENDENCY_OF`);
//!    - identifiers are unique (`bom-ref` among components and services, `SPDXID` among the
//!      document, packages, files and snippets); an SPDXID is `SPDXRef-` followed by letters,
//!      digits, `.` and `-` only; every reference in CycloneDX `dependencies` and SPDX
//!      `relationships` names an element of the document.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::error::{Error, Result};

/// One problem found in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where: a JSON pointer or a component reference.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
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

/// The result of validating one file.
#[derive(Clone, Debug)]
pub struct Report {
    /// The detected format, e.g. `CycloneDX 1.6` or `SPDX 2.3`.
    pub format: String,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether no problem was found.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Validates a file.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read; [`Error::NotAnSbom`] when it is not JSON, is
/// neither CycloneDX nor SPDX, or is of a version without an embedded schema. Problems *in* a
/// recognised document are not errors: they are listed in the [`Report`].
pub fn validate_file(path: &Path) -> Result<Report> {
    let document = read_json(path)?;
    validate_value(&document).map_err(|reason| Error::NotAnSbom {
        path: path.to_owned(),
        reason,
    })
}

/// Validates a parsed document; `Err` is the reason why it is not a supported SBOM.
pub(crate) fn validate_value(document: &Value) -> std::result::Result<Report, String> {
    let spec = match detect(document)? {
        Detected::CycloneDx(version) => match version.as_str() {
            "1.5" => Spec::CycloneDx15,
            "1.6" => Spec::CycloneDx16,
            "1.7" => Spec::CycloneDx17,
            other => {
                return Err(format!(
                    "CycloneDX specVersion `{}` is not supported; supported are 1.5, 1.6 and 1.7",
                    truncate(other, 40)
                ));
            }
        },
        Detected::Spdx(version) if version == "SPDX-2.3" => Spec::Spdx23,
        Detected::Spdx(version) => {
            return Err(format!(
                "spdxVersion `{}` is not supported; supported is SPDX-2.3",
                truncate(&version, 40)
            ));
        }
    };
    let validator = spec.validator()?;
    let mut problems: Vec<Problem> = validator
        .iter_errors(document)
        .map(|error| {
            let pointer = error.instance_path().as_str();
            let location = if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            };
            Problem::new(
                location,
                format!("schema: {}", truncate(&error.to_string(), MAX_MESSAGE)),
            )
        })
        .collect();
    match spec {
        Spec::Spdx23 => check_spdx(document, &mut problems),
        _ => check_cyclonedx(document, &mut problems),
    }
    Ok(Report {
        format: spec.label().to_owned(),
        problems,
    })
}

/// Reads and parses a JSON file.
pub(crate) fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|error| Error::NotAnSbom {
        path: path.to_owned(),
        reason: format!("not a JSON document: {error}"),
    })
}

/// What a document says it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Detected {
    /// `bomFormat: CycloneDX` with this `specVersion`.
    CycloneDx(String),
    /// An SPDX document with this `spdxVersion`, e.g. `SPDX-2.3`.
    Spdx(String),
}

/// Recognises a CycloneDX or SPDX JSON document; `Err` says why it is neither.
pub(crate) fn detect(document: &Value) -> std::result::Result<Detected, String> {
    let Some(object) = document.as_object() else {
        return Err(format!(
            "a {} is neither a CycloneDX nor an SPDX document (expected a JSON object)",
            json_type(document)
        ));
    };
    if let Some(format) = object.get("bomFormat") {
        if format.as_str() != Some("CycloneDX") {
            return Err(format!(
                "bomFormat is {}, not \"CycloneDX\"",
                truncate(&format.to_string(), 40)
            ));
        }
        return match object.get("specVersion").and_then(Value::as_str) {
            Some(version) => Ok(Detected::CycloneDx(version.to_owned())),
            None => Err("a CycloneDX document without a specVersion string".to_owned()),
        };
    }
    if let Some(version) = object.get("spdxVersion") {
        return match version.as_str() {
            Some(version) => Ok(Detected::Spdx(version.to_owned())),
            None => Err("an SPDX document whose spdxVersion is not a string".to_owned()),
        };
    }
    Err(
        "neither a CycloneDX document (no bomFormat) nor an SPDX document (no spdxVersion)"
            .to_owned(),
    )
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The longest message kept from the schema validator, in characters.
const MAX_MESSAGE: usize = 300;

/// Cuts `text` to about `max` characters, keeping its beginning and its end (where validator
/// messages such as "… has non-unique elements" say what is wrong) and how much was left out.
fn truncate(text: &str, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text.to_owned();
    }
    let tail = max / 3;
    let head: String = text.chars().take(max - tail).collect();
    let end: String = text.chars().skip(total - tail).collect();
    format!("{head} … ({} characters left out) … {end}", total - max)
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

/// The base URI of the CycloneDX schemas (their `$id`s), against which their relative `$ref`s
/// such as `spdx.SNAPSHOT.schema.json` resolve.
const CYCLONEDX_BASE: &str = "http://cyclonedx.org/schema/";

/// The schemas the CycloneDX schemas reference, under the file names they use.
const CYCLONEDX_SHARED: [(&str, &str); 3] = [
    (
        "spdx.SNAPSHOT.schema.json",
        include_str!("../schemas/spdx.SNAPSHOT.schema.json"),
    ),
    (
        "jsf-0.82.SNAPSHOT.schema.json",
        include_str!("../schemas/jsf-0.82.SNAPSHOT.schema.json"),
    ),
    (
        "cryptography-defs.SNAPSHOT.schema.json",
        include_str!("../schemas/cryptography-defs.SNAPSHOT.schema.json"),
    ),
];

/// A document version with an embedded schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    CycloneDx15,
    CycloneDx16,
    CycloneDx17,
    Spdx23,
}

type Compiled = std::result::Result<jsonschema::Validator, String>;

impl Spec {
    fn label(self) -> &'static str {
        match self {
            Self::CycloneDx15 => "CycloneDX 1.5",
            Self::CycloneDx16 => "CycloneDX 1.6",
            Self::CycloneDx17 => "CycloneDX 1.7",
            Self::Spdx23 => "SPDX 2.3",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Self::CycloneDx15 => include_str!("../schemas/bom-1.5.SNAPSHOT.schema.json"),
            Self::CycloneDx16 => include_str!("../schemas/bom-1.6.SNAPSHOT.schema.json"),
            Self::CycloneDx17 => include_str!("../schemas/bom-1.7.SNAPSHOT.schema.json"),
            Self::Spdx23 => include_str!("../schemas/spdx-2.3.schema.json"),
        }
    }

    fn cell(self) -> &'static OnceLock<Compiled> {
        static CELLS: [OnceLock<Compiled>; 4] = [const { OnceLock::new() }; 4];
        &CELLS[self as usize]
    }

    /// The compiled validator, compiled on first use.
    fn validator(self) -> std::result::Result<&'static jsonschema::Validator, String> {
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

// ---------------------------------------------------------------------------------------------
// NTIA minimum elements and references
// ---------------------------------------------------------------------------------------------

/// A non-empty (after trimming) string value.
fn text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn non_empty_array(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

/// `"/components/3 (serde 1.0.200)"`: a pointer, with the name and version when known.
fn component_location(pointer: &str, component: &Value) -> String {
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

fn check_cyclonedx(document: &Value, problems: &mut Vec<Problem>) {
    let metadata = document.get("metadata");
    if text(metadata.and_then(|m| m.get("timestamp"))).is_none() {
        problems.push(Problem::new(
            "/metadata/timestamp",
            "NTIA: the document has no timestamp (metadata.timestamp)",
        ));
    }
    let has_author = metadata.is_some_and(|m| {
        non_empty_array(m.get("authors"))
            || has_tools(m.get("tools"))
            || has_entity(m.get("manufacturer"))
            || has_entity(m.get("manufacture"))
    });
    if !has_author {
        problems.push(Problem::new(
            "/metadata",
            "NTIA: the document names no author (metadata.authors, metadata.tools or metadata.manufacturer)",
        ));
    }

    // Every component, in document order; then the bom-refs of components and services.
    let mut components: Vec<(String, &Value)> = Vec::new();
    if let Some(root) = metadata
        .and_then(|m| m.get("component"))
        .filter(|c| c.is_object())
    {
        components.push(("/metadata/component".to_owned(), root));
        collect_nested(root, "/metadata/component", "components", &mut components);
    }
    collect_nested(document, "", "components", &mut components);
    let mut services: Vec<(String, &Value)> = Vec::new();
    collect_nested(document, "", "services", &mut services);

    for (pointer, component) in &components {
        let location = component_location(pointer, component);
        let mut missing = Vec::new();
        if text(component.get("name")).is_none() {
            missing.push("name");
        }
        if text(component.get("version")).is_none() {
            missing.push("version");
        }
        if text(component.get("bom-ref")).is_none() && text(component.get("purl")).is_none() {
            missing.push("unique identifier (bom-ref or purl)");
        }
        if text(component.get("supplier").and_then(|s| s.get("name"))).is_none() {
            missing.push("supplier (supplier.name)");
        }
        if !missing.is_empty() {
            problems.push(Problem::new(
                location,
                format!("NTIA: missing {}", missing.join(", ")),
            ));
        }
    }

    let mut refs: BTreeMap<&str, &str> = BTreeMap::new();
    for (pointer, element) in components.iter().chain(&services) {
        if let Some(bom_ref) = element.get("bom-ref").and_then(Value::as_str) {
            if let Some(first) = refs.get(bom_ref) {
                problems.push(Problem::new(
                    format!("{pointer}/bom-ref"),
                    format!(
                        "duplicate bom-ref `{}`, also used at {first}",
                        truncate(bom_ref, 200)
                    ),
                ));
            } else {
                refs.insert(bom_ref, pointer);
            }
        }
    }

    let root = metadata
        .and_then(|m| m.get("component"))
        .filter(|c| c.is_object());
    let root_ref = root.and_then(|c| text(c.get("bom-ref")));
    let dependencies = document.get("dependencies").and_then(Value::as_array);
    match (root, root_ref) {
        (None, _) => problems.push(Problem::new(
            "/metadata/component",
            "NTIA: the document does not name the component it describes (metadata.component)",
        )),
        (Some(_), None) => problems.push(Problem::new(
            "/metadata/component",
            "NTIA: the root component has no bom-ref, so no dependency relationship can name it",
        )),
        (Some(_), Some(root_ref)) => {
            let listed = dependencies.is_some_and(|deps| {
                deps.iter()
                    .any(|d| d.get("ref").and_then(Value::as_str) == Some(root_ref))
            });
            if !listed {
                problems.push(Problem::new(
                    "/dependencies",
                    format!(
                        "NTIA: no dependency relationships for the root component `{}` (a `dependencies` entry with this ref)",
                        truncate(root_ref, 200)
                    ),
                ));
            }
        }
    }
    for (i, dependency) in dependencies.into_iter().flatten().enumerate() {
        if let Some(reference) = dependency.get("ref").and_then(Value::as_str)
            && !refs.contains_key(reference)
        {
            problems.push(unknown_ref(format!("/dependencies/{i}/ref"), reference));
        }
        for key in ["dependsOn", "provides"] {
            let targets = dependency.get(key).and_then(Value::as_array);
            for (j, target) in targets.into_iter().flatten().enumerate() {
                if let Some(reference) = target.as_str()
                    && !refs.contains_key(reference)
                {
                    problems.push(unknown_ref(
                        format!("/dependencies/{i}/{key}/{j}"),
                        reference,
                    ));
                }
            }
        }
    }
}

fn unknown_ref(location: String, reference: &str) -> Problem {
    Problem::new(
        location,
        format!(
            "`{}` is not the bom-ref of any component or service",
            truncate(reference, 200)
        ),
    )
}

/// Collects `parent[key][i]` and their own `key` children, recursively, with JSON pointers.
fn collect_nested<'a>(
    parent: &'a Value,
    pointer: &str,
    key: &str,
    out: &mut Vec<(String, &'a Value)>,
) {
    let children = parent.get(key).and_then(Value::as_array);
    for (i, child) in children.into_iter().flatten().enumerate() {
        if child.is_object() {
            let child_pointer = format!("{pointer}/{key}/{i}");
            out.push((child_pointer.clone(), child));
            collect_nested(child, &child_pointer, key, out);
        }
    }
}

/// `metadata.tools`: the legacy array of tools, or the object of components and services.
fn has_tools(tools: Option<&Value>) -> bool {
    match tools {
        Some(Value::Array(tools)) => !tools.is_empty(),
        Some(Value::Object(tools)) => {
            non_empty_array(tools.get("components")) || non_empty_array(tools.get("services"))
        }
        _ => false,
    }
}

/// An organizational entity with a name, a URL or a contact.
fn has_entity(entity: Option<&Value>) -> bool {
    entity.is_some_and(|e| {
        text(e.get("name")).is_some()
            || non_empty_array(e.get("url"))
            || non_empty_array(e.get("contact"))
    })
}

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
fn is_spdx_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

/// `YYYY-MM-DDThh:mm:ssZ`, the one date form of SPDX 2.3.
fn is_spdx_date(text: &str) -> bool {
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

fn check_spdx(document: &Value, problems: &mut Vec<Problem>) {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cyclonedx(version: &str) -> Value {
        json!({
            "bomFormat": "CycloneDX",
            "specVersion": version,
            "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "version": 1,
            "metadata": {
                "timestamp": "2024-05-01T12:00:00Z",
                "tools": { "components": [{ "type": "application", "name": "cargo-sbom", "version": "0.1.0" }] },
                "component": {
                    "type": "application",
                    "bom-ref": "pkg:cargo/app@1.0.0",
                    "supplier": { "name": "Example" },
                    "name": "app",
                    "version": "1.0.0",
                    "purl": "pkg:cargo/app@1.0.0"
                }
            },
            "components": [{
                "type": "library",
                "bom-ref": "pkg:cargo/serde@1.0.200",
                "supplier": { "name": "serde developers", "url": ["https://serde.rs"] },
                "name": "serde",
                "version": "1.0.200",
                "hashes": [{ "alg": "SHA-256", "content": "0000000000000000000000000000000000000000000000000000000000000000" }],
                "licenses": [{ "expression": "MIT OR Apache-2.0" }],
                "purl": "pkg:cargo/serde@1.0.200",
                "externalReferences": [{ "type": "website", "url": "https://serde.rs" }]
            }],
            "dependencies": [
                { "ref": "pkg:cargo/app@1.0.0", "dependsOn": ["pkg:cargo/serde@1.0.200"] },
                { "ref": "pkg:cargo/serde@1.0.200", "dependsOn": [] }
            ]
        })
    }

    fn spdx() -> Value {
        json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "app-1.0.0",
            "documentNamespace": "https://spdx.org/spdxdocs/app-1.0.0-3e671687-395b-41f5-a30f-a58921a69b79",
            "creationInfo": { "created": "2024-05-01T12:00:00Z", "creators": ["Tool: cargo-sbom-0.1.0"] },
            "packages": [
                {
                    "SPDXID": "SPDXRef-Package-app-1.0.0",
                    "name": "app",
                    "versionInfo": "1.0.0",
                    "supplier": "Organization: Example",
                    "downloadLocation": "NOASSERTION",
                    "filesAnalyzed": false,
                    "licenseDeclared": "MIT"
                },
                {
                    "SPDXID": "SPDXRef-Package-serde-1.0.200",
                    "name": "serde",
                    "versionInfo": "1.0.200",
                    "supplier": "Person: David Tolnay (dtolnay@gmail.com)",
                    "downloadLocation": "https://crates.io/api/v1/crates/serde/1.0.200/download",
                    "filesAnalyzed": false,
                    "checksums": [{ "algorithm": "SHA256", "checksumValue": "0000000000000000000000000000000000000000000000000000000000000000" }],
                    "licenseDeclared": "MIT OR Apache-2.0",
                    "externalRefs": [{
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": "pkg:cargo/serde@1.0.200"
                    }]
                }
            ],
            "relationships": [
                { "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Package-app-1.0.0" },
                { "spdxElementId": "SPDXRef-Package-app-1.0.0", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-Package-serde-1.0.200" }
            ]
        })
    }

    fn check(document: &Value) -> Report {
        match validate_value(document) {
            Ok(report) => report,
            Err(reason) => panic!("not recognised: {reason}"),
        }
    }

    fn has(report: &Report, location: &str, needle: &str) -> bool {
        report
            .problems
            .iter()
            .any(|p| p.location.starts_with(location) && p.message.contains(needle))
    }

    #[test]
    fn minimal_cyclonedx_documents_are_valid() {
        for version in ["1.5", "1.6", "1.7"] {
            let report = check(&cyclonedx(version));
            assert_eq!(report.format, format!("CycloneDX {version}"));
            assert!(report.is_valid(), "{version}: {:?}", report.problems);
        }
    }

    #[test]
    fn schema_errors_are_located() {
        let mut document = cyclonedx("1.6");
        document["components"][0]["type"] = json!("crate");
        document["components"][0]["unexpected"] = json!(true);
        document["metadata"]["timestamp"] = json!("yesterday");
        let report = check(&document);
        assert!(
            has(&report, "/components/0/type", "schema:"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/components/0", "unexpected"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/metadata/timestamp", "date-time"),
            "{:?}",
            report.problems
        );
        assert!(report.problems.len() >= 3);
    }

    #[test]
    fn referenced_schemas_are_resolved() {
        // `license.id` is checked against spdx.SNAPSHOT.schema.json.
        let mut document = cyclonedx("1.7");
        document["components"][0]["licenses"] =
            json!([{ "license": { "id": "Not-A-Real-License" } }]);
        let report = check(&document);
        assert!(
            has(&report, "/components/0/licenses/0", "schema:"),
            "{:?}",
            report.problems
        );
        document["components"][0]["licenses"] = json!([{ "license": { "id": "Apache-2.0" } }]);
        assert!(validate_value(&document).is_ok_and(|r| r.is_valid()));
    }

    #[test]
    fn cryptography_definitions_are_resolved_in_1_7() {
        let mut document = cyclonedx("1.7");
        document["components"][0]["cryptoProperties"] = json!({ "assetType": "algorithm", "algorithmProperties": { "algorithmFamily": "NO-SUCH-FAMILY" } });
        let report = check(&document);
        assert!(
            has(
                &report,
                "/components/0/cryptoProperties/algorithmProperties/algorithmFamily",
                "schema:"
            ),
            "{:?}",
            report.problems
        );
        document["components"][0]["cryptoProperties"]["algorithmProperties"]["algorithmFamily"] =
            json!("AES");
        let report = check(&document);
        assert!(report.is_valid(), "{:?}", report.problems);
    }

    #[test]
    fn signatures_are_checked_against_jsf() {
        let mut document = cyclonedx("1.6");
        document["signature"] = json!({ "algorithm": "RS256", "value": 17 });
        let report = check(&document);
        assert!(
            has(&report, "/signature", "schema:"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn missing_supplier_and_other_minimum_elements() {
        let mut document = cyclonedx("1.5");
        if let Some(component) = document["components"][0].as_object_mut() {
            component.remove("supplier");
            component.remove("version");
        }
        if let Some(metadata) = document["metadata"].as_object_mut() {
            metadata.remove("tools");
            metadata.remove("timestamp");
        }
        let report = check(&document);
        assert!(
            has(&report, "/components/0 (serde)", "supplier.name"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/components/0 (serde)", "missing version"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/metadata/timestamp", "NTIA"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/metadata", "no author"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn nested_components_are_checked() {
        let mut document = cyclonedx("1.6");
        document["components"][0]["components"] =
            json!([{ "type": "library", "name": "inner", "version": "0.1.0", "bom-ref": "inner" }]);
        let report = check(&document);
        assert!(
            has(
                &report,
                "/components/0/components/0 (inner 0.1.0)",
                "supplier"
            ),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    #[test]
    fn duplicate_and_unknown_bom_refs() {
        let mut document = cyclonedx("1.6");
        let copy = document["components"][0].clone();
        if let Some(components) = document["components"].as_array_mut() {
            components.push(copy);
        }
        document["dependencies"][0]["dependsOn"] = json!(["pkg:cargo/serde@1.0.200", "nowhere"]);
        document["dependencies"][1]["ref"] = json!("pkg:cargo/missing@1.0.0");
        let report = check(&document);
        assert!(
            has(&report, "/components/1/bom-ref", "duplicate bom-ref"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/dependencies/0/dependsOn/1", "nowhere"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/dependencies/1/ref", "missing"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn root_needs_dependencies() {
        let mut document = cyclonedx("1.6");
        document["dependencies"] = json!([{ "ref": "pkg:cargo/serde@1.0.200" }]);
        let report = check(&document);
        assert!(
            has(&report, "/dependencies", "root component"),
            "{:?}",
            report.problems
        );
        if let Some(metadata) = document["metadata"].as_object_mut() {
            metadata.remove("component");
        }
        let report = super::validate_value(&document).map(|r| r.problems);
        assert!(report.is_ok_and(|p| p.iter().any(|p| p.message.contains("metadata.component"))));
    }

    #[test]
    fn minimal_spdx_document_is_valid() {
        let report = check(&spdx());
        assert_eq!(report.format, "SPDX 2.3");
        assert!(report.is_valid(), "{:?}", report.problems);
    }

    #[test]
    fn spdx_schema_and_minimum_elements() {
        let mut document = spdx();
        document["creationInfo"]["created"] = json!(17);
        document["packages"][1]["supplier"] = json!("NOASSERTION");
        if let Some(package) = document["packages"][0].as_object_mut() {
            package.remove("downloadLocation");
            package.remove("versionInfo");
        }
        let report = check(&document);
        assert!(
            has(&report, "/creationInfo/created", "schema:"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/0", "downloadLocation"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/0 (app)", "versionInfo"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/1 (serde 1.0.200)", "supplier"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn spdx_ids_are_unique_and_well_formed() {
        let mut document = spdx();
        document["packages"][1]["SPDXID"] = json!("SPDXRef-Package-app-1.0.0");
        let report = check(&document);
        assert!(
            has(&report, "/packages/1/SPDXID", "duplicate SPDXID"),
            "{:?}",
            report.problems
        );

        let mut document = spdx();
        document["packages"][1]["SPDXID"] = json!("SPDXRef-serde_1.0+x");
        document["relationships"][1]["relatedSpdxElement"] = json!("SPDXRef-serde_1.0+x");
        let report = check(&document);
        assert!(
            has(&report, "/packages/1/SPDXID", "not a valid SPDXID"),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    #[test]
    fn unreachable_and_unknown_spdx_elements() {
        let mut document = spdx();
        document["relationships"][1]["relationshipType"] = json!("OTHER");
        let report = check(&document);
        assert!(
            has(&report, "/packages/1 (serde 1.0.200)", "not reachable"),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1);

        // The inverse statement reaches it as well.
        document["relationships"][1] = json!({
            "spdxElementId": "SPDXRef-Package-serde-1.0.200",
            "relationshipType": "DEPENDENCY_OF",
            "relatedSpdxElement": "SPDXRef-Package-app-1.0.0"
        });
        assert!(report_is_valid(&document));

        document["relationships"][0]["relatedSpdxElement"] = json!("SPDXRef-nothing");
        let report = check(&document);
        assert!(
            has(
                &report,
                "/relationships/0/relatedSpdxElement",
                "SPDXRef-nothing"
            ),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/relationships", "no DESCRIBES"),
            "{:?}",
            report.problems
        );
    }

    fn report_is_valid(document: &Value) -> bool {
        validate_value(document).is_ok_and(|r| r.is_valid())
    }

    #[test]
    fn documents_that_are_not_supported_sboms() {
        for (document, needle) in [
            (json!([1, 2]), "array"),
            (json!({ "hello": "world" }), "neither"),
            (
                json!({ "bomFormat": "CycloneDX", "specVersion": "1.4" }),
                "1.4",
            ),
            (json!({ "bomFormat": "CycloneDX" }), "specVersion"),
            (json!({ "bomFormat": "SWID" }), "bomFormat"),
            (json!({ "spdxVersion": "SPDX-2.2" }), "SPDX-2.2"),
        ] {
            let result = validate_value(&document);
            assert!(
                result.as_ref().is_err_and(|e| e.contains(needle)),
                "{document}: {:?}",
                result.err()
            );
        }
    }

    #[test]
    fn unreadable_and_non_json_files_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.json");
        assert!(matches!(validate_file(&missing), Err(Error::Read { .. })));
        let garbage = dir.path().join("garbage.json");
        std::fs::write(&garbage, b"{ not json").expect("write");
        assert!(matches!(
            validate_file(&garbage),
            Err(Error::NotAnSbom { .. })
        ));
        let good = dir.path().join("good.cdx.json");
        std::fs::write(&good, cyclonedx("1.6").to_string()).expect("write");
        assert!(validate_file(&good).is_ok_and(|r| r.is_valid()));
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = format!("{}{}", "x".repeat(1000), " has non-unique elements");
        let short = truncate(&long, 90);
        assert!(short.starts_with(&"x".repeat(60)), "{short}");
        assert!(short.contains("(934 characters left out)"), "{short}");
        assert!(short.ends_with("x has non-unique elements"), "{short}");
        assert_eq!(truncate("é", 1), "é");
    }

    #[test]
    fn spdx_dates() {
        assert!(is_spdx_date("2024-05-01T12:00:00Z"));
        for bad in [
            "yesterday",
            "2024-05-01 12:00:00Z",
            "2024-05-01T12:00:00+01:00",
            "2024-13-01T12:00:00Z",
            "2024-05-01T12:00:00.5Z",
            "２０２４-05-01T12:00:00Z",
        ] {
            assert!(!is_spdx_date(bad), "{bad}");
        }
        let mut document = spdx();
        document["creationInfo"]["created"] = json!("yesterday");
        document["packages"][0]["releaseDate"] = json!("2024-05-01");
        let report = check(&document);
        assert!(
            has(&report, "/creationInfo/created", "YYYY-MM-DD"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/0/releaseDate", "YYYY-MM-DD"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn spdx_id_syntax() {
        assert!(is_spdx_id("SPDXRef-DOCUMENT"));
        assert!(is_spdx_id("SPDXRef-Package-a.b-1.0.0-abcdef12"));
        assert!(!is_spdx_id("SPDXRef-"));
        assert!(!is_spdx_id("SPDXRef-a_b"));
        assert!(!is_spdx_id("Package-a"));
    }
}
