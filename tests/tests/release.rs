//! `cargo attest release` and `cargo attest verify-release` on the `attest-app` fixture.
//!
//! The fixture is copied into the build directory with a README, a LICENSE, an executable
//! script, a symbolic link and an `attest.toml` that ignores the fake advisory of
//! `fixtures/advisory-db-mini` (every release runs with `--advisory-db` on it), and made a git
//! repository with a deterministic commit (2023-11-14T22:13:20Z). Tests that change the work
//! tree or the policy use copies of their own.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use integration_tests::{
    assert_checker_passes, attest_command, bundle_statement, copy_dir, fetch_crates, fixtures_dir,
    git_in, make_git_repo, read_json, scratch_dir, verify_dir,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const STEM: &str = "attest-app-0.1.0";
/// The commit time of [`make_git_repo`].
const COMMIT_TIME: u64 = 1_700_000_000;
const ATTEST_TOML: &str = r#"[advisories]
ignore = [{ id = "RUSTSEC-2099-0001", reason = "fixture: the fake advisory of advisory-db-mini" }]
"#;

struct App {
    dir: PathBuf,
    commit: String,
    key: PathBuf,
    public: PathBuf,
}

/// A fixture copy with the release extras, committed.
fn make_app(name: &str, attest_toml: &str) -> (PathBuf, String) {
    let dir = scratch_dir().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    copy_dir(&fixtures_dir().join("attest-app"), &dir);
    fetch_crates(&dir);
    std::fs::write(dir.join("README.md"), "# attest-app\n").unwrap();
    std::fs::write(dir.join("LICENSE-MIT"), "MIT License\n").unwrap();
    std::fs::write(dir.join("attest.toml"), attest_toml).unwrap();
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(dir.join("scripts/run.sh"), "#!/bin/sh\necho run\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("scripts/run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::os::unix::fs::symlink("../README.md", dir.join("scripts/readme")).unwrap();
    }
    let commit = make_git_repo(&dir);
    (dir, commit)
}

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let (dir, commit) = make_app("app", ATTEST_TOML);
        let prefix = scratch_dir().join("release-key");
        let output = attest_command(scratch_dir())
            .args(["keygen", "--algorithm", "ed25519", "--force", "-o"])
            .arg(&prefix)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        App {
            dir,
            commit,
            key: prefix.with_extension("key"),
            public: prefix.with_extension("pub"),
        }
    })
}

/// `cargo attest release --key KEY --out-dir OUT --advisory-db MINI EXTRA… -- --offline` in `dir`.
fn release_in(dir: &Path, out: &Path, extra: &[&str], epoch: Option<&str>) -> Output {
    let mut command = attest_command(dir);
    command
        .args(["release", "--key"])
        .arg(&app().key)
        .arg("--out-dir")
        .arg(out)
        .arg("--advisory-db")
        .arg(fixtures_dir().join("advisory-db-mini"))
        .args(extra)
        .args(["--", "--offline"])
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI");
    match epoch {
        Some(epoch) => command.env("SOURCE_DATE_EPOCH", epoch),
        None => command.env_remove("SOURCE_DATE_EPOCH"),
    };
    command.output().unwrap()
}

/// A fresh release of the shared fixture in `scratch/releases/NAME`; returns the release dir.
fn released(name: &str, epoch: Option<&str>) -> PathBuf {
    let out = scratch_dir().join("releases").join(name);
    if out.exists() {
        std::fs::remove_dir_all(&out).unwrap();
    }
    let output = release_in(&app().dir, &out, &[], epoch);
    assert!(
        output.status.success(),
        "cargo attest release failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out.join(STEM)
}

/// A release made once per process and never modified (tests copy it).
fn shared_release() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| released("shared", Some("1700000000")))
}

fn verify_release(dir: &Path) -> Output {
    attest_command(scratch_dir())
        .arg("verify-release")
        .arg(dir)
        .arg("--key")
        .arg(&app().public)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn host() -> String {
    let output = Command::new("rustc").arg("-vV").output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .trim()
        .to_owned()
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn expected_names() -> BTreeSet<String> {
    [
        format!("{STEM}-{}.tar.gz", host()),
        format!("{STEM}-src.tar.gz"),
        format!("{STEM}.cdx.json"),
        format!("{STEM}.spdx.json"),
        format!("{STEM}.spdx3.json"),
        format!("{STEM}.provenance.sigstore.json"),
        "SHA256SUMS".into(),
        "policy-report.json".into(),
        "ssdf-report.json".into(),
        "ssdf-report.md".into(),
    ]
    .into()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn statement(bundle: &Path) -> Value {
    bundle_statement(&read_json(bundle))
}

/// `(path, type byte, mode, mtime, uid, gid, link)` of every entry.
type Listed = (String, u8, u32, u64, u64, u64, Option<String>);

fn list_archive(path: &Path) -> Vec<Listed> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                h.entry_type().as_byte(),
                h.mode().unwrap(),
                h.mtime().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                e.link_name()
                    .unwrap()
                    .map(|l| l.to_string_lossy().into_owned()),
            )
        })
        .collect()
}

