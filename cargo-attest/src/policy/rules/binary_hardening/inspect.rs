//! Hardening properties of built binaries (ELF, PE, Mach-O), read with the `object` crate, for
//! the `binary-hardening` rule.
//!
//! The ELF verdicts follow Debian's `checksec --file` (2.6):
//!
//! - **PIE**: `ET_EXEC` is not position-independent. `ET_DYN` with `DF_1_PIE` in `DT_FLAGS_1` or
//!   a `PT_INTERP` segment is a PIE executable; any other `ET_DYN` is a shared library (checksec:
//!   `dso`), position-independent by construction, so it passes. checksec says `yes` for an
//!   `ET_DYN` with a `DT_DEBUG` entry instead, so a runnable shared library such as glibc's
//!   `libc.so.6` (an interpreter, no `DT_DEBUG`) is a PIE here and a `dso` there: both pass.
//! - **RELRO**: a `PT_GNU_RELRO` segment plus immediate binding (`DT_BIND_NOW`, `DF_BIND_NOW` in
//!   `DT_FLAGS` or `DF_1_NOW` in `DT_FLAGS_1`) is full RELRO; the segment alone is partial.
//!   checksec greps `readelf -d` for `BIND_NOW`, so a binary with only `DF_1_NOW` (no linker
//!   emits that alone) would be full here and partial there.
//! - **NX stack**: a `PT_GNU_STACK` segment without `PF_X`. Without the segment the stack is
//!   executable (the kernel's default on most architectures), as checksec reports it.
//! - **RPATH / RUNPATH**: any `DT_RPATH` / `DT_RUNPATH` entry.
//!
//! Stack canaries and `_FORTIFY_SOURCE`, which checksec also lists, are not checked: safe Rust
//! has bounds-checked memory access, rustc does not emit stack protectors by default
//! (`-Z stack-protector` is unstable) and links no fortified libc calls, so checksec reports
//! "no canary" / "no fortify" for every Rust binary and the checks would only be noise.
//!
//! PE images need `DYNAMIC_BASE` (ASLR), `NX_COMPAT` (DEP), `HIGH_ENTROPY_VA` (64-bit images
//! only) and `GUARD_CF` (Control Flow Guard, `-C control-flow-guard`) in their
//! `DllCharacteristics`. Mach-O executables need `MH_PIE` and must not carry
//! `MH_ALLOW_STACK_EXECUTION`; every architecture of a universal binary is checked.

use std::path::Path;

use super::Code;
use object::elf;
use object::macho;
use object::pe;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::read::macho::MachHeader;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader};
use object::{Endianness, FileKind};

use crate::error::{Error, Result};

/// The object format of a binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// ELF (Linux, the BSDs, …).
    Elf,
    /// PE/COFF image (Windows).
    Pe,
    /// Mach-O (macOS, iOS), thin or universal.
    MachO,
}

impl Format {
    /// `ELF`, `PE` or `Mach-O`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Elf => "ELF",
            Format::Pe => "PE",
            Format::MachO => "Mach-O",
        }
    }
}

/// What an ELF file is, as far as position independence goes (checksec's `pie` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfPie {
    /// `ET_EXEC`: loaded at a fixed address (checksec `no`).
    NotPie,
    /// `ET_DYN` executable (checksec `yes`).
    Pie,
    /// `ET_DYN` without interpreter or PIE flag: a shared library (checksec `dso`).
    SharedObject,
}

/// The RELRO level of an ELF file (checksec's `relro` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relro {
    /// No `PT_GNU_RELRO` segment.
    None,
    /// `PT_GNU_RELRO` with lazy binding: the GOT stays writable.
    Partial,
    /// `PT_GNU_RELRO` and immediate binding.
    Full,
}

/// The hardening properties of an ELF file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfHardening {
    /// Position independence.
    pub pie: ElfPie,
    /// RELRO.
    pub relro: Relro,
    /// Whether the stack is non-executable.
    pub nx_stack: bool,
    /// The `DT_RPATH` value, if any.
    pub rpath: Option<String>,
    /// The `DT_RUNPATH` value, if any.
    pub runpath: Option<String>,
}

