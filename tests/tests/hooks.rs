//! The build hooks: `fixtures/hooks-app` (a binary with a feature-gated optional dependency and
//! `cfg(unix)`/`cfg(windows)` dependencies) calls `build_hooks::Sbom::from_env().embed()` from its
//! `build.rs`. Its SBOM, written into `OUT_DIR` and read back from the binary with
//! `cargo sbom --from-binary`, lists what `cargo tree -e normal,build` lists for the same flags;
//! cargo-audit reads the `.dep-v0` section (`CARGO_AUDIT_BIN`), and the third-party checks pass
//! (`CARGO_SBOM_VERIFY_DIR`).
//!
//! Every build uses one build directory ([`hooks_target_dir`]): the fixture's build-dependency
//! on `build-hooks` compiles the suite's whole dependency tree, once.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

use integration_tests::{
    Cdx, Pkg, SOURCE_DATE_EPOCH, cargo, cargo_sbom_bin, cargo_tree_at, fixtures_dir, hooks_fixture,
    hooks_target_dir, property, rustc_host, scratch_dir, show, verify_dir,
};
use serde_json::Value;

/// The copy of the fixture of this test process.
fn app() -> &'static Path {
    static APP: OnceLock<PathBuf> = OnceLock::new();
    APP.get_or_init(|| hooks_fixture(scratch_dir()))
}

/// One build of the fixture: the binary (copied out of the shared build directory, where the
/// next build with other flags replaces it) and the build script's `OUT_DIR`.
#[derive(Debug)]
struct Built {
    exe: PathBuf,
    out_dir: PathBuf,
}

/// Builds the fixture with `flags` (serialised: the builds share the build directory and the
/// uplifted binary's path).
fn build(flags: &[&str]) -> Built {
    build_in(app(), flags)
}

/// Builds the fixture copy at `dir` with `flags`.
fn build_in(dir: &Path, flags: &[&str]) -> Built {
    build_with(dir, flags, &[])
}

/// Runs `cargo build` for the fixture copy at `dir` with `flags` and the extra environment
/// `env`, in the shared build directory unless `env` sets `CARGO_TARGET_DIR` (serialised).
fn cargo_build(dir: &Path, flags: &[&str], env: &[(&str, &OsStr)]) -> Output {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let started = std::time::Instant::now();
    let output = cargo()
        .current_dir(dir)
        .args(["build", "--offline", "--locked", "--message-format", "json"])
        .args(flags)
        .env("CARGO_TARGET_DIR", hooks_target_dir())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run cargo build");
    eprintln!("cargo build {flags:?}: {:?}", started.elapsed());
    output
}

/// Builds the fixture copy at `dir` with `flags` and the extra environment `env`.
fn build_with(dir: &Path, flags: &[&str], env: &[(&str, &OsStr)]) -> Built {
    let output = cargo_build(dir, flags, env);
    assert!(
        output.status.success(),
        "cargo build {flags:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let messages: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let is_app = |m: &&Value| {
        m["package_id"]
            .as_str()
            .is_some_and(|id| id.contains("hooks-app"))
    };
    let exe = messages
        .iter()
        .filter(is_app)
        .filter(|m| m["reason"] == "compiler-artifact")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported the hooks-app executable");
    let out_dir = messages
        .iter()
        .filter(is_app)
        .filter(|m| m["reason"] == "build-script-executed")
        .find_map(|m| m["out_dir"].as_str().map(PathBuf::from))
        .expect("cargo reported the build script's OUT_DIR");
    let name = format!(
        "bin-hooks-app{}",
        flags.join("").replace(['-', ' ', '/'], "_")
    );
    let copy = dir.with_file_name(name);
    std::fs::copy(&exe, &copy).expect("copy the binary");
    Built { exe: copy, out_dir }
}

