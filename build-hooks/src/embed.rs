//! The object file that carries the SBOM into the binaries: two zlib-compressed sections, each
//! with a symbol the linker is told to keep (section names in [`cargo_sbom::embedded`]).
//!
//! As cargo-auditable does, the file is handed to the linker with
//! `cargo:rustc-link-arg-bins=PATH` (so only the package's binaries get it, and nothing is added
//! at run time), followed by the argument that keeps each symbol: `-Wl,--undefined=SYM` for
//! ELF and MinGW, `-Wl,-u,_SYM` for Apple targets, `/INCLUDE:SYM` for MSVC. On ELF the
//! sections carry no flags (not `SHF_ALLOC`): they are not loaded at run time and are never
//! subject to `--gc-sections`.

use std::io::Write;

use cargo_sbom::embedded::{
    DEP_V0_SECTION, DEP_V0_SYMBOL, SBOM_SECTION_COFF, SBOM_SECTION_ELF, SBOM_SECTION_MACHO,
    SBOM_SYMBOL,
};
use object::write::{Object, StandardSegment, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, SectionFlags, SectionKind, SymbolFlags, SymbolKind,
    SymbolScope,
};

/// The target, from the build script's `TARGET` and `CARGO_CFG_TARGET_*` variables.
#[derive(Clone, Debug, Default)]
pub struct Platform {
    /// `target_arch`.
    pub arch: String,
    /// `target_endian`.
    pub endian: String,
    /// `target_pointer_width`.
    pub pointer_width: String,
    /// `target_os`.
    pub os: String,
    /// `target_env`.
    pub env: String,
    /// `target_vendor`.
    pub vendor: String,
}

impl Platform {
    fn format(&self) -> Result<BinaryFormat, String> {
        if self.vendor == "apple" {
            Ok(BinaryFormat::MachO)
        } else if self.os == "windows" || self.os == "uefi" {
            Ok(BinaryFormat::Coff)
        } else if self.arch.starts_with("wasm") {
            Err("WebAssembly is not supported".into())
        } else {
            Ok(BinaryFormat::Elf)
        }
    }

    fn architecture(&self) -> Result<Architecture, String> {
        Ok(match self.arch.as_str() {
            "x86_64" if self.pointer_width == "32" => Architecture::X86_64_X32,
            "x86_64" => Architecture::X86_64,
            "x86" => Architecture::I386,
            "aarch64" => Architecture::Aarch64,
            "arm" => Architecture::Arm,
            "riscv64" => Architecture::Riscv64,
            "riscv32" => Architecture::Riscv32,
            "powerpc" => Architecture::PowerPc,
            "powerpc64" => Architecture::PowerPc64,
            "s390x" => Architecture::S390x,
            "loongarch64" => Architecture::LoongArch64,
            other => return Err(format!("architecture `{other}` is not supported")),
        })
    }
}

/// The object file and the linker arguments that keep its sections.
#[derive(Debug)]
pub struct EmbedObject {
    /// The object file.
    pub bytes: Vec<u8>,
    /// Linker arguments after the object file's path.
    pub link_args: Vec<String>,
}

/// zlib at the best compression (the data is written once and read rarely).
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .unwrap_or_default()
}

/// The object file holding the CycloneDX document and the `.dep-v0` JSON, both compressed here.
pub fn object_file(
    platform: &Platform,
    cyclonedx: &[u8],
    dep_v0: &[u8],
) -> Result<EmbedObject, String> {
    let format = platform.format()?;
    let architecture = platform.architecture()?;
    let endianness = if platform.endian == "big" {
        Endianness::Big
    } else {
        Endianness::Little
    };
    let mut file = Object::new(format, architecture, endianness);
    let sbom_name = match format {
        BinaryFormat::MachO => SBOM_SECTION_MACHO,
        BinaryFormat::Coff => SBOM_SECTION_COFF,
        _ => SBOM_SECTION_ELF,
    };
    let mut link_args = Vec::new();
    for (section_name, symbol, data) in [
        (sbom_name, SBOM_SYMBOL, compress(cyclonedx)),
        (DEP_V0_SECTION, DEP_V0_SYMBOL, compress(dep_v0)),
    ] {
        let section = file.add_section(
            file.segment_name(StandardSegment::Data).to_vec(),
            section_name.as_bytes().to_vec(),
            SectionKind::ReadOnlyData,
        );
        if format == BinaryFormat::Elf {
            // Not SHF_ALLOC: kept in the file, not loaded, not garbage-collected.
            file.section_mut(section).flags = SectionFlags::Elf {
                sh_type: object::elf::SHT_PROGBITS,
                sh_flags: object::elf::SectionFlags(0),
            };
        }
        let offset = file.append_section_data(section, &data, 1);
        file.add_symbol(Symbol {
            name: symbol.as_bytes().to_vec(),
            value: offset,
            size: data.len() as u64,
            kind: SymbolKind::Data,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Section(section),
            flags: SymbolFlags::None,
        });
        link_args.push(keep_symbol_arg(platform, format, symbol));
    }
    let bytes = file.write().map_err(|e| e.to_string())?;
    Ok(EmbedObject { bytes, link_args })
}

