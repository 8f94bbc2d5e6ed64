//! What the documents say about each component: completeness, identifiers, licenses, ordering,
//! reproducibility, and `--output-dir`.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use integration_tests::{
    Cdx, FLAG_COMBINATIONS, Origin, Spdx, WINDOWS, cdx_pkg, fixture, property, scratch_dir,
};
use serde_json::Value;
use sha2::Digest;

/// The combinations the document checks run on: the widest graph and the default.
const WIDE: &[&str] = &["--workspace", "--include-dev", "--all-features"];

/// `(name, version, source) -> checksum` of the fixture copy's Cargo.lock.
fn lock_checksums() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(fixture().workspace.join("Cargo.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&text).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let p = p.as_table()?;
            let source = p.get("source")?.as_str()?;
            source.starts_with("registry+").then_some(())?;
            Some((
                (
                    p["name"].as_str()?.to_owned(),
                    p["version"].as_str()?.to_owned(),
                ),
                p.get("checksum")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[test]
fn every_component_is_complete() {
    let fx = fixture();
    let checksums = lock_checksums();
    for flags in [WIDE, &["--target", WINDOWS, "--all-features"][..]] {
        let cdx = fx.cdx(flags);
        let mut registry = 0;
        for c in cdx.all_components() {
            let name = c["name"].as_str().unwrap();
            let purl = c["purl"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} has a purl"));
            assert!(purl.starts_with(&format!("pkg:cargo/{name}@")), "{purl}");
            let pkg = cdx_pkg(c);
            match pkg.origin {
                Origin::Registry => {
                    registry += 1;
                    assert!(
                        !purl.contains('?'),
                        "a crates.io purl has no qualifiers: {purl}"
                    );
                    let hashes = c["hashes"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{name} has hashes"));
                    // The SHA-512 of the verified cached `.crate` file (fetched by the
                    // fixture), then the lockfile's SHA-256.
                    assert_eq!(hashes.len(), 2, "{name}: {hashes:?}");
                    assert_eq!(hashes[0]["alg"], "SHA-512");
                    assert_eq!(hashes[0]["content"].as_str().map(str::len), Some(128));
                    assert_eq!(hashes[1]["alg"], "SHA-256");
                    assert_eq!(
                        hashes[1]["content"].as_str(),
                        checksums
                            .get(&(pkg.name.clone(), pkg.version.clone()))
                            .map(String::as_str),
                        "{pkg}: SHA-256 equals Cargo.lock's checksum"
                    );
                    let licenses = c["licenses"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{name} has a license"));
                    assert!(!licenses.is_empty());
                    assert!(c.get("supplier").is_some(), "{name} has a supplier");
                }
                Origin::Git => {
                    assert!(purl.contains("vcs_url="), "{purl}");
                    assert!(
                        purl.contains(&fx.git_commit),
                        "{purl} names commit {}",
                        fx.git_commit
                    );
                    assert_eq!(
                        property(c, "cargo-sbom:git-commit"),
                        Some(fx.git_commit.as_str())
                    );
                    assert_eq!(
                        property(c, "cargo-sbom:hash-method"),
                        Some("cargo-sbom-source-v1"),
                        "a git crate's hashes are of its checkout"
                    );
                }
                Origin::Path => {
                    assert!(purl.contains("download_url=file"), "{purl}");
                    assert_eq!(
                        property(c, "cargo-sbom:hash-method"),
                        Some("cargo-sbom-source-v1"),
                        "a path crate's hashes are of its source"
                    );
                }
            }
        }
        assert!(registry >= 7, "{flags:?}: {registry} registry components");
        // SPDX: the same checksums.
        let spdx = fx.spdx(flags);
        for p in spdx.packages() {
            let Some(purl) = Spdx::purl(p).filter(|p| p.starts_with("pkg:cargo/")) else {
                continue;
            };
            let pkg = integration_tests::Pkg::from_purl(
                p["name"].as_str().unwrap(),
                p["versionInfo"].as_str().unwrap(),
                purl,
            );
            if pkg.origin == Origin::Registry {
                let sums = p["checksums"].as_array().unwrap();
                assert_eq!(sums[0]["algorithm"], "SHA512");
                assert_eq!(sums[1]["algorithm"], "SHA256");
                assert_eq!(
                    sums[1]["checksumValue"].as_str(),
                    checksums
                        .get(&(pkg.name.clone(), pkg.version.clone()))
                        .map(String::as_str)
                );
                assert_ne!(p["licenseDeclared"], "NOASSERTION", "{pkg}");
            }
        }
    }
}

#[test]
fn path_crate_and_crates_io_crate_of_the_same_name_and_version_are_distinct() {
    let fx = fixture();
    let cdx = fx.cdx(&["--workspace"]);
    let itoas: Vec<&Value> = cdx
        .named("itoa")
        .into_iter()
        .filter(|c| c["version"] == "1.0.19")
        .collect();
    assert_eq!(
        itoas.len(),
        2,
        "crates.io itoa 1.0.19 and the vendored path crate"
    );
    assert_ne!(itoas[0]["bom-ref"], itoas[1]["bom-ref"]);
    assert_ne!(itoas[0]["purl"], itoas[1]["purl"]);
    let origins: BTreeSet<Origin> = itoas.iter().map(|c| cdx_pkg(c).origin).collect();
    assert_eq!(origins, BTreeSet::from([Origin::Registry, Origin::Path]));
    // Each is wired to its own dependent.
    let deps = cdx.dependencies();
    let ref_of = |name: &str, version: &str| {
        cdx.find(name, version)["bom-ref"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let vendored = itoas
        .iter()
        .find(|c| cdx_pkg(c).origin == Origin::Path)
        .unwrap();
    let registry = itoas
        .iter()
        .find(|c| cdx_pkg(c).origin == Origin::Registry)
        .unwrap();
    assert!(deps[&ref_of("lib-b", "0.2.0")].contains(vendored["bom-ref"].as_str().unwrap()));
    assert!(deps[&ref_of("lib-a", "0.1.0")].contains(registry["bom-ref"].as_str().unwrap()));
    assert!(!deps[&ref_of("lib-a", "0.1.0")].contains(vendored["bom-ref"].as_str().unwrap()));
    assert_eq!(vendored["licenses"][0]["license"]["id"], "0BSD");

    let spdx = fx.spdx(&["--workspace"]);
    let ids: Vec<&Value> = spdx
        .packages()
        .iter()
        .filter(|p| p["name"] == "itoa" && p["versionInfo"] == "1.0.19")
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0]["SPDXID"], ids[1]["SPDXID"]);
}

fn is_spdx_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

#[test]
fn identifiers_are_unique_and_well_formed() {
    let fx = fixture();
    for flags in FLAG_COMBINATIONS {
        let cdx = fx.cdx(flags);
        let mut refs = vec![cdx.root()["bom-ref"].as_str().unwrap().to_owned()];
        refs.extend(
            cdx.components()
                .iter()
                .map(|c| c["bom-ref"].as_str().unwrap().to_owned()),
        );
        let unique: BTreeSet<&String> = refs.iter().collect();
        assert_eq!(
            unique.len(),
            refs.len(),
            "{flags:?}: duplicate bom-refs in {refs:?}"
        );
        // Every dependency entry names a known ref, and every component has one entry.
        let deps = cdx.dependencies();
        let known: BTreeSet<String> = refs.iter().cloned().collect();
        assert_eq!(
            deps.keys().cloned().collect::<BTreeSet<_>>(),
            known,
            "{flags:?}: one dependency entry each"
        );
        for to in deps.values() {
            assert!(to.is_subset(&known), "{flags:?}: {to:?}");
        }

        let spdx = fx.spdx(flags);
        let ids: Vec<&str> = spdx
            .packages()
            .iter()
            .map(|p| p["SPDXID"].as_str().unwrap())
            .collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "{flags:?}: duplicate SPDXIDs");
        for id in &ids {
            assert!(is_spdx_id(id), "{id} matches ^SPDXRef-[A-Za-z0-9.-]+$");
        }
        assert_spdx_reachable(&spdx, flags);
        for p in spdx.packages() {
            let location = p["downloadLocation"].as_str().unwrap();
            assert!(
                location == "NOASSERTION"
                    || location
                        .split_once("://")
                        .is_some_and(|(s, r)| !s.is_empty() && !r.is_empty()),
                "{flags:?}: downloadLocation {location}"
            );
            assert!(
                !location.starts_with("registry+") && !location.starts_with("sparse+"),
                "{location}"
            );
        }
    }
}

/// DESCRIBES names the root, and every package is reachable from the document through
/// DESCRIBES, CONTAINS and DEPENDS_ON.
fn assert_spdx_reachable(spdx: &Spdx, flags: &[&str]) {
    let relationships = spdx.relationships();
    let described: Vec<&(String, String, String)> = relationships
        .iter()
        .filter(|(from, kind, _)| from == "SPDXRef-DOCUMENT" && kind == "DESCRIBES")
        .collect();
    assert_eq!(described.len(), 1, "{flags:?}: one DESCRIBES");
    let mut seen = BTreeSet::from(["SPDXRef-DOCUMENT".to_owned()]);
    let mut queue = vec!["SPDXRef-DOCUMENT".to_owned()];
    while let Some(node) = queue.pop() {
        for (from, kind, to) in &relationships {
            if *from == node
                && ["DESCRIBES", "CONTAINS", "DEPENDS_ON"].contains(&kind.as_str())
                && seen.insert(to.clone())
            {
                queue.push(to.clone());
            }
        }
    }
    for p in spdx.packages() {
        let id = p["SPDXID"].as_str().unwrap();
        assert!(
            seen.contains(id),
            "{flags:?}: {id} is not reachable from the document"
        );
    }
    let is_multi =
        flags.contains(&"--workspace") || flags.iter().filter(|f| **f == "-p").count() > 1;
    let root = &described[0].2;
    let root_package = spdx
        .packages()
        .iter()
        .find(|p| p["SPDXID"] == root.as_str())
        .unwrap();
    if is_multi {
        assert!(root.starts_with("SPDXRef-Workspace-"), "{root}");
    } else {
        assert!(
            Spdx::purl(root_package).is_some(),
            "the root of a single package is that package"
        );
    }
}

/// Every license value of a CycloneDX component.
fn cdx_license_strings(c: &Value) -> Vec<String> {
    c["licenses"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .flat_map(|l| {
            [&l["expression"], &l["license"]["id"], &l["license"]["name"]]
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
        })
        .collect()
}

#[test]
fn licenses_are_normalised_and_valid() {
    let fx = fixture();
    let cdx = fx.cdx(WIDE);
    for c in cdx.all_components() {
        for license in cdx_license_strings(c) {
            assert_ne!(license, "NOASSERTION", "{}", c["name"]);
        }
    }
    let licenses = |name: &str, version: &str| cdx.find(name, version)["licenses"].clone();
    // Legacy `MIT/Apache-2.0` becomes an expression with `OR`.
    assert_eq!(
        licenses("version_check", "0.9.5"),
        serde_json::json!([{"expression": "MIT OR Apache-2.0", "acknowledgement": "concluded"}])
    );
    assert_eq!(
        licenses("memchr", "2.8.3"),
        serde_json::json!([{"expression": "Unlicense OR MIT", "acknowledgement": "concluded"}])
    );
    assert_eq!(
        licenses("unicode-ident", "1.0.27"),
        serde_json::json!([{"expression": "(MIT OR Apache-2.0) AND Unicode-3.0", "acknowledgement": "concluded"}])
    );
    assert_eq!(
        licenses("gitdep", "0.2.0"),
        serde_json::json!([{"expression": "Apache-2.0 WITH LLVM-exception", "acknowledgement": "concluded"}])
    );
    assert_eq!(
        licenses("macros", "0.1.0"),
        serde_json::json!([
            {"license": {"id": "MIT", "acknowledgement": "declared"}},
            {"license": {"id": "MIT", "acknowledgement": "concluded"}}
        ])
    );
    // `MPL-2.0+` is not a license id: CycloneDX carries it as an expression, unchanged.
    assert_eq!(
        licenses("outside-crate", "0.5.0"),
        serde_json::json!([{"expression": "MPL-2.0+", "acknowledgement": "concluded"}])
    );
    // No license at all: no licenses entry (never NOASSERTION).
    assert!(cdx.find("nobuild", "0.1.0").get("licenses").is_none());
    // license-file: a named license with the file's digest.
    let file = std::fs::read(fx.workspace.join("lib-a/LICENSE.txt")).unwrap();
    let sha: String = sha2::Sha256::digest(&file)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let lib_a = cdx.find("lib-a", "0.1.0");
    let license = &lib_a["licenses"][0]["license"];
    assert!(license.get("id").is_none());
    assert_eq!(
        license["name"].as_str(),
        Some(format!("LicenseRef-license-file-{}", &sha[..16]).as_str())
    );
    assert_eq!(
        property(license, "cargo-sbom:license-file"),
        Some("LICENSE.txt")
    );
    assert_eq!(
        property(license, "cargo-sbom:license-file-sha256"),
        Some(sha.as_str())
    );

    let spdx = fx.spdx(WIDE);
    let declared = |name: &str, version: &str| {
        let id = spdx.id_of(name, version);
        spdx.packages()
            .iter()
            .find(|p| p["SPDXID"] == id.as_str())
            .unwrap()["licenseDeclared"]
            .clone()
    };
    assert_eq!(declared("version_check", "0.9.5"), "MIT OR Apache-2.0");
    assert_eq!(declared("nobuild", "0.1.0"), "NOASSERTION");
    // The reference SPDX validator rejects `ID+` outside the GNU family; cargo-sbom writes a
    // LicenseRef defined by the original term instead.
    let mpl = declared("outside-crate", "0.5.0");
    let mpl = mpl.as_str().unwrap();
    let extracted = spdx.0["hasExtractedLicensingInfos"].as_array().unwrap();
    let defined: BTreeMap<&str, &Value> = extracted
        .iter()
        .map(|e| (e["licenseId"].as_str().unwrap(), e))
        .collect();
    if mpl != "MPL-2.0+" {
        assert!(mpl.starts_with("LicenseRef-"), "{mpl}");
        assert!(
            defined[mpl]["extractedText"]
                .as_str()
                .unwrap()
                .contains("MPL-2.0+")
        );
    }
    let file_ref = declared("lib-a", "0.1.0");
    let file_ref = file_ref.as_str().unwrap();
    assert_eq!(file_ref, format!("LicenseRef-license-file-{}", &sha[..16]));
    assert_eq!(
        defined[file_ref]["extractedText"]
            .as_str()
            .unwrap()
            .as_bytes(),
        file.as_slice()
    );
    // Every LicenseRef used is defined.
    for p in spdx.packages() {
        let text = p["licenseDeclared"].as_str().unwrap();
        for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if word.starts_with("LicenseRef-") {
                assert!(defined.contains_key(word), "{word} is defined");
            }
        }
    }
}

/// A version as numbers for ordering (`0.4.8` < `1.0.19` < `1.0.100`).
fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-', '+'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

#[test]
fn output_is_sorted() {
    let fx = fixture();
    for flags in [WIDE, &[][..]] {
        let cdx = fx.cdx(flags);
        let keys: Vec<(String, Vec<u64>, String)> = cdx
            .components()
            .iter()
            .map(|c| {
                let s = |k: &str| c[k].as_str().unwrap().to_owned();
                (s("name"), version_key(&s("version")), s("purl"))
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(
            keys, sorted,
            "{flags:?}: components are sorted by name, version, purl"
        );
        let refs: Vec<&str> = cdx.0["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["ref"].as_str().unwrap())
            .collect();
        assert!(
            refs.windows(2).all(|w| w[0] < w[1]),
            "dependencies sorted by ref"
        );
        for d in cdx.0["dependencies"].as_array().unwrap() {
            let to: Vec<&str> = d["dependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(to.windows(2).all(|w| w[0] < w[1]), "dependsOn sorted");
        }
        let spdx = fx.spdx(flags);
        let relationships = spdx.relationships();
        let mut sorted = relationships.clone();
        sorted.sort();
        assert_eq!(relationships.len(), sorted.len());
    }
}

fn write_twice(dir: &Path, name: &str, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let fx = fixture();
    let mut files = Vec::new();
    for run in 0..2 {
        let path = dir.join(format!("{name}.{run}.json"));
        let mut all: Vec<&str> = args.to_vec();
        let path_text = path.to_str().unwrap().to_owned();
        all.extend(["-q", "-o", &path_text]);
        let output = fx.run(&all);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        files.push(std::fs::read(&path).unwrap());
    }
    let second = files.pop().unwrap();
    (files.pop().unwrap(), second)
}

#[test]
fn output_is_reproducible_and_free_of_host_paths() {
    let fx = fixture();
    let dir = scratch_dir().join("reproducible");
    std::fs::create_dir_all(&dir).unwrap();
    let formats: [(&str, &[&str]); 4] = [
        ("cdx15", &["--spec-version", "1.5"]),
        ("cdx16", &["--spec-version", "1.6"]),
        ("cdx17", &["--spec-version", "1.7"]),
        ("spdx", &["--format", "spdx-json"]),
    ];
    let host_paths = fx.host_paths();
    for (name, format) in formats {
        for (i, flags) in [WIDE, &[][..], &["-p", "lib-b"][..]].iter().enumerate() {
            let args: Vec<&str> = format.iter().chain(flags.iter()).copied().collect();
            let (first, second) = write_twice(&dir, &format!("{name}-{i}"), &args);
            assert!(first == second, "{args:?}: two runs differ");
            let text = String::from_utf8(first).unwrap();
            for path in &host_paths {
                assert!(
                    !text.contains(path.as_str()),
                    "{args:?}: output contains host path {path}"
                );
            }
            assert!(!text.contains("file:///"), "{args:?}: an absolute file URL");
            let stdout = fx.run(&args);
            assert_eq!(
                stdout.stdout,
                text.as_bytes(),
                "{args:?}: -o and standard output agree"
            );
            let doc: Value = serde_json::from_str(&text).unwrap();
            if name == "spdx" {
                assert_eq!(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
            } else {
                assert_eq!(doc["specVersion"], format[1]);
                assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
            }
        }
    }
}

#[test]
fn output_dir_writes_one_file_per_member() {
    let fx = fixture();
    let members = [
        ("app", "0.3.0"),
        ("lib-a", "0.1.0"),
        ("lib-b", "0.2.0"),
        ("macros", "0.1.0"),
        ("nobuild", "0.1.0"),
    ];
    for (format, extension) in [(None, "cdx.json"), (Some("spdx-json"), "spdx.json")] {
        let dir = scratch_dir().join(format!("out-{extension}"));
        let dir_text = dir.to_str().unwrap().to_owned();
        let mut args = vec!["--workspace", "-q", "--output-dir", &dir_text];
        if let Some(format) = format {
            args.extend(["--format", format]);
        }
        let output = fx.run(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let expected: Vec<String> = members
            .iter()
            .map(|(n, v)| format!("{n}-{v}.{extension}"))
            .collect();
        assert_eq!(names, expected);
        for (name, version) in members {
            let text = std::fs::read(dir.join(format!("{name}-{version}.{extension}"))).unwrap();
            let single = fx.run(
                &[
                    &["-p", name][..],
                    format
                        .map(|f| vec!["--format", f])
                        .unwrap_or_default()
                        .as_slice(),
                ]
                .concat(),
            );
            assert_eq!(text, single.stdout, "{name}: the file equals `-p {name}`");
            let doc: Value = serde_json::from_slice(&text).unwrap();
            if format.is_none() {
                assert_eq!(Cdx(doc).root()["name"], name);
            } else {
                assert_eq!(doc["name"], format!("{name}-{version}"));
            }
        }
    }
}