fn copy_release(from: &Path, name: &str) -> PathBuf {
    let dir = scratch_dir().join("copies").join(name).join(STEM);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    copy_dir(from, &dir);
    dir
}

#[test]
fn a_release_holds_the_listed_files_and_verifies() {
    let dir = shared_release();
    assert_eq!(names(dir), expected_names());

    // Provenance subjects: every file but the bundle, with its digest.
    let bundle = dir.join(format!("{STEM}.provenance.sigstore.json"));
    let statement = statement(&bundle);
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    let subjects: BTreeSet<(String, String)> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["digest"]["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = expected_names()
        .into_iter()
        .filter(|n| !n.ends_with(".sigstore.json"))
        .map(|n| {
            let digest = sha256_hex(&std::fs::read(dir.join(&n)).unwrap());
            (n, digest)
        })
        .collect();
    assert_eq!(subjects, expected);
    let source = &statement["predicate"]["buildDefinition"]["resolvedDependencies"][0];
    assert_eq!(source["digest"]["gitCommit"], app().commit);
    assert_eq!(source["annotations"]["dirty"], false);
    assert_eq!(
        statement["predicate"]["buildDefinition"]["externalParameters"]["profile"],
        "release"
    );

    // SHA256SUMS: every file but itself and the bundle, sorted, `sha256sum` format.
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let lines: Vec<String> = expected
        .iter()
        .filter(|(n, _)| n != "SHA256SUMS")
        .map(|(n, d)| format!("{d}  {n}"))
        .collect();
    assert_eq!(sums, format!("{}\n", lines.join("\n")));

    // The binary archive: binaries, libraries, README and LICENSE; deterministic headers.
    let binary = list_archive(&dir.join(format!("{STEM}-{}.tar.gz", host())));
    let top = format!("{STEM}-{}", host());
    let paths: Vec<&str> = binary.iter().map(|e| e.0.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "entries are sorted");
    for name in ["LICENSE-MIT", "README.md", "attest-app"] {
        assert!(
            paths.contains(&format!("{top}/{name}").as_str()),
            "{paths:?}"
        );
    }
    for (path, kind, mode, mtime, uid, gid, _) in &binary {
        assert_eq!(*kind, b'0', "{path}: a regular file");
        assert_eq!((*mtime, *uid, *gid), (1_700_000_000, 0, 0), "{path}");
        let executable = path.ends_with("/attest-app") || path.ends_with(".so");
        assert_eq!(*mode, if executable { 0o755 } else { 0o644 }, "{path}");
    }

    // The source archive: exactly the committed tree, symlink and exec bit kept.
    let source = list_archive(&dir.join(format!("{STEM}-src.tar.gz")));
    let tracked: Vec<String> = git_in(&app().dir, &["ls-files"])
        .lines()
        .map(|l| format!("{STEM}/{l}"))
        .collect();
    let archived: Vec<String> = source.iter().map(|e| e.0.clone()).collect();
    assert_eq!(archived, tracked);
    let entry = |name: &str| {
        source
            .iter()
            .find(|e| e.0 == format!("{STEM}/{name}"))
            .unwrap()
            .clone()
    };
    assert_eq!(entry("scripts/run.sh").2, 0o755);
    assert_eq!(entry("Cargo.toml").2, 0o644);
    #[cfg(unix)]
    {
        let link = entry("scripts/readme");
        assert_eq!(link.1, b'2');
        assert_eq!(link.6.as_deref(), Some("../README.md"));
    }

    // gzip header: mtime 0, no file name.
    let gz = std::fs::read(dir.join(format!("{STEM}-src.tar.gz"))).unwrap();
    assert_eq!(&gz[4..8], &[0, 0, 0, 0]);
    assert_eq!(gz[3] & 0x08, 0);

    let output = verify_release(dir);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("Verified OK"), "{}", text(&output));
}

