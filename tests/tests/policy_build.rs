//! The `build-settings`, `binary-hardening` and `code` rules of `cargo attest check`, through the
//! library on the `policy-build/ws` fixture (two path-only members, `[profile.*]` tables,
//! `.cargo/config.toml` rustflags, `unsafe` code and look-alikes), and on binaries built in the
//! test from `policy-build/hello` (a bin and a cdylib) with and without hardening flags.
//!
//! With `CARGO_ATTEST_CHECKSEC=1` (set by `.ci/run`, which installs Debian's `checksec`) the
//! per-property ELF verdicts are compared with `checksec --file=BIN --output=json`.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cargo_attest::attest_toml;
use cargo_attest::policy::rules::binary_hardening::inspect::{
    self as binary, ElfPie, Hardening, Relro,
};
use cargo_attest::policy::rules::{binary_hardening, build_settings, code};
use cargo_attest::policy::{Finding, Location, PolicyContext, PolicyOptions, RuleDef, Severity};
use cargo_sbom::{CargoNetwork, PackageSelection, ResolveOptions, Workspace};
use integration_tests::{attest_command, cargo, copy_dir, fetch_crates, fixtures_dir, scratch_dir};
use serde_json::Value;

/// A copy of the `ws` fixture, loaded.
struct Ws {
    root: PathBuf,
    workspace: Workspace,
    graph: cargo_sbom::ResolvedGraph,
}

impl Ws {
    /// Copies the fixture to `scratch/<name>` and loads it offline.
    fn new(name: &str) -> Self {
        let root = scratch_dir().join(name);
        copy_dir(&fixtures_dir().join("policy-build/ws"), &root);
        fetch_crates(&root);
        let network = CargoNetwork {
            locked: false,
            offline: true,
            frozen: false,
        };
        let workspace = Workspace::load(Some(&root.join("Cargo.toml")), network, &[]).unwrap();
        let selection = PackageSelection::Workspace { exclude: vec![] };
        let members = workspace.select(&selection).unwrap();
        let graph = workspace
            .resolve(&members, &ResolveOptions::default())
            .unwrap();
        Self {
            root,
            workspace,
            graph,
        }
    }

    /// Runs `rule` with the configuration `toml` (the text of `attest.toml`).
    fn run(
        &self,
        rule: &'static RuleDef,
        toml: &str,
        strict: bool,
        binaries: &[PathBuf],
    ) -> cargo_attest::Result<Vec<Finding>> {
        // A bad configuration is the same error here as from the rule: exit 2, naming the key.
        let config = attest_toml::parse(Path::new("attest.toml"), toml)?;
        let options = PolicyOptions {
            strict,
            offline: true,
            binaries: binaries.to_vec(),
            ..PolicyOptions::default()
        };
        rule.run(&PolicyContext::new(
            &self.workspace,
            &self.graph,
            &config,
            &options,
        ))
    }
}

/// The shared loaded fixture (tests that modify files make their own copy).
fn ws() -> &'static Ws {
    static WS: OnceLock<Ws> = OnceLock::new();
    WS.get_or_init(|| Ws::new("ws"))
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

fn file_line(finding: &Finding) -> (String, Option<usize>) {
    match &finding.location {
        Location::File(at) => (at.path.clone(), at.line),
        other => panic!("not a file location: {other:?}"),
    }
}

/// The 1-based line of the first line of `file` that starts with `prefix`.
fn line_of(file: &Path, prefix: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap()
        + 1
}

// ---------------------------------------------------------------------------------------------
// build-settings

#[test]
fn release_profile_with_debug_assertions_warns_at_its_line_and_denies_under_strict() {
    let ws = ws();
    let findings = ws.run(&build_settings::RULE, "", false, &[]).unwrap();
    assert_eq!(codes(&findings), ["debug-assertions"]);
    let finding = &findings[0];
    assert_eq!(finding.severity, Severity::Warn);
    let expected = line_of(&ws.root.join("Cargo.toml"), "debug-assertions = true");
    assert_eq!(
        file_line(finding),
        ("Cargo.toml".to_owned(), Some(expected))
    );
    assert!(
        finding.message.contains("release") && finding.fix.contains("[profile.release]"),
        "{finding:?}"
    );

    let strict = ws.run(&build_settings::RULE, "", true, &[]).unwrap();
    assert_eq!(strict[0].severity, Severity::Deny);
    let configured = ws
        .run(
            &build_settings::RULE,
            "[build-settings]\nseverity = \"deny\"",
            false,
            &[],
        )
        .unwrap();
    assert_eq!(configured[0].severity, Severity::Deny);
}