/// The hardening properties of a PE image (its `DllCharacteristics`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeHardening {
    /// PE32+ (64-bit).
    pub is_64: bool,
    /// `IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE` (ASLR).
    pub dynamic_base: bool,
    /// `IMAGE_DLLCHARACTERISTICS_NX_COMPAT` (DEP).
    pub nx_compat: bool,
    /// `IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA` (64-bit ASLR).
    pub high_entropy_va: bool,
    /// `IMAGE_DLLCHARACTERISTICS_GUARD_CF` (Control Flow Guard).
    pub guard_cf: bool,
}

/// The hardening properties of one Mach-O architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachOHardening {
    /// Whether the file is an executable (`MH_EXECUTE`); PIE applies to executables only.
    pub executable: bool,
    /// `MH_PIE`.
    pub pie: bool,
    /// `MH_ALLOW_STACK_EXECUTION`.
    pub allow_stack_execution: bool,
}

/// The hardening properties of a binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hardening {
    /// An ELF file.
    Elf(ElfHardening),
    /// A PE image.
    Pe(PeHardening),
    /// A Mach-O file: one entry per architecture (one for a thin file).
    MachO(Vec<MachOHardening>),
}

/// One missing hardening property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weakness {
    /// The finding code (`not-pie`, `partial-relro`, …).
    pub code: Code,
    /// What is missing.
    pub message: String,
    /// How to get it.
    pub fix: &'static str,
}

impl Hardening {
    /// The object format.
    pub fn format(&self) -> Format {
        match self {
            Hardening::Elf(_) => Format::Elf,
            Hardening::Pe(_) => Format::Pe,
            Hardening::MachO(_) => Format::MachO,
        }
    }

    /// Every missing property, one entry each.
    pub fn weaknesses(&self) -> Vec<Weakness> {
        let mut out = Vec::new();
        let mut add = |code, message: &str, fix| {
            out.push(Weakness {
                code,
                message: message.to_owned(),
                fix,
            })
        };
        match self {
            Hardening::Elf(h) => {
                if h.pie == ElfPie::NotPie {
                    add(
                        Code::NotPie,
                        "ELF executable is not position-independent (ET_EXEC), so ASLR cannot move it",
                        "build without `-C relocation-model=static` (rustc builds PIE by default on Linux) and without `-no-pie` link arguments",
                    );
                }
                match h.relro {
                    Relro::Full => {}
                    Relro::Partial => add(
                        Code::PartialRelro,
                        "ELF file has only partial RELRO: lazy binding leaves the GOT writable",
                        "link with `-C link-arg=-Wl,-z,now` (rustc's default) and without `-z lazy`",
                    ),
                    Relro::None => add(
                        Code::NoRelro,
                        "ELF file has no RELRO segment (PT_GNU_RELRO)",
                        "link with `-C link-arg=-Wl,-z,relro,-z,now` (rustc's default) and without `-z norelro`",
                    ),
                }
                if !h.nx_stack {
                    add(
                        Code::ExecStack,
                        "ELF file has an executable stack (PT_GNU_STACK with PF_X, or no PT_GNU_STACK)",
                        "link with `-C link-arg=-Wl,-z,noexecstack` and find the object that requests an executable stack (`-z execstack`, assembly without `.note.GNU-stack`)",
                    );
                }
                if let Some(rpath) = &h.rpath {
                    add(
                        Code::Rpath,
                        &format!(
                            "ELF file has a DT_RPATH ({rpath}): libraries may be loaded from there"
                        ),
                        "remove `-rpath` link arguments (`-C link-arg=-Wl,-rpath,…`, `-C rpath`)",
                    );
                }
                if let Some(runpath) = &h.runpath {
                    add(
                        Code::Runpath,
                        &format!(
                            "ELF file has a DT_RUNPATH ({runpath}): libraries may be loaded from there"
                        ),
                        "remove `-rpath` link arguments (`-C link-arg=-Wl,-rpath,…`, `-C rpath`)",
                    );
                }
            }
            Hardening::Pe(h) => {
                if !h.dynamic_base {
                    add(
                        Code::NoDynamicBase,
                        "PE image lacks DYNAMIC_BASE: ASLR cannot relocate it",
                        "link with `/DYNAMICBASE` (the MSVC and lld default; remove `/DYNAMICBASE:NO`)",
                    );
                }
                if !h.nx_compat {
                    add(
                        Code::NoNxCompat,
                        "PE image lacks NX_COMPAT: DEP is not enforced",
                        "link with `/NXCOMPAT` (the default; remove `/NXCOMPAT:NO`)",
                    );
                }
                if h.is_64 && !h.high_entropy_va {
                    add(
                        Code::NoHighEntropyVa,
                        "64-bit PE image lacks HIGH_ENTROPY_VA: ASLR uses a 32-bit address range",
                        "link with `/HIGHENTROPYVA` (the default for 64-bit images; remove `/HIGHENTROPYVA:NO`)",
                    );
                }
                if !h.guard_cf {
                    add(
                        Code::NoGuardCf,
                        "PE image lacks GUARD_CF: Control Flow Guard is off",
                        "build with `-C control-flow-guard` (RUSTFLAGS), or allow `no-guard-cf` in `[binary-hardening]`",
                    );
                }
            }
            Hardening::MachO(arches) => {
                if arches.iter().any(|a| a.executable && !a.pie) {
                    add(
                        Code::NotPie,
                        "Mach-O executable lacks the MH_PIE flag",
                        "link without `-no_pie` (rustc builds PIE by default on Apple targets)",
                    );
                }
                if arches.iter().any(|a| a.allow_stack_execution) {
                    add(
                        Code::ExecStack,
                        "Mach-O file has MH_ALLOW_STACK_EXECUTION: its stack is executable",
                        "link without `-allow_stack_execute`",
                    );
                }
            }
        }
        out
    }
}

