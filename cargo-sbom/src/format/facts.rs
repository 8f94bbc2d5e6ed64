//! What an SBOM says, in the terms the regulators' profiles ask about, whatever its format:
//! each format reads its documents into [`SbomFacts`] (its `facts` function), and the profiles
//! of `validate --profile` ([`crate::validate::profile`]) judge only these.

/// The SBOM-level facts.
#[derive(Clone, Debug, Default)]
pub struct SbomFacts {
    /// The format family id (`cyclonedx-json`, `spdx-json`, `spdx3-json`).
    pub family: &'static str,
    /// The declared version (`1.6`, `SPDX-2.3`, `3.0.1`).
    pub version: String,
    /// An author of the SBOM data is named (a person, organisation or tool).
    pub author: bool,
    /// The SBOM's creator can be reached: an e-mail address or a URL.
    pub creator_contact: bool,
    /// The generating tool is named.
    pub tool: bool,
    /// The creation time.
    pub timestamp: bool,
    /// The generation context (before, during or after build).
    pub generation_context: bool,
    /// A URI of the SBOM itself (serial number, namespace, document id).
    pub sbom_uri: bool,
    /// The SBOM's own version.
    pub sbom_version: bool,
    /// The manufacturer is named.
    pub manufacturer: bool,
    /// The manufacturer can be reached (e-mail or URL).
    pub manufacturer_contact: bool,
    /// A vulnerability / security contact for the product.
    pub security_contact: bool,
    /// The described product (the primary component), when the document names one.
    pub root: Option<ComponentFacts>,
    /// The product's direct dependencies are stated: listed, or stated to be none (a
    /// dependency entry without any, a relationship to `NoneElement`, a document holding the
    /// product alone).
    pub root_dependencies: bool,
    /// Every component but the product.
    pub components: Vec<ComponentFacts>,
}

/// The facts of one component.
#[derive(Clone, Debug, Default)]
pub struct ComponentFacts {
    /// Where it is, for messages (`/components/3 (serde 1.0.200)`).
    pub location: String,
    /// A name.
    pub name: bool,
    /// A version.
    pub version: bool,
    /// A supplier is named.
    pub supplier: bool,
    /// Its creator (or supplier) can be reached: an e-mail address or a URL.
    pub creator_contact: bool,
    /// A unique identifier (purl, CPE, SWID).
    pub identifier: bool,
    /// Any cryptographic hash with its algorithm.
    pub hash: bool,
    /// A SHA-512 of the deployable form.
    pub deployable_sha512: bool,
    /// The deployable file's name.
    pub filename: bool,
    /// BSI's executable, archive and structured properties.
    pub executable: bool,
    /// See [`ComponentFacts::executable`].
    pub archive: bool,
    /// See [`ComponentFacts::executable`].
    pub structured: bool,
    /// Any license statement (NOASSERTION counts, as CISA allows it).
    pub license: bool,
    /// A concluded license (an SPDX expression, not NOASSERTION).
    pub concluded_license: bool,
    /// A declared license (an SPDX expression, not NOASSERTION).
    pub declared_license: bool,
    /// Its dependencies are listed (an empty list counts).
    pub dependencies: bool,
    /// Whether the list of its dependencies is stated complete or incomplete.
    pub completeness: bool,
}

/// The elements of a JSON array (none for anything else).
pub(crate) fn array(value: Option<&serde_json::Value>) -> impl Iterator<Item = &serde_json::Value> {
    value
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
}