/// `NAME@VERSION` of each package, for comparing with readers that do not report the source.
fn name_versions(packages: impl IntoIterator<Item = Pkg>) -> std::collections::BTreeSet<String> {
    packages
        .into_iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

fn from_binary(exe: &Path) -> Output {
    Command::new(cargo_sbom_bin())
        .arg("--from-binary")
        .arg(exe)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo-sbom --from-binary")
}

fn embedded(exe: &Path) -> Cdx {
    let output = from_binary(exe);
    assert!(
        output.status.success(),
        "cargo-sbom --from-binary {}: {}",
        exe.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Cdx(serde_json::from_slice(&output.stdout).expect("the embedded SBOM is JSON"))
}

/// The embedded SBOM lists exactly what `cargo tree -e normal,build` lists, for each feature
/// selection; the optional dependency follows the feature, and the build hook is build-time.
#[test]
fn embedded_sbom_matches_cargo_tree() {
    let host = rustc_host();
    for flags in [&[][..], &["--features", "fast-format"][..]] {
        let built = build(flags);
        let cdx = embedded(&built.exe);
        let expected = cargo_tree_at(app(), &host, flags);
        let actual = cdx.packages();
        assert_eq!(
            actual,
            expected,
            "{flags:?}: only in the SBOM:\n{}only in cargo tree:\n{}",
            show(&actual.difference(&expected).cloned().collect()),
            show(&expected.difference(&actual).cloned().collect())
        );
        assert_eq!(cdx.0["specVersion"], "1.6");
        assert_eq!(cdx.root()["name"], "hooks-app");
        // itoa is also a build-time crate (of serde_json, under build-hooks); at run time it is
        // there only with the feature.
        let runtime_itoa = cdx
            .named("itoa")
            .into_iter()
            .any(|c| property(c, "cargo-sbom:usage") == Some("runtime"));
        assert_eq!(
            runtime_itoa,
            !flags.is_empty(),
            "{flags:?}: the runtime itoa follows the feature"
        );
        let hooks = cdx.named("build-hooks");
        assert_eq!(hooks.len(), 1, "build-hooks is listed once");
        assert_eq!(property(hooks[0], "cargo-sbom:usage"), Some("build"));
        assert_eq!(cdx.named("cfg-if").len(), 1, "the cfg(unix) dependency");
        assert!(
            cdx.0["metadata"]["lifecycles"]
                .to_string()
                .contains("\"build\""),
            "lifecycle build: {}",
            cdx.0["metadata"]
        );
    }
}

/// `OUT_DIR` holds the CycloneDX and SPDX documents; the embedded one is the same bytes; both
/// pass the third-party checks when `CARGO_SBOM_VERIFY_DIR` is set.
#[test]
fn out_dir_documents() {
    let built = build(&[]);
    let cdx_path = built.out_dir.join("hooks-app-0.1.0.cdx.json");
    let spdx_path = built.out_dir.join("hooks-app-0.1.0.spdx.json");
    let cdx = std::fs::read(&cdx_path).expect("the CycloneDX document in OUT_DIR");
    let spdx: Value =
        serde_json::from_slice(&std::fs::read(&spdx_path).expect("the SPDX document in OUT_DIR"))
            .expect("SPDX JSON");
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    assert_eq!(
        from_binary(&built.exe).stdout,
        cdx,
        "the embedded SBOM is the OUT_DIR document"
    );
    // Nothing but our files and the object file in OUT_DIR.
    let mut names: Vec<String> = std::fs::read_dir(&built.out_dir)
        .expect("read OUT_DIR")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cargo-sbom-embedded.o",
            "hooks-app-0.1.0.cdx.json",
            "hooks-app-0.1.0.spdx.json",
            "hooks-app-0.1.0.spdx3.json"
        ]
    );
    if let Some(verify) = verify_dir("the third-party checks of the build-time SBOMs") {
        for (script, file) in [("check-cyclonedx", &cdx_path), ("check-spdx", &spdx_path)] {
            let output = Command::new(verify.join(script))
                .arg(file)
                .output()
                .expect("run the verification script");
            assert!(
                output.status.success(),
                "{script} {}:\n{}{}",
                file.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// `cargo audit bin` reads the `.dep-v0` section (with `CARGO_AUDIT_BIN` pointing to
/// cargo-audit): it finds the fake advisory's crate... or at least parses the packages.
#[test]
fn cargo_audit_reads_dep_v0() {
    let Some(audit) = std::env::var_os("CARGO_AUDIT_BIN").filter(|v| !v.is_empty()) else {
        eprintln!("note: CARGO_AUDIT_BIN is not set; skipping the cargo-audit check");
        return;
    };
    let built = build(&["--features", "fast-format"]);
    let output = Command::new(audit)
        .args(["audit", "--no-fetch", "--stale", "--json", "--db"])
        .arg(fixtures_dir().join("advisory-db-mini"))
        .arg("bin")
        .arg(&built.exe)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo-audit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "cargo audit bin printed no JSON report ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let count = report["lockfile"]["dependency-count"].as_u64().unwrap_or(0);
    let tree = cargo_tree_at(app(), &rustc_host(), &["--features", "fast-format"]);
    assert_eq!(
        count as usize,
        tree.len(),
        "cargo audit read every package of .dep-v0: {report}"
    );
}

/// cargo-auditable's own reader, `rust-audit-info` (crates.io; `.ci/run` installs it and sets
/// `RUST_AUDIT_INFO_BIN`), parses the `.dep-v0` section: the same packages as `cargo tree`, one
/// root, build-only crates marked `build`.
#[test]
fn rust_audit_info_reads_dep_v0() {
    let Some(reader) = std::env::var_os("RUST_AUDIT_INFO_BIN").filter(|v| !v.is_empty()) else {
        eprintln!("note: RUST_AUDIT_INFO_BIN is not set; skipping the rust-audit-info check");
        return;
    };
    let built = build(&["--features", "fast-format"]);
    let output = Command::new(reader)
        .arg(&built.exe)
        .stdin(Stdio::null())
        .output()
        .expect("run rust-audit-info");
    assert!(
        output.status.success(),
        "rust-audit-info failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let info: Value = serde_json::from_slice(&output.stdout).expect("rust-audit-info prints JSON");
    let packages = info["packages"].as_array().expect("packages");
    let listed: std::collections::BTreeSet<String> = packages
        .iter()
        .map(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap_or(""),
                p["version"].as_str().unwrap_or("")
            )
        })
        .collect();
    let tree = name_versions(cargo_tree_at(
        app(),
        &rustc_host(),
        &["--features", "fast-format"],
    ));
    assert_eq!(
        listed, tree,
        "rust-audit-info read every package of .dep-v0"
    );
    let roots = packages.iter().filter(|p| p["root"] == true).count();
    assert_eq!(roots, 1, "{info}");
    let build_hooks = packages
        .iter()
        .find(|p| p["name"] == "build-hooks")
        .expect("build-hooks listed");
    assert_eq!(build_hooks["kind"], "build", "{build_hooks}");
}

/// `--from-binary` on a file that is not a binary, or a binary without an SBOM: exit 2 and a
/// message naming the file.
#[test]
fn from_binary_errors() {
    let text = scratch_dir().join("not-a-binary.txt");
    std::fs::write(&text, "hello").expect("write");
    let output = from_binary(&text);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not-a-binary.txt") && stderr.contains("not an executable"),
        "{stderr}"
    );
    let output = from_binary(cargo_sbom_bin());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no embedded SBOM"), "{stderr}");
}

/// The build script reruns when the graph may change (the lockfile, a manifest), and only then
/// (not for a source file).
#[test]
fn reruns_exactly_when_the_graph_may_change() {
    let dir = hooks_fixture(&scratch_dir().join("rerun"));
    let sbom_mtime = |built: &Built| {
        std::fs::metadata(built.out_dir.join("hooks-app-0.1.0.cdx.json"))
            .and_then(|m| m.modified())
            .expect("the SBOM in OUT_DIR")
    };
    let touch = |path: &Path| {
        std::fs::File::options()
            .append(true)
            .open(path)
            .and_then(|f| {
                f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(2))
            })
            .expect("touch");
    };
    let first = sbom_mtime(&build_in(&dir, &[]));
    assert_eq!(sbom_mtime(&build_in(&dir, &[])), first, "a no-op build");
    touch(&dir.join("src/main.rs"));
    assert_eq!(
        sbom_mtime(&build_in(&dir, &[])),
        first,
        "a source change does not rerun the hook"
    );
    touch(&dir.join("Cargo.lock"));
    let after_lock = sbom_mtime(&build_in(&dir, &[]));
    assert_ne!(after_lock, first, "a lockfile change reruns the hook");
    touch(&dir.join("Cargo.toml"));
    assert_ne!(
        sbom_mtime(&build_in(&dir, &[])),
        after_lock,
        "a manifest change reruns the hook"
    );
}

/// With cargo's SBOM precursor files (`-Z sbom`; on a stable cargo through `RUSTC_BOOTSTRAP=1`)
/// named by `CARGO_SBOM_PATH`, the hook takes them as the record of the build: the embedded
/// SBOM lists exactly the packages the precursor reaches. Cargo passes the variable to rustc
/// only, so the test sets it for the whole build, as a wrapper would. A precursor that is not
/// one fails the build naming the file.
#[test]
fn precursor_files_are_the_record_of_the_build() {
    let dir = hooks_fixture(&scratch_dir().join("precursor"));
    // Every build here uses its own build directory: `RUSTC_BOOTSTRAP` changes every unit's
    // fingerprint, and the copies of the fixture share their build script's unit (a path
    // package's unit hash does not depend on where its workspace is), so the precursor files
    // this copy's hook watches would make the other tests' hooks rerun.
    let own_target = hooks_target_dir().with_file_name("sbom-it-hooks-target-zsbom");
    let bootstrap = ("RUSTC_BOOTSTRAP", OsStr::new("1"));
    let target_dir = ("CARGO_TARGET_DIR", own_target.as_os_str());
    let output = cargo_build(
        &dir,
        &["-Z", "sbom"],
        &[
            bootstrap,
            target_dir,
            ("CARGO_BUILD_SBOM", OsStr::new("true")),
        ],
    );
    assert!(
        output.status.success(),
        "cargo build -Z sbom: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = own_target.join("debug/hooks-app.cargo-sbom.json");
    let mut precursor: Value =
        serde_json::from_slice(&std::fs::read(&written).expect("cargo wrote the precursor"))
            .expect("the precursor is JSON");

    // Cargo's own record agrees with `cargo tree -e normal,build`.
    let reached = |precursor: &Value| -> std::collections::BTreeSet<String> {
        let crates = precursor["crates"].as_array().expect("crates");
        let mut seen = std::collections::BTreeSet::from([precursor["root"].as_u64().unwrap()]);
        let mut queue: Vec<u64> = seen.iter().copied().collect();
        while let Some(i) = queue.pop() {
            for dep in crates[i as usize]["dependencies"].as_array().unwrap() {
                let index = dep["index"].as_u64().unwrap();
                if seen.insert(index) {
                    queue.push(index);
                }
            }
        }
        seen.iter()
            .map(|&i| {
                // `KIND+URL#NAME@VERSION`, or `KIND+URL#VERSION` named by the URL's last segment.
                let id = crates[i as usize]["id"].as_str().unwrap();
                let (url, fragment) = id.rsplit_once('#').unwrap();
                match fragment.split_once('@') {
                    Some((name, version)) => format!("{name}@{version}"),
                    None => format!("{}@{fragment}", url.rsplit('/').next().unwrap()),
                }
            })
            .collect()
    };
    let expected = name_versions(cargo_tree_at(&dir, &rustc_host(), &[]));
    assert_eq!(
        reached(&precursor),
        expected,
        "cargo's precursor vs cargo tree"
    );

    // Take the application's own cfg-if out of the record (every edge to that unit): the hook
    // must follow the record, not its own resolution.
    let root = precursor["root"].as_u64().unwrap() as usize;
    let crates = precursor["crates"].as_array_mut().expect("crates");
    let cfg_if = crates[root]["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["index"].as_u64().unwrap())
        .find(|&i| {
            crates[i as usize]["id"]
                .as_str()
                .unwrap()
                .contains("#cfg-if@")
        })
        .expect("the application depends on cfg-if");
    for krate in crates.iter_mut() {
        krate["dependencies"]
            .as_array_mut()
            .unwrap()
            .retain(|d| d["index"].as_u64() != Some(cfg_if));
    }
    let edited = dir.with_file_name("edited.cargo-sbom.json");
    std::fs::write(&edited, serde_json::to_vec(&precursor).unwrap()).unwrap();
    let built = build_with(
        &dir,
        &[],
        &[
            bootstrap,
            target_dir,
            ("CARGO_SBOM_PATH", edited.as_os_str()),
        ],
    );
    let cdx = embedded(&built.exe);
    let listed = name_versions(cdx.packages());
    assert_eq!(
        listed,
        reached(&precursor),
        "the SBOM follows the precursor"
    );
    assert!(
        !cdx.packages().iter().any(|p| p.name == "cfg-if"),
        "cfg-if is no longer in the record"
    );

    // Not a precursor: the build fails, naming the file and the problem.
    let broken = dir.with_file_name("broken.cargo-sbom.json");
    std::fs::write(&broken, b"{\"version\": 7}").unwrap();
    let output = cargo_build(
        &dir,
        &[],
        &[
            bootstrap,
            target_dir,
            ("CARGO_SBOM_PATH", broken.as_os_str()),
        ],
    );
    assert!(
        !output.status.success(),
        "a broken precursor fails the build"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.cargo-sbom.json") && stderr.contains("precursor"),
        "{stderr}"
    );
}