/// Reads and inspects the binary at `path`. An unreadable file is [`Error::Read`]; a file that is
/// not an ELF, PE or Mach-O binary, or a damaged one, is [`Error::Malformed`].
pub fn inspect(path: &Path) -> Result<Hardening> {
    let data = std::fs::read(path).map_err(|e| Error::read(path, &e))?;
    inspect_bytes(&data).map_err(|reason| Error::Malformed {
        path: path.to_owned(),
        reason,
    })
}

/// Inspects the bytes of a binary; the error says why it is not an inspectable binary.
pub fn inspect_bytes(data: &[u8]) -> std::result::Result<Hardening, String> {
    let kind = FileKind::parse(data).map_err(|_| unknown_format())?;
    let damaged = |e: object::Error| format!("damaged binary: {e}");
    match kind {
        FileKind::Elf32 => {
            let header = elf::FileHeader32::<Endianness>::parse(data).map_err(damaged)?;
            elf_hardening(header, data).map(Hardening::Elf)
        }
        FileKind::Elf64 => {
            let header = elf::FileHeader64::<Endianness>::parse(data).map_err(damaged)?;
            elf_hardening(header, data).map(Hardening::Elf)
        }
        FileKind::Pe32 => pe_hardening::<pe::ImageNtHeaders32>(data).map(Hardening::Pe),
        FileKind::Pe64 => pe_hardening::<pe::ImageNtHeaders64>(data).map(Hardening::Pe),
        FileKind::MachO32 => Ok(Hardening::MachO(vec![macho_hardening::<
            macho::MachHeader32<Endianness>,
        >(data)?])),
        FileKind::MachO64 => Ok(Hardening::MachO(vec![macho_hardening::<
            macho::MachHeader64<Endianness>,
        >(data)?])),
        FileKind::MachOFat32 => {
            let fat = object::read::macho::MachOFatFile32::parse(data).map_err(damaged)?;
            fat_hardening(fat.arches().iter().map(|a| {
                use object::read::macho::FatArch;
                a.data(data)
            }))
        }
        FileKind::MachOFat64 => {
            let fat = object::read::macho::MachOFatFile64::parse(data).map_err(damaged)?;
            fat_hardening(fat.arches().iter().map(|a| {
                use object::read::macho::FatArch;
                a.data(data)
            }))
        }
        _ => Err(unknown_format()),
    }
}

fn unknown_format() -> String {
    "not an ELF, PE or Mach-O binary (unknown format)".to_owned()
}