#[test]
fn a_custom_profile_that_meets_the_policy_passes() {
    let config = "[build-settings]\nprofiles = [\"dist\"]\npanic = \"abort\"\nlto = \"fat\"\n\
                  codegen-units = 1\noverflow-checks = false\nstrip = \"debuginfo\"\n";
    let findings = ws().run(&build_settings::RULE, config, true, &[]).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn every_configured_profile_key_is_checked() {
    let ws = ws();
    let config = "[build-settings]\nprofiles = [\"release\", \"dist\"]\noverflow-checks = true\n\
                  panic = \"unwind\"\nlto = \"fat\"\ncodegen-units = 1\nstrip = \"symbols\"\n";
    let findings = ws.run(&build_settings::RULE, config, false, &[]).unwrap();
    let manifest = ws.root.join("Cargo.toml");
    let got: Vec<(&str, Option<usize>)> = findings
        .iter()
        .map(|f| (f.code.as_str(), file_line(f).1))
        .collect();
    let release = line_of(&manifest, "[profile.release]");
    let dist = line_of(&manifest, "[profile.dist]");
    let expected = [
        (
            "overflow-checks",
            Some(line_of(&manifest, "overflow-checks = false")),
        ),
        (
            "debug-assertions",
            Some(line_of(&manifest, "debug-assertions = true")),
        ),
        (
            "panic-strategy",
            Some(line_of(&manifest, "panic = \"abort\"")),
        ),
        ("lto", Some(line_of(&manifest, "lto = \"thin\""))),
        ("codegen-units", Some(release)),
        ("strip", Some(release)),
        // dist inherits overflow-checks, panic and strip from release; its own keys pass.
        ("overflow-checks", Some(dist)),
        ("panic-strategy", Some(dist)),
        ("strip", Some(dist)),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut expected_sorted = expected.to_vec();
    expected_sorted.sort();
    assert_eq!(got_sorted, expected_sorted, "{findings:#?}");
}

#[test]
fn an_undefined_profile_is_a_configuration_error() {
    let err = ws()
        .run(
            &build_settings::RULE,
            "[build-settings]\nprofiles = [\"nope\"]",
            false,
            &[],
        )
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn rustflags_of_the_cargo_config_are_checked() {
    if std::env::var_os("RUSTFLAGS").is_some()
        || std::env::var_os("CARGO_ENCODED_RUSTFLAGS").is_some()
    {
        eprintln!("skipped: RUSTFLAGS in the environment replace .cargo/config.toml rustflags");
        return;
    }
    let ws = ws();
    let config = "[build-settings]\nprofiles = [\"dist\"]\n\
                  deny-rustflags = [\"-C debug-assertions\", \"-C overflow-checks=off\"]\n\
                  require-rustflags = [\"-C force-frame-pointers=yes\", \"-C relocation-model=pie\"]\n";
    let findings = ws.run(&build_settings::RULE, config, false, &[]).unwrap();
    assert_eq!(
        codes(&findings),
        ["denied-rustflag", "missing-rustflag"],
        "{findings:#?}"
    );
    let at = (
        ".cargo/config.toml".to_owned(),
        Some(line_of(&ws.root.join(".cargo/config.toml"), "rustflags")),
    );
    assert_eq!(file_line(&findings[0]), at);
    assert!(
        findings[0].message.contains("-C debug-assertions=on"),
        "{findings:#?}"
    );
    assert!(
        findings[1].message.contains("-C relocation-model=pie"),
        "{findings:#?}"
    );
}

#[test]
fn the_toolchain_must_be_pinned_when_required() {
    let ws = Ws::new("toolchain");
    let config = "[build-settings]\nprofiles = [\"dist\"]\nrequire-toolchain-pinned = true\n";
    let run = || ws.run(&build_settings::RULE, config, false, &[]).unwrap();

    let missing = run();
    assert_eq!(codes(&missing), ["toolchain-not-pinned"]);
    assert_eq!(file_line(&missing[0]).0, "rust-toolchain.toml");

    let file = ws.root.join("rust-toolchain.toml");
    std::fs::write(
        &file,
        "[toolchain]\nchannel = \"stable\"\ncomponents = [\"clippy\"]\n",
    )
    .unwrap();
    let floating = run();
    assert_eq!(codes(&floating), ["toolchain-not-pinned"]);
    assert_eq!(
        file_line(&floating[0]),
        ("rust-toolchain.toml".to_owned(), Some(2))
    );
    assert!(floating[0].message.contains("stable"));

    std::fs::write(&file, "[toolchain]\nchannel = \"1.95.0\"\n").unwrap();
    assert!(run().is_empty());

    std::fs::remove_file(&file).unwrap();
    std::fs::write(ws.root.join("rust-toolchain"), "nightly-2026-01-15\n").unwrap();
    assert!(run().is_empty());
    // Not required: no finding whatever the file says.
    std::fs::write(ws.root.join("rust-toolchain"), "nightly\n").unwrap();
    let not_required = ws
        .run(
            &build_settings::RULE,
            "[build-settings]\nprofiles = [\"dist\"]",
            false,
            &[],
        )
        .unwrap();
    assert!(not_required.is_empty());
}

// ---------------------------------------------------------------------------------------------
// code

#[test]
fn unsafe_code_is_reported_once_by_default_with_counts_per_crate() {
    let findings = ws().run(&code::RULE, "", true, &[]).unwrap();
    assert_eq!(codes(&findings), ["unsafe-code"]);
    let finding = &findings[0];
    // Report only: a warning even under --strict.
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.location, Location::Workspace);
    // lib.rs: fn, block, impl; ffi/mod.rs: extern block; build.rs: block. Not tests/, not the
    // look-alikes of `safe`.
    assert!(
        finding
            .message
            .contains("risky: 5 (2 blocks, 1 fn, 1 impl, 1 extern block)"),
        "{}",
        finding.message
    );
    assert!(!finding.message.contains("safe:"), "{}", finding.message);
}

#[test]
fn max_unsafe_bounds_the_total() {
    let ws = ws();
    let within = ws
        .run(&code::RULE, "[code]\nmax-unsafe = 5", false, &[])
        .unwrap();
    assert!(within.is_empty(), "{within:#?}");
    let over = ws
        .run(&code::RULE, "[code]\nmax-unsafe = 4", false, &[])
        .unwrap();
    assert_eq!(codes(&over), ["unsafe-over-limit"]);
    assert_eq!(over[0].severity, Severity::Warn);
    assert!(over[0].message.contains("risky: 5"), "{}", over[0].message);
    let strict = ws
        .run(&code::RULE, "[code]\nmax-unsafe = 0", true, &[])
        .unwrap();
    assert_eq!(strict[0].severity, Severity::Deny);
}

#[test]
fn members_must_forbid_unsafe_code_when_required() {
    let findings = ws()
        .run(
            &code::RULE,
            "[code]\nrequire-forbid-unsafe = true\nmax-unsafe = 10\nseverity = \"deny\"",
            false,
            &[],
        )
        .unwrap();
    // `safe` inherits the workspace's `unsafe_code = "forbid"`; `risky` has no lints.
    assert_eq!(codes(&findings), ["unsafe-not-forbidden"]);
    assert_eq!(findings[0].severity, Severity::Deny);
    assert_eq!(file_line(&findings[0]).0, "risky/Cargo.toml");
    assert!(findings[0].message.contains("`risky`"));
}

// ---------------------------------------------------------------------------------------------
// binary-hardening

/// The ways the test binaries are built.
const VARIANTS: &[(&str, &str)] = &[
    ("hardened", ""),
    (
        "weak",
        "-C relocation-model=static -C link-arg=-Wl,-z,norelro -C link-arg=-Wl,-z,execstack \
         -C link-arg=-Wl,-rpath,/tmp",
    ),
    (
        "weak-rpath",
        "-C relocation-model=static -C link-arg=-Wl,-z,norelro -C link-arg=-Wl,-z,execstack \
         -C link-arg=-Wl,-rpath,/tmp -C link-arg=-Wl,--disable-new-dtags",
    ),
    ("lazy", "-C link-arg=-Wl,-z,lazy"),
];

/// Whether the test binaries can be built here: the linker flags are GNU ld's on Linux.
fn linux_gnu() -> bool {
    cfg!(all(target_os = "linux", target_env = "gnu"))
}

/// `variant → [bin, cdylib]`, built once per test process (dev profile: the properties are the
/// same as in release), each variant in its own target directory.
fn binaries() -> &'static BTreeMap<&'static str, [PathBuf; 2]> {
    static BINARIES: OnceLock<BTreeMap<&'static str, [PathBuf; 2]>> = OnceLock::new();
    BINARIES.get_or_init(|| {
        let base = scratch_dir().join("hello");
        let source = base.join("src");
        copy_dir(&fixtures_dir().join("policy-build/hello"), &source);
        VARIANTS
            .iter()
            .map(|&(name, flags)| {
                let target = base.join(format!("target-{name}"));
                let output = cargo()
                    .current_dir(&source)
                    .args(["build", "--offline", "--quiet"])
                    .env("CARGO_TARGET_DIR", &target)
                    .env("RUSTFLAGS", flags)
                    .env_remove("CARGO_ENCODED_RUSTFLAGS")
                    .env_remove("CARGO_BUILD_RUSTFLAGS")
                    .env_remove("CARGO_BUILD_TARGET")
                    .output()
                    .unwrap();
                assert!(
                    output.status.success(),
                    "cargo build ({name}): {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let dir = target.join("debug");
                (name, [dir.join("hello"), dir.join("libhello.so")])
            })
            .collect()
    })
}

fn hardening_codes(path: &Path) -> Vec<String> {
    let findings = ws()
        .run(&binary_hardening::RULE, "", false, &[path.to_owned()])
        .unwrap();
    findings.into_iter().map(|f| f.code.to_string()).collect()
}

#[test]
fn hardened_binaries_pass_and_weak_ones_fail_per_property() {
    if !linux_gnu() {
        eprintln!("skipped: the test binaries need GNU ld on Linux");
        return;
    }
    let bins = binaries();
    let expect: [(&str, [&[&str]; 2]); 4] = [
        ("hardened", [&[], &[]]),
        (
            "weak",
            [
                &["not-pie", "no-relro", "exec-stack", "runpath"],
                // A shared library is position-independent by construction.
                &["no-relro", "exec-stack", "runpath"],
            ],
        ),
        (
            "weak-rpath",
            [
                &["not-pie", "no-relro", "exec-stack", "rpath"],
                &["no-relro", "exec-stack", "rpath"],
            ],
        ),
        ("lazy", [&["partial-relro"], &["partial-relro"]]),
    ];
    for (variant, [bin, lib]) in expect {
        let paths = &bins[variant];
        let mut got = hardening_codes(&paths[0]);
        got.sort();
        let mut want: Vec<String> = bin.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{variant} bin");
        let mut got = hardening_codes(&paths[1]);
        got.sort();
        let mut want: Vec<String> = lib.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{variant} cdylib");
    }
}

#[test]
fn findings_name_the_binary_and_follow_severity_and_allow() {
    if !linux_gnu() {
        eprintln!("skipped: the test binaries need GNU ld on Linux");
        return;
    }
    let ws = ws();
    let weak = &binaries()["weak"];
    let findings = ws
        .run(&binary_hardening::RULE, "", true, &weak[..1])
        .unwrap();
    assert_eq!(findings.len(), 4);
    for finding in &findings {
        assert_eq!(finding.severity, Severity::Deny);
        // Outside the workspace: the path as given.
        assert_eq!(file_line(finding), (weak[0].display().to_string(), None));
        assert!(!finding.fix.is_empty());
    }
    let allowed = ws
        .run(
            &binary_hardening::RULE,
            "[binary-hardening]\nallow = [\"runpath\", \"exec-stack\"]\nseverity = \"warn\"",
            true,
            &weak[..1],
        )
        .unwrap();
    assert_eq!(codes(&allowed), ["not-pie", "no-relro"]);
    assert!(allowed.iter().all(|f| f.severity == Severity::Warn));
    let err = ws
        .run(
            &binary_hardening::RULE,
            "[binary-hardening]\nallow = [\"no-such-code\"]",
            false,
            &weak[..1],
        )
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("no-such-code"), "{err}");
}

#[test]
fn unreadable_or_unknown_binaries_are_input_errors_naming_the_file() {
    let ws = ws();
    let text = ws.root.join("Cargo.toml");
    let err = ws
        .run(
            &binary_hardening::RULE,
            "",
            false,
            std::slice::from_ref(&text),
        )
        .unwrap_err();
    assert!(
        matches!(err, cargo_attest::Error::Malformed { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&text.display().to_string()),
        "{err}"
    );
    assert!(err.to_string().contains("unknown format"), "{err}");
    let missing = ws.root.join("no-such-binary");
    let err = ws
        .run(
            &binary_hardening::RULE,
            "",
            false,
            std::slice::from_ref(&missing),
        )
        .unwrap_err();
    assert!(matches!(err, cargo_attest::Error::Read { .. }), "{err}");
    assert!(err.to_string().contains("no-such-binary"), "{err}");
    // No binaries: nothing to check.
    assert!(
        ws.run(&binary_hardening::RULE, "", true, &[])
            .unwrap()
            .is_empty()
    );
}

/// Our ELF verdicts in checksec's vocabulary: `(relro, nx, pie, rpath, runpath)`.
fn our_verdicts(path: &Path) -> [String; 5] {
    let Hardening::Elf(h) = binary::inspect(path).unwrap() else {
        panic!("{} is not ELF", path.display());
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    [
        match h.relro {
            Relro::Full => "full",
            Relro::Partial => "partial",
            Relro::None => "no",
        }
        .to_owned(),
        yes_no(h.nx_stack),
        match h.pie {
            ElfPie::Pie => "yes",
            ElfPie::NotPie => "no",
            ElfPie::SharedObject => "dso",
        }
        .to_owned(),
        yes_no(h.rpath.is_some()),
        yes_no(h.runpath.is_some()),
    ]
}

#[test]
fn elf_verdicts_agree_with_checksec() {
    if std::env::var_os("CARGO_ATTEST_CHECKSEC").is_none_or(|v| v != "1") {
        eprintln!("skipped: set CARGO_ATTEST_CHECKSEC=1 (with Debian's checksec installed)");
        return;
    }
    assert!(
        linux_gnu(),
        "the checksec comparison needs Linux with GNU ld"
    );
    let mut table = String::from("relro/nx/pie/rpath/runpath\n");
    // The test binaries, plus a few system binaries when present.
    let system: Vec<PathBuf> = [
        "/bin/ls",
        "/usr/bin/git",
        "/lib64/ld-linux-x86-64.so.2",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
    ]
    .iter()
    .map(PathBuf::from)
    .filter(|p| p.is_file())
    .collect();
    let all = binaries()
        .iter()
        .map(|(variant, paths)| (*variant, paths.to_vec()))
        .chain([("system", system)]);
    for (variant, paths) in all {
        for path in &paths {
            let output = Command::new("checksec")
                .arg(format!("--file={}", path.display()))
                .arg("--output=json")
                .output()
                .expect("run checksec (apt-get install checksec)");
            assert!(output.status.success(), "checksec {}", path.display());
            let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "checksec JSON ({e}): {}",
                    String::from_utf8_lossy(&output.stdout)
                )
            });
            let entry = &json[path.display().to_string()];
            // checksec resolves no symbolic links, so the key is the path as given.
            let theirs: Vec<String> = ["relro", "nx", "pie", "rpath", "runpath"]
                .iter()
                .map(|key| entry[key].as_str().unwrap_or("?").to_owned())
                .collect();
            let ours = our_verdicts(path);
            let name = path.file_name().unwrap().to_string_lossy();
            table.push_str(&format!(
                "{variant:<11} {name:<20} ours {:<26} checksec {}\n",
                ours.join("/"),
                theirs.join("/")
            ));
            // PIE: checksec calls an ET_DYN file `yes` only with a DT_DEBUG entry, else `dso`;
            // we call it a PIE executable with PT_INTERP or DF_1_PIE (a libc.so.6 that can run
            // has an interpreter but no DT_DEBUG). Both pass, so the verdicts compared are
            // position-independent (`yes`, `dso`) or not (`no`); the rest must be equal.
            let pic = |v: &str| v == "yes" || v == "dso";
            let same = ours[0] == theirs[0]
                && ours[1] == theirs[1]
                && pic(&ours[2]) == pic(&theirs[2])
                && ours[3..] == theirs[3..];
            assert!(
                same,
                "{variant} {name}: ours {ours:?} vs checksec {theirs:?}"
            );
        }
    }
    eprintln!("{table}");
}

#[test]
fn cli_check_with_binary() {
    if !linux_gnu() {
        eprintln!("skipped: the test binaries need GNU ld on Linux");
        return;
    }
    let ws = ws();
    let bins = binaries();
    let run = |args: &[&str], binaries: &[&Path]| {
        let mut command = attest_command(&ws.root);
        command.args(["attest", "check", "--offline", "--format", "json"]);
        command.args(args);
        for binary in binaries {
            command.arg("--binary").arg(binary);
        }
        command.arg("binary-hardening").output().unwrap()
    };
    let hardened = run(&["--strict"], &[&bins["hardened"][0], &bins["hardened"][1]]);
    assert_eq!(
        hardened.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&hardened.stderr)
    );
    let weak = run(&["--strict"], &[&bins["hardened"][0], &bins["weak"][0]]);
    assert_eq!(
        weak.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );
    let report: Value = serde_json::from_slice(&weak.stdout).unwrap();
    let text = report.to_string();
    for code in ["not-pie", "no-relro", "exec-stack", "runpath"] {
        assert!(text.contains(&format!("\"{code}\"")), "{code} in {text}");
    }
    // Without --strict the findings warn: exit 0.
    let warn = run(&[], &[&bins["weak"][0]]);
    assert_eq!(warn.status.code(), Some(0));
    // A file that is no binary: exit 2 naming it.
    let bad = run(&[], &[&ws.root.join("Cargo.toml")]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("Cargo.toml"), "{stderr}");
}
