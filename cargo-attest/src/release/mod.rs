//! `cargo attest release` ([`make`]) and `cargo attest verify-release` ([`verify`]): a release
//! directory of one commit, checksummed, signed and checkable (SSDF PS.2, PS.3). The archives
//! are written and checked by [`archive`].
//!
//! # `release`
//!
//! 1. The work tree must be clean (tracked files equal to `HEAD`, as `crate::git` counts it);
//!    otherwise the release is refused (exit 2) unless `--allow-dirty`, in which case the
//!    provenance records the source as dirty and the `source-control` findings about the changes
//!    (`dirty`) are lowered to warnings. The source archive always holds `HEAD`, never the
//!    uncommitted changes.
//! 2. `cargo build` runs as for `cargo attest build` ([`crate::build::build`]), in the `release`
//!    profile unless the cargo arguments choose one (`--release`, `-r`, `--profile`). Times
//!    (SBOM timestamps, provenance `startedOn`/`finishedOn`) are `SOURCE_DATE_EPOCH` when set,
//!    else the `HEAD` commit time, so two releases of one commit are identical.
//! 3. The policy ([`crate::policy::run()`]) runs in release context (`strict`) on the built
//!    graph, with the built artifacts as the binaries of the `binary-hardening` rule. Its
//!    findings are printed as `cargo attest check` prints them; any `deny` finding stops the
//!    release (exit 1) and nothing is written.
//! 4. Everything is computed in memory, written into a temporary directory beside the release
//!    directory and renamed into place; an existing release directory is replaced only with
//!    `--force` (else exit 2).
//!
//! # The release directory `DIR/NAME-VERSION/`
//!
//! | file | content |
//! |---|---|
//! | `NAME-VERSION-TARGET.tar.gz` | the built binaries and linkable libraries, and the `README*`, `LICENSE*`/`LICENCE*` and `COPYING*` files of the package directory (for each of the three kinds, those of the workspace root when the package has none), under `NAME-VERSION-TARGET/` |
//! | `NAME-VERSION-src.tar.gz` | the tree of the `HEAD` commit (not the work tree) under `NAME-VERSION/`: blobs only (submodules are left out, with a warning), symlinks as symlinks, executables (`100755`) with mode `0755` |
//! | `NAME-VERSION.cdx.json`, `NAME-VERSION.spdx.json` | the SBOMs of the compiled graph, lifecycle `build` |
//! | `policy-report.json` | the policy findings, the same JSON as `cargo attest check --format json` |
//! | `ssdf-report.json`, `ssdf-report.md` | the SSDF report ([`crate::ssdf`]) of the policy findings and the release files |
//! | `SHA256SUMS` | `<sha256>  <name>` lines (as `sha256sum` writes them), sorted by name, of every file except `SHA256SUMS` itself and the bundle |
//! | `NAME-VERSION.provenance.sigstore.json` | the signed SLSA provenance (Sigstore bundle v0.3, DSSE) |
//!
//! **Subjects** of the provenance statement: every other file of the directory, i.e. the two
//! archives, the two SBOMs, `policy-report.json`, `ssdf-report.json`, `ssdf-report.md` and
//! `SHA256SUMS`, sorted by name. Its byproducts are the SBOMs, as for `cargo attest build`.
//! The directory's files are therefore exactly: the subjects, plus the bundle.
//!
//! The SSDF report lists `SHA256SUMS` and the provenance bundle as evidence **without digests**:
//! `SHA256SUMS` lists the report and the bundle signs it, so neither digest can be in it.
//!
//! Archives are deterministic ([`archive`]): mtime = `SOURCE_DATE_EPOCH`, else the
//! `HEAD` commit time; no directory entries.
//!
//! # `verify-release DIR --key PUB`
//!
//! [`verify::verify_release`] checks, reporting every problem with the file it concerns: the bundle
//! (exactly one `*.provenance.sigstore.json`, signature, in-toto Statement v1 with an SLSA
//! Provenance v1 predicate); every subject is a plain file name present in `DIR` with the signed
//! SHA-256; `SHA256SUMS` is a subject, well-formed, lists exactly the other subjects, with
//! their actual digests; `DIR` holds nothing else (no extra file, no directory, no symlink);
//! the SBOMs `NAME-VERSION.cdx.json` / `.spdx.json` exist and describe `NAME` `VERSION`
//! (CycloneDX `metadata.component`, SPDX `documentDescribes`), `NAME-VERSION` being the bundle's
//! name, which every archive name starts with (`NAME-VERSION-src.tar.gz` must exist); every
//! archive is safe to extract ([`archive::check_entries`], read without extracting) below its
//! directory (`NAME-VERSION/` for the source archive, the archive name without `.tar.gz` for
//! the others). A directory named other than `NAME-VERSION` is only noted: the file names are
//! what the signature binds.

pub mod archive;
pub mod make;
pub mod verify;

pub use make::{ReleaseOptions, run};
pub use verify::{VerifiedRelease, verify_release};

/// The checksum file of a release.
pub const SHA256SUMS: &str = "SHA256SUMS";
/// The policy report of a release.
pub const POLICY_REPORT: &str = "policy-report.json";
/// The SSDF report of a release, JSON.
pub const SSDF_JSON: &str = "ssdf-report.json";
/// The SSDF report of a release, Markdown.
pub const SSDF_MARKDOWN: &str = "ssdf-report.md";
/// The suffix of the provenance bundle (`NAME-VERSION.provenance.sigstore.json`).
pub const BUNDLE_SUFFIX: &str = ".provenance.sigstore.json";