fn elf_hardening<Elf: FileHeader<Endian = Endianness>>(
    header: &Elf,
    data: &[u8],
) -> std::result::Result<ElfHardening, String> {
    let damaged = |e: object::Error| format!("damaged ELF file: {e}");
    let endian = header.endian().map_err(damaged)?;
    let pie_kind = header.e_type(endian);
    if pie_kind != elf::ET_EXEC && pie_kind != elf::ET_DYN {
        return Err(format!(
            "ELF file of type {} is not a linked executable or shared library",
            pie_kind.0
        ));
    }
    let segments = header.program_headers(endian, data).map_err(damaged)?;
    let mut has_interp = false;
    let mut has_relro = false;
    let mut nx_stack = false;
    let mut dynamic: &[Elf::Dyn] = &[];
    for segment in segments {
        let p_type = segment.p_type(endian);
        if p_type == elf::PT_INTERP {
            has_interp = true;
        } else if p_type == elf::PT_GNU_RELRO {
            has_relro = true;
        } else if p_type == elf::PT_GNU_STACK {
            nx_stack = segment.p_flags(endian).0 & elf::PF_X.0 == 0;
        } else if let Some(entries) = segment.dynamic(endian, data).map_err(damaged)? {
            dynamic = entries;
        }
    }
    let mut flags = 0u64;
    let mut flags_1 = 0u64;
    let mut bind_now = false;
    let mut rpath_offsets = Vec::new();
    let mut runpath_offsets = Vec::new();
    let mut strtab = None;
    let mut strsz = None;
    for entry in dynamic {
        let tag = entry.d_tag(endian);
        let value: u64 = entry.d_val(endian).into();
        if tag == elf::DT_NULL {
            break;
        } else if tag == elf::DT_FLAGS {
            flags = value;
        } else if tag == elf::DT_FLAGS_1 {
            flags_1 = value;
        } else if tag == elf::DT_BIND_NOW {
            bind_now = true;
        } else if tag == elf::DT_RPATH {
            rpath_offsets.push(value);
        } else if tag == elf::DT_RUNPATH {
            runpath_offsets.push(value);
        } else if tag == elf::DT_STRTAB {
            strtab = Some(value);
        } else if tag == elf::DT_STRSZ {
            strsz = Some(value);
        }
    }
    bind_now |= flags & elf::DF_BIND_NOW.0 != 0 || flags_1 & elf::DF_1_NOW.0 != 0;
    let pie = if pie_kind == elf::ET_EXEC {
        ElfPie::NotPie
    } else if has_interp || flags_1 & elf::DF_1_PIE.0 != 0 {
        ElfPie::Pie
    } else {
        ElfPie::SharedObject
    };
    let relro = match (has_relro, bind_now) {
        (false, _) => Relro::None,
        (true, false) => Relro::Partial,
        (true, true) => Relro::Full,
    };
    // The path strings live in the dynamic string table, addressed by virtual address.
    let strings = match (strtab, strsz) {
        (Some(address), Some(size)) => segments.iter().find_map(|segment| {
            let start: u64 = segment.p_vaddr(endian).into();
            let file_size: u64 = segment.p_filesz(endian).into();
            if segment.p_type(endian) != elf::PT_LOAD
                || address < start
                || address.checked_add(size)? > start.checked_add(file_size)?
            {
                return None;
            }
            let offset: u64 = segment.p_offset(endian).into();
            let begin = usize::try_from(offset.checked_add(address - start)?).ok()?;
            let end = begin.checked_add(usize::try_from(size).ok()?)?;
            data.get(begin..end)
        }),
        _ => None,
    };
    let path_list = |offsets: &[u64]| -> Option<String> {
        if offsets.is_empty() {
            return None;
        }
        let values: Vec<String> = offsets
            .iter()
            .map(|&offset| {
                strings
                    .and_then(|s| s.get(usize::try_from(offset).ok()?..))
                    .map(|rest| {
                        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                        String::from_utf8_lossy(&rest[..end]).into_owned()
                    })
                    .unwrap_or_else(|| "?".to_owned())
            })
            .collect();
        Some(values.join(":"))
    };
    Ok(ElfHardening {
        pie,
        relro,
        nx_stack,
        rpath: path_list(&rpath_offsets),
        runpath: path_list(&runpath_offsets),
    })
}

fn pe_hardening<Pe: ImageNtHeaders>(data: &[u8]) -> std::result::Result<PeHardening, String> {
    let file = object::read::pe::PeFile::<Pe>::parse(data)
        .map_err(|e| format!("damaged PE image: {e}"))?;
    let characteristics = file.nt_headers().optional_header().dll_characteristics();
    let has = |flag: pe::DllFlags| characteristics.0 & flag.0 != 0;
    Ok(PeHardening {
        is_64: file.nt_headers().is_type_64(),
        dynamic_base: has(pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE),
        nx_compat: has(pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT),
        high_entropy_va: has(pe::IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA),
        guard_cf: has(pe::IMAGE_DLLCHARACTERISTICS_GUARD_CF),
    })
}