/// The linker argument that makes `symbol` (and so its section) part of the link.
fn keep_symbol_arg(platform: &Platform, format: BinaryFormat, symbol: &str) -> String {
    match format {
        // The object crate prefixes Mach-O symbols with `_`.
        BinaryFormat::MachO => format!("-Wl,-u,_{symbol}"),
        BinaryFormat::Coff if platform.env == "msvc" => {
            // 32-bit x86 COFF symbols carry a `_` prefix too.
            let prefix = if platform.arch == "x86" { "_" } else { "" };
            format!("/INCLUDE:{prefix}{symbol}")
        }
        BinaryFormat::Coff if platform.arch == "x86" => format!("-Wl,--undefined=_{symbol}"),
        _ => format!("-Wl,--undefined={symbol}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::{Object as _, ObjectSection as _};

    fn platform(_triple: &str, arch: &str, os: &str, env: &str, vendor: &str) -> Platform {
        Platform {
            arch: arch.into(),
            endian: "little".into(),
            pointer_width: "64".into(),
            os: os.into(),
            env: env.into(),
            vendor: vendor.into(),
        }
    }

    fn section_names(bytes: &[u8]) -> Vec<String> {
        let file = object::File::parse(bytes).unwrap();
        file.sections()
            .map(|s| s.name().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn elf_sections_are_not_allocated() {
        let p = platform(
            "x86_64-unknown-linux-gnu",
            "x86_64",
            "linux",
            "gnu",
            "unknown",
        );
        let object = object_file(&p, b"{}", b"{\"packages\":[]}").unwrap();
        let file = object::File::parse(&*object.bytes).unwrap();
        for name in [SBOM_SECTION_ELF, DEP_V0_SECTION] {
            let section = file.section_by_name(name).unwrap();
            assert!(
                matches!(section.flags(), SectionFlags::Elf { sh_flags, .. } if sh_flags.0 == 0)
            );
        }
        let sbom = file.section_by_name(SBOM_SECTION_ELF).unwrap();
        assert_eq!(
            cargo_sbom::embedded::decompress(sbom.data().unwrap()).unwrap(),
            b"{}"
        );
        assert_eq!(
            object.link_args,
            vec![
                "-Wl,--undefined=CARGO_SBOM_CYCLONEDX",
                "-Wl,--undefined=CARGO_SBOM_DEP_V0"
            ]
        );
    }

    #[test]
    fn macho_and_coff_names() {
        let mac = platform("aarch64-apple-darwin", "aarch64", "macos", "", "apple");
        let object = object_file(&mac, b"{}", b"{}").unwrap();
        let names = section_names(&object.bytes);
        assert!(names.contains(&SBOM_SECTION_MACHO.to_owned()), "{names:?}");
        assert!(names.contains(&DEP_V0_SECTION.to_owned()), "{names:?}");
        assert_eq!(object.link_args[0], "-Wl,-u,_CARGO_SBOM_CYCLONEDX");

        let msvc = platform("x86_64-pc-windows-msvc", "x86_64", "windows", "msvc", "pc");
        let object = object_file(&msvc, b"{}", b"{}").unwrap();
        let names = section_names(&object.bytes);
        assert!(names.contains(&SBOM_SECTION_COFF.to_owned()), "{names:?}");
        assert!(names.iter().all(|n| n.len() <= 8), "{names:?}");
        assert_eq!(object.link_args[1], "/INCLUDE:CARGO_SBOM_DEP_V0");
    }

    #[test]
    fn wasm_is_refused() {
        let wasm = platform("wasm32-unknown-unknown", "wasm32", "unknown", "", "unknown");
        assert!(object_file(&wasm, b"{}", b"{}").is_err());
    }
}
