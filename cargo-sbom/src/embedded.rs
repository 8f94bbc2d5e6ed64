//! SBOMs embedded in executables by `build_hooks::Sbom::embed`, read back by
//! `cargo sbom --from-binary FILE`.
//!
//! The build hook links an object file holding two sections into every binary of the package:
//!
//! | data | ELF | Mach-O | PE/COFF |
//! |---|---|---|---|
//! | CycloneDX JSON, zlib-compressed | `.cargo_sbom` | `__DATA,__cargo_sbom` | `.csbom` |
//! | cargo-auditable JSON, zlib-compressed | `.dep-v0` | `__DATA,.dep-v0` | `.dep-v0` |
//!
//! PE image section names are at most 8 bytes, hence the short name there. On ELF both sections
//! carry no flags (not `SHF_ALLOC`): they are not loaded at run time and `--gc-sections` leaves
//! them alone. Each section also holds a symbol ([`SBOM_SYMBOL`], [`DEP_V0_SYMBOL`]) that the
//! linker is told to keep (`-u`/`/INCLUDE:`), for the linkers that drop unreferenced sections.

use std::io::Read;
#[cfg(feature = "from-binary")]
use std::path::Path;

#[cfg(feature = "from-binary")]
use object::{Object, ObjectSection};

#[cfg(feature = "from-binary")]
use crate::error::{Error, Result};

/// The CycloneDX section on ELF targets.
pub const SBOM_SECTION_ELF: &str = ".cargo_sbom";
/// The CycloneDX section on Mach-O targets (in the `__DATA` segment).
pub const SBOM_SECTION_MACHO: &str = "__cargo_sbom";
/// The CycloneDX section on PE/COFF targets (image section names are at most 8 bytes).
pub const SBOM_SECTION_COFF: &str = ".csbom";
/// cargo-auditable's section, the same name on every format.
pub const DEP_V0_SECTION: &str = ".dep-v0";
/// The symbol at the start of the CycloneDX section.
pub const SBOM_SYMBOL: &str = "CARGO_SBOM_CYCLONEDX";
/// The symbol at the start of the `.dep-v0` section. Not cargo-auditable's own
/// `AUDITABLE_VERSION_INFO`, so that the two never clash as duplicate symbols.
pub const DEP_V0_SYMBOL: &str = "CARGO_SBOM_DEP_V0";

/// The longest decompressed SBOM accepted (a guard against decompression bombs).
const MAX_DECOMPRESSED: u64 = 512 * 1024 * 1024;

/// Reads the CycloneDX JSON embedded in the executable or object file at `path`.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read; [`Error::NotAnSbom`] when it is not an
/// executable or object file, has no SBOM section, or the section does not hold zlib-compressed
/// JSON.
#[cfg(feature = "from-binary")]
pub fn read_sbom(path: &Path) -> Result<Vec<u8>> {
    let data = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let not_an_sbom = |reason: String| Error::NotAnSbom {
        path: path.to_owned(),
        reason,
    };
    let file = object::File::parse(&*data).map_err(|e| {
        not_an_sbom(format!(
            "not an executable or object file (ELF, Mach-O or PE): {e}"
        ))
    })?;
    let section = file
        .sections()
        .find(|s| {
            s.name().is_ok_and(|name| {
                name == SBOM_SECTION_ELF || name == SBOM_SECTION_MACHO || name == SBOM_SECTION_COFF
            })
        })
        .ok_or_else(|| {
            not_an_sbom(format!(
                "no embedded SBOM: no {SBOM_SECTION_ELF} section (was it built with \
                 build_hooks::Sbom::embed()?)"
            ))
        })?;
    let compressed = section
        .data()
        .map_err(|e| not_an_sbom(format!("cannot read the SBOM section: {e}")))?;
    decompress(compressed).map_err(not_an_sbom)
}

/// Decompresses one zlib stream (what follows it, such as section padding, is ignored) and
/// checks that it is JSON.
pub fn decompress(compressed: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_DECOMPRESSED)
        .read_to_end(&mut json)
        .map_err(|e| format!("the SBOM section is not zlib-compressed data: {e}"))?;
    serde_json::from_slice::<serde_json::Value>(&json)
        .map_err(|e| format!("the SBOM section does not hold JSON: {e}"))?;
    Ok(json)
}

#[cfg(all(test, feature = "from-binary"))]
mod tests {
    use super::*;

    #[test]
    fn non_binaries_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("text.txt");
        std::fs::write(&path, b"hello").unwrap();
        let err = read_sbom(&path).unwrap_err().to_string();
        assert!(err.contains("not an executable"), "{err}");
        assert!(err.contains("text.txt"), "{err}");
    }

    #[test]
    fn a_binary_without_the_section_is_rejected() {
        // The test executable itself is a binary without an SBOM.
        let exe = std::env::current_exe().unwrap();
        let err = read_sbom(&exe).unwrap_err().to_string();
        assert!(err.contains("no embedded SBOM"), "{err}");
    }

    #[test]
    fn garbage_sections_are_rejected() {
        assert!(decompress(b"not zlib").is_err());
    }
}