fn macho_hardening<Mach: MachHeader<Endian = Endianness>>(
    data: &[u8],
) -> std::result::Result<MachOHardening, String> {
    let header = Mach::parse(data, 0).map_err(|e| format!("damaged Mach-O file: {e}"))?;
    let endian = header
        .endian()
        .map_err(|e| format!("damaged Mach-O file: {e}"))?;
    let flags = header.flags(endian).0;
    Ok(MachOHardening {
        executable: header.filetype(endian) == macho::MH_EXECUTE,
        pie: flags & macho::MH_PIE.0 != 0,
        allow_stack_execution: flags & macho::MH_ALLOW_STACK_EXECUTION.0 != 0,
    })
}

fn fat_hardening<'a>(
    arches: impl Iterator<Item = object::Result<&'a [u8]>>,
) -> std::result::Result<Hardening, String> {
    let mut out = Vec::new();
    for arch in arches {
        let data = arch.map_err(|e| format!("damaged universal Mach-O file: {e}"))?;
        let hardening = match FileKind::parse(data) {
            Ok(FileKind::MachO32) => macho_hardening::<macho::MachHeader32<Endianness>>(data)?,
            Ok(FileKind::MachO64) => macho_hardening::<macho::MachHeader64<Endianness>>(data)?,
            _ => return Err("universal Mach-O file with a non-Mach-O member".to_owned()),
        };
        out.push(hardening);
    }
    if out.is_empty() {
        return Err("universal Mach-O file without architectures".to_owned());
    }
    Ok(Hardening::MachO(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal little-endian ELF64 file: the header, the program headers
    /// `(p_type, p_flags)`, a `PT_LOAD` over the whole file, and a `PT_DYNAMIC` with `dynamic`
    /// entries followed by a string table (`DT_STRTAB`/`DT_STRSZ` are added).
    fn elf(
        e_type: u16,
        segments: &[(u32, u32)],
        dynamic: &[(i64, u64)],
        strings: &[u8],
    ) -> Vec<u8> {
        let phnum = segments.len() + 2;
        let dyn_off = 64 + 56 * phnum;
        let entries = dynamic.len() + 3; // + DT_STRTAB, DT_STRSZ, DT_NULL
        let str_off = dyn_off + 16 * entries;
        let total = str_off + strings.len();
        let mut out = vec![0x7f, b'E', b'L', b'F', 2, 1, 1];
        out.resize(16, 0);
        let u16s = |v: u16| v.to_le_bytes().to_vec();
        let u32s = |v: u32| v.to_le_bytes().to_vec();
        let u64s = |v: u64| v.to_le_bytes().to_vec();
        out.extend(u16s(e_type));
        out.extend(u16s(62));
        out.extend(u32s(1));
        out.extend(u64s(0));
        out.extend(u64s(64));
        out.extend(u64s(0));
        out.extend(u32s(0));
        for v in [64u16, 56, phnum as u16, 64, 0, 0] {
            out.extend(u16s(v));
        }
        let mut phdr = |p_type: u32, p_flags: u32, offset: usize, size: usize| {
            out.extend(u32s(p_type));
            out.extend(u32s(p_flags));
            for v in [offset, offset, offset, size, size, 8] {
                out.extend(u64s(v as u64));
            }
        };
        phdr(elf::PT_LOAD.0, elf::PF_R.0, 0, total);
        phdr(elf::PT_DYNAMIC.0, elf::PF_R.0, dyn_off, 16 * entries);
        for &(p_type, p_flags) in segments {
            phdr(p_type, p_flags, 0, 0);
        }
        assert_eq!(out.len(), dyn_off);
        let strtab = [
            (elf::DT_STRTAB.0, str_off as u64),
            (elf::DT_STRSZ.0, strings.len() as u64),
        ];
        for &(tag, value) in dynamic.iter().chain(&strtab).chain(&[(0, 0)]) {
            out.extend(tag.to_le_bytes());
            out.extend(value.to_le_bytes());
        }
        out.extend(strings);
        out
    }

    const RELRO: (u32, u32) = (elf::PT_GNU_RELRO.0, elf::PF_R.0);
    const INTERP: (u32, u32) = (elf::PT_INTERP.0, elf::PF_R.0);
    const STACK_RW: (u32, u32) = (elf::PT_GNU_STACK.0, elf::PF_R.0 | elf::PF_W.0);
    const STACK_RWX: (u32, u32) = (elf::PT_GNU_STACK.0, elf::PF_R.0 | elf::PF_W.0 | elf::PF_X.0);

    fn elf_hardening(data: &[u8]) -> ElfHardening {
        match inspect_bytes(data).unwrap() {
            Hardening::Elf(h) => h,
            other => panic!("{other:?}"),
        }
    }

    fn codes(h: &Hardening) -> Vec<&'static str> {
        use crate::policy::rule::RuleCode as _;
        h.weaknesses().iter().map(|w| w.code.as_str()).collect()
    }

    #[test]
    fn hardened_elf() {
        let flags_1 = (elf::DT_FLAGS_1.0, elf::DF_1_NOW.0 | elf::DF_1_PIE.0);
        let flags = (elf::DT_FLAGS.0, elf::DF_BIND_NOW.0);
        let data = elf(
            elf::ET_DYN.0,
            &[INTERP, RELRO, STACK_RW],
            &[flags, flags_1],
            b"\0",
        );
        let h = elf_hardening(&data);
        assert_eq!(
            (h.pie, h.relro, h.nx_stack),
            (ElfPie::Pie, Relro::Full, true)
        );
        assert_eq!((h.rpath.as_deref(), h.runpath.as_deref()), (None, None));
        assert!(Hardening::Elf(h).weaknesses().is_empty());
    }

    #[test]
    fn pie_kinds() {
        // ET_EXEC: not PIE; ET_DYN with DF_1_PIE (static-pie, no interpreter): PIE;
        // ET_DYN without either: a shared library, which passes.
        let exec = elf_hardening(&elf(elf::ET_EXEC.0, &[INTERP], &[], b"\0"));
        assert_eq!(exec.pie, ElfPie::NotPie);
        let pie_flag = (elf::DT_FLAGS_1.0, elf::DF_1_PIE.0);
        assert_eq!(
            elf_hardening(&elf(elf::ET_DYN.0, &[], &[pie_flag], b"\0")).pie,
            ElfPie::Pie
        );
        let dso = elf_hardening(&elf(
            elf::ET_DYN.0,
            &[RELRO, STACK_RW],
            &[(elf::DT_BIND_NOW.0, 0)],
            b"\0",
        ));
        assert_eq!((dso.pie, dso.relro), (ElfPie::SharedObject, Relro::Full));
        assert!(Hardening::Elf(dso).weaknesses().is_empty());
        let rel = elf(elf::ET_REL.0, &[], &[], b"\0");
        assert!(
            inspect_bytes(&rel)
                .unwrap_err()
                .contains("not a linked executable")
        );
    }

    #[test]
    fn weak_elf() {
        // Partial RELRO, executable stack, RPATH and RUNPATH.
        let strings = b"\0/opt/lib\0$ORIGIN/../lib\0";
        let dynamic = [(elf::DT_RPATH.0, 1), (elf::DT_RUNPATH.0, 10)];
        let h = elf_hardening(&elf(
            elf::ET_EXEC.0,
            &[INTERP, RELRO, STACK_RWX],
            &dynamic,
            strings,
        ));
        assert_eq!(h.relro, Relro::Partial);
        assert!(!h.nx_stack);
        assert_eq!(h.rpath.as_deref(), Some("/opt/lib"));
        assert_eq!(h.runpath.as_deref(), Some("$ORIGIN/../lib"));
        let h = Hardening::Elf(h);
        assert_eq!(
            codes(&h),
            ["not-pie", "partial-relro", "exec-stack", "rpath", "runpath"]
        );
        // No RELRO segment and no PT_GNU_STACK at all (the stack is executable).
        let h = elf_hardening(&elf(elf::ET_DYN.0, &[INTERP], &[], b"\0"));
        assert_eq!((h.relro, h.nx_stack), (Relro::None, false));
        assert_eq!(codes(&Hardening::Elf(h)), ["no-relro", "exec-stack"]);
    }

    /// A minimal PE image with no sections.
    fn pe(pe32_plus: bool, characteristics: u16) -> Vec<u8> {
        let mut out = vec![0u8; 64];
        out[0] = b'M';
        out[1] = b'Z';
        out[0x3c] = 64;
        out.extend(b"PE\0\0");
        let optional_size: u16 = if pe32_plus { 240 } else { 224 };
        let machine: u16 = if pe32_plus { 0x8664 } else { 0x14c };
        out.extend(machine.to_le_bytes());
        out.extend(0u16.to_le_bytes()); // sections
        out.extend([0u8; 12]);
        out.extend(optional_size.to_le_bytes());
        out.extend(0x22u16.to_le_bytes());
        let start = out.len();
        out.resize(start + usize::from(optional_size), 0);
        let magic: u16 = if pe32_plus { 0x20b } else { 0x10b };
        out[start..start + 2].copy_from_slice(&magic.to_le_bytes());
        out[start + 70..start + 72].copy_from_slice(&characteristics.to_le_bytes());
        let count_at = start + if pe32_plus { 108 } else { 92 };
        out[count_at..count_at + 4].copy_from_slice(&16u32.to_le_bytes());
        out
    }

    #[test]
    fn pe_characteristics() {
        let all = pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE.0
            | pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT.0
            | pe::IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA.0
            | pe::IMAGE_DLLCHARACTERISTICS_GUARD_CF.0;
        let h = inspect_bytes(&pe(true, all)).unwrap();
        assert_eq!(h.format(), Format::Pe);
        assert!(h.weaknesses().is_empty(), "{h:?}");
        let h = inspect_bytes(&pe(true, 0)).unwrap();
        assert_eq!(
            codes(&h),
            [
                "no-dynamic-base",
                "no-nx-compat",
                "no-high-entropy-va",
                "no-guard-cf"
            ]
        );
        // HIGH_ENTROPY_VA applies to 64-bit images only.
        let h = inspect_bytes(&pe(false, 0)).unwrap();
        assert_eq!(
            codes(&h),
            ["no-dynamic-base", "no-nx-compat", "no-guard-cf"]
        );
    }

    fn macho(filetype: u32, flags: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [0xfeed_facf_u32, 0x0100_0007, 3, filetype, 0, 0, flags, 0] {
            out.extend(v.to_le_bytes());
        }
        out
    }

    #[test]
    fn macho_flags() {
        let h = inspect_bytes(&macho(macho::MH_EXECUTE.0, macho::MH_PIE.0)).unwrap();
        assert!(h.weaknesses().is_empty(), "{h:?}");
        let h = inspect_bytes(&macho(
            macho::MH_EXECUTE.0,
            macho::MH_ALLOW_STACK_EXECUTION.0,
        ))
        .unwrap();
        assert_eq!(codes(&h), ["not-pie", "exec-stack"]);
        // PIE applies to executables only.
        let h = inspect_bytes(&macho(macho::MH_DYLIB.0, 0)).unwrap();
        assert!(h.weaknesses().is_empty());
    }

    #[test]
    fn unknown_and_damaged_inputs() {
        assert!(
            inspect_bytes(b"#!/bin/sh\necho hi\n")
                .unwrap_err()
                .contains("unknown format")
        );
        assert!(inspect_bytes(b"").unwrap_err().contains("unknown format"));
        let mut truncated = elf(elf::ET_DYN.0, &[INTERP], &[], b"\0");
        truncated.truncate(80);
        assert!(inspect_bytes(&truncated).is_err());
        let missing = inspect(Path::new("/nonexistent/binary")).unwrap_err();
        assert!(matches!(missing, Error::Read { .. }), "{missing}");
        assert!(missing.to_string().contains("/nonexistent/binary"));
    }

    #[test]
    fn this_test_executable() {
        // The running test binary, built by rustc with its defaults.
        let exe = std::env::current_exe().unwrap();
        let h = inspect(&exe).unwrap();
        if cfg!(all(
            target_os = "linux",
            target_arch = "x86_64",
            target_env = "gnu"
        )) {
            let Hardening::Elf(h) = h else {
                panic!("not ELF")
            };
            assert_eq!(
                (h.pie, h.relro, h.nx_stack),
                (ElfPie::Pie, Relro::Full, true)
            );
        }
    }
}