#[test]
fn two_releases_of_one_commit_are_byte_identical() {
    for (epoch, mtime) in [(Some("1800000000"), 1_800_000_000), (None, COMMIT_TIME)] {
        let label = epoch.unwrap_or("commit-time");
        let first = released(&format!("same-{label}-1"), epoch);
        let second = released(&format!("same-{label}-2"), epoch);
        assert_eq!(names(&first), expected_names());
        for name in names(&first) {
            assert!(
                std::fs::read(first.join(&name)).unwrap()
                    == std::fs::read(second.join(&name)).unwrap(),
                "{label}: {name} differs between two releases"
            );
        }
        let source = list_archive(&first.join(format!("{STEM}-src.tar.gz")));
        assert!(source.iter().all(|e| e.3 == mtime), "{label}");
        let statement = statement(&first.join(format!("{STEM}.provenance.sigstore.json")));
        assert_eq!(
            statement["predicate"]["runDetails"]["metadata"]["finishedOn"],
            if epoch.is_some() {
                "2027-01-15T08:00:00Z"
            } else {
                "2023-11-14T22:13:20Z"
            }
        );
        if let Some(diffoscope) = which("diffoscope") {
            // File contents and archive members only: the directories' own times differ.
            let output = Command::new(diffoscope)
                .arg("--exclude-directory-metadata=yes")
                .arg(&first)
                .arg(&second)
                .output()
                .unwrap();
            assert!(output.status.success(), "diffoscope: {}", text(&output));
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

#[test]
fn tampering_with_any_file_fails_naming_it() {
    for name in expected_names() {
        let dir = copy_release(shared_release(), &format!("tamper-{name}"));
        let path = dir.join(&name);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let output = verify_release(&dir);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(&format!("  {name}: ")), "{name}: {stdout}");
    }
}

#[test]
fn an_extra_or_missing_file_fails() {
    let dir = copy_release(shared_release(), "extra");
    std::fs::write(dir.join("notes.txt"), "extra\n").unwrap();
    let output = verify_release(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("notes.txt: not part of the release"));

    for name in expected_names() {
        let dir = copy_release(shared_release(), &format!("missing-{name}"));
        std::fs::remove_file(dir.join(&name)).unwrap();
        let output = verify_release(&dir);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let named = if name.ends_with(".provenance.sigstore.json") {
            ".provenance.sigstore.json: missing".to_owned()
        } else {
            format!("{name}: missing")
        };
        assert!(stdout.contains(&named), "{name}: {stdout}");
    }

    // Input errors: no directory, no key.
    let output = verify_release(&scratch_dir().join("no-such-release"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

/// A `.tar.gz` with one regular entry and one crafted entry.
fn crafted_archive(top: &str, craft: &dyn Fn(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    builder
        .append_data(&mut header, format!("{top}/ok.txt"), &b"ok\n"[..])
        .unwrap();
    craft(&mut builder);
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

/// Writes a raw header (the tar crate refuses `..` and absolute paths in `append_data`).
fn raw_entry(builder: &mut tar::Builder<Vec<u8>>, path: &str, kind: tar::EntryType, link: &str) {
    let mut header = tar::Header::new_old();
    let name = &mut header.as_old_mut().name;
    name[..path.len()].copy_from_slice(path.as_bytes());
    if !link.is_empty() {
        let linkname = &mut header.as_old_mut().linkname;
        linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_entry_type(kind);
    header.set_mode(0o644);
    header.set_size(if kind == tar::EntryType::Regular {
        1
    } else {
        0
    });
    header.set_cksum();
    let data: &[u8] = if kind == tar::EntryType::Regular {
        b"x"
    } else {
        b""
    };
    builder.append(&header, data).unwrap();
}

/// Replaces the binary archive of a release copy, rewrites SHA256SUMS and signs the statement
/// again with the same key, so only the archive safety check can object.
fn replace_and_resign(dir: &Path, archive: &str, bytes: &[u8]) {
    std::fs::write(dir.join(archive), bytes).unwrap();
    let bundle = dir.join(format!("{STEM}.provenance.sigstore.json"));
    let predicate = statement(&bundle)["predicate"].clone();
    let mut files: Vec<String> = names(dir)
        .into_iter()
        .filter(|n| n != "SHA256SUMS" && !n.ends_with(".sigstore.json"))
        .collect();
    files.sort();
    let sums: String = files
        .iter()
        .map(|n| {
            format!(
                "{}  {n}\n",
                sha256_hex(&std::fs::read(dir.join(n)).unwrap())
            )
        })
        .collect();
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    files.push("SHA256SUMS".into());
    let predicate_file = dir.parent().unwrap().join("predicate.json");
    std::fs::write(&predicate_file, predicate.to_string()).unwrap();
    let mut command = attest_command(dir);
    command
        .args(["sign", "--key"])
        .arg(&app().key)
        .arg("--predicate")
        .arg(&predicate_file)
        .args(["--type", "https://slsa.dev/provenance/v1", "-o"])
        .arg(&bundle);
    for file in &files {
        command.arg("--subject").arg(dir.join(file));
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn unsafe_archives_are_rejected_even_when_signed() {
    let archive = format!("{STEM}-{}.tar.gz", host());
    let top = format!("{STEM}-{}", host());
    type Craft = Box<dyn Fn(&mut tar::Builder<Vec<u8>>)>;
    let top_a = top.clone();
    let top_b = top.clone();
    let top_c = top.clone();
    let cases: Vec<(&str, Craft, &str)> = vec![
        (
            "absolute",
            Box::new(|b| raw_entry(b, "/tmp/evil", tar::EntryType::Regular, "")),
            "absolute path",
        ),
        (
            "dotdot",
            Box::new(move |b| {
                raw_entry(
                    b,
                    &format!("{top_a}/../escape"),
                    tar::EntryType::Regular,
                    "",
                );
            }),
            "`..` component",
        ),
        (
            "symlink",
            Box::new(move |b| {
                raw_entry(
                    b,
                    &format!("{top_b}/passwd"),
                    tar::EntryType::Symlink,
                    "../../etc/passwd",
                );
            }),
            "escapes the archive root",
        ),
        (
            "device",
            Box::new(move |b| {
                raw_entry(b, &format!("{top_c}/tty"), tar::EntryType::Char, "");
            }),
            "character device",
        ),
    ];
    // The unmodified copy verifies after re-signing: the re-signing itself is sound.
    let control = copy_release(shared_release(), "resign-control");
    let original = std::fs::read(control.join(&archive)).unwrap();
    replace_and_resign(&control, &archive, &original);
    let output = verify_release(&control);
    assert!(output.status.success(), "{}", text(&output));

    for (label, craft, expected) in cases {
        let dir = copy_release(shared_release(), &format!("unsafe-{label}"));
        replace_and_resign(&dir, &archive, &crafted_archive(&top, &*craft));
        let output = verify_release(&dir);
        assert_eq!(output.status.code(), Some(1), "{label}: {}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(&format!("{archive}: ")) && stdout.contains(expected),
            "{label}: {stdout}"
        );
    }
}

#[test]
fn a_dirty_tree_is_refused_unless_allowed() {
    let (dir, _) = make_app("dirty", ATTEST_TOML);
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { println!(\"changed\"); }\n",
    )
    .unwrap();
    let out = scratch_dir().join("releases").join("dirty");
    let output = release_in(&dir, &out, &[], Some("1700000000"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("--allow-dirty"), "{}", text(&output));
    assert!(!out.exists());

    let output = release_in(&dir, &out, &["--allow-dirty"], Some("1700000000"));
    assert!(output.status.success(), "{}", text(&output));
    let release = out.join(STEM);
    let statement = statement(&release.join(format!("{STEM}.provenance.sigstore.json")));
    assert_eq!(
        statement["predicate"]["buildDefinition"]["resolvedDependencies"][0]["annotations"]["dirty"],
        true
    );
    let output = verify_release(&release);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn an_existing_release_is_replaced_only_with_force() {
    let out = scratch_dir().join("releases").join("force");
    let _ = std::fs::remove_dir_all(&out);
    let first = release_in(&app().dir, &out, &[], Some("1700000000"));
    assert!(first.status.success(), "{}", text(&first));
    let marker = out.join(STEM).join("SHA256SUMS");
    std::fs::write(&marker, "stale\n").unwrap();

    let again = release_in(&app().dir, &out, &[], Some("1700000000"));
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("--force"), "{}", text(&again));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "stale\n");

    let forced = release_in(&app().dir, &out, &["--force"], Some("1700000000"));
    assert!(forced.status.success(), "{}", text(&forced));
    assert_ne!(std::fs::read_to_string(&marker).unwrap(), "stale\n");
    // Nothing but the release is left in the output directory (no temporary directories).
    assert_eq!(names(&out), BTreeSet::from([STEM.to_owned()]));
    assert!(verify_release(&out.join(STEM)).status.success());
}

#[test]
fn a_deny_finding_stops_the_release() {
    let toml = format!("{ATTEST_TOML}\n[bans]\ndeny = [\"itoa\"]\n");
    let (dir, _) = make_app("denied", &toml);
    let out = scratch_dir().join("releases").join("denied");
    let output = release_in(&dir, &out, &[], Some("1700000000"));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("deny[bans]"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn third_party_checkers_accept_the_release() {
    let Some(verify) = verify_dir("the third-party checks of cargo attest release") else {
        return;
    };
    let dir = shared_release();
    let run = |checker: &str, args: &[&Path]| assert_checker_passes(&verify, checker, args);
    let bundle = dir.join(format!("{STEM}.provenance.sigstore.json"));
    for archive in [
        format!("{STEM}-{}.tar.gz", host()),
        format!("{STEM}-src.tar.gz"),
    ] {
        run(
            "check-bundle",
            &[&bundle, &app().public, &dir.join(archive)],
        );
    }
    run("check-cyclonedx", &[&dir.join(format!("{STEM}.cdx.json"))]);
    run("check-spdx", &[&dir.join(format!("{STEM}.spdx.json"))]);
}
