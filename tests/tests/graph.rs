//! The resolved graph against cargo itself: `cargo tree`, and a real `cargo build` where
//! `cargo tree` shows more than cargo builds.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::{
    Cdx, FLAG_COMBINATIONS, LINUX, Origin, Pkg, Spdx, WINDOWS, cargo, fixture, property,
    scratch_dir, show,
};
use serde_json::Value;

fn autocfg() -> Pkg {
    Pkg::registry("autocfg", "1.5.1")
}

/// Whether the flags select the `nobuild` member.
fn selects_nobuild(flags: &[&str]) -> bool {
    let excluded = flags.windows(2).any(|w| w == ["--exclude", "nobuild"]);
    (flags.contains(&"--workspace") && !excluded)
        || flags.windows(2).any(|w| w == ["-p", "nobuild"])
}

/// What cargo builds for `flags` according to `cargo tree`, corrected where cargo tree and a
/// real build disagree.
///
/// `nobuild` has `build = false` and a `[build-dependencies]` table: `cargo tree` lists its
/// build-dependency `autocfg`, but cargo never compiles it because there is no build script to
/// link it into (see `build_false_package_matches_a_real_build`). The SBOM describes the build,
/// so `autocfg` is taken out of cargo tree's answer here.
fn expected_packages(flags: &[&str]) -> BTreeSet<Pkg> {
    let mut tree = fixture().cargo_tree(flags);
    let had_autocfg = tree.remove(&autocfg());
    assert_eq!(
        had_autocfg,
        selects_nobuild(flags),
        "cargo tree {flags:?} lists autocfg exactly when nobuild is selected"
    );
    tree
}

#[test]
fn packages_equal_cargo_tree_for_every_flag_combination() {
    let fx = fixture();
    let mut failures = Vec::new();
    for flags in FLAG_COMBINATIONS {
        let expected = expected_packages(flags);
        let cdx = fx.cdx(flags).packages();
        let spdx = fx.spdx(flags).pkgs();
        if cdx != expected {
            failures.push(format!(
                "{flags:?}: CycloneDX differs from cargo tree\n missing:\n{} extra:\n{}",
                show(&expected.difference(&cdx).cloned().collect()),
                show(&cdx.difference(&expected).cloned().collect())
            ));
        }
        if spdx != cdx {
            failures.push(format!("{flags:?}: SPDX and CycloneDX packages differ"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn selection_of_members() {
    let fx = fixture();
    // Default members: app only.
    let default = fx.cdx(&[]);
    assert_eq!(default.root()["name"], "app");
    assert!(default.named("lib-b").is_empty() && default.named("nobuild").is_empty());
    // Several members: a synthetic root that depends on each member.
    let two = fx.cdx(&["-p", "app", "-p", "lib-b"]);
    assert!(two.root_is_synthetic());
    let root_ref = two.root()["bom-ref"].as_str().unwrap().to_owned();
    let members: BTreeSet<String> = two.dependencies()[&root_ref].clone();
    let app = two.find("app", "0.3.0")["bom-ref"]
        .as_str()
        .unwrap()
        .to_owned();
    let lib_b = two.find("lib-b", "0.2.0")["bom-ref"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(members, BTreeSet::from([app, lib_b]));
    let workspace = fx.cdx(&["--workspace"]);
    for member in ["app", "lib-a", "lib-b", "macros", "nobuild"] {
        assert_eq!(workspace.named(member).len(), 1, "{member} in --workspace");
    }
}

#[test]
fn the_package_of_the_current_directory_is_the_default() {
    let fx = fixture();
    let lib_b = fx.workspace.join("lib-b");
    let output = integration_tests::run_sbom(&lib_b, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cdx = Cdx(serde_json::from_slice(&output.stdout).unwrap());
    assert_eq!(cdx.root()["name"], "lib-b", "as `cargo build` in lib-b/");
    let by_manifest = fx.cdx(&["--manifest-path", "lib-b/Cargo.toml"]);
    assert_eq!(
        by_manifest.root()["name"],
        "lib-b",
        "as `cargo build --manifest-path lib-b/Cargo.toml`"
    );
    assert_eq!(cdx.packages(), by_manifest.packages());
}

/// cargo accepts `--features DEPENDENCY/FEATURE` for a dependency of the selected package
/// (`cargo build --features memchr/std` enables the optional memchr and its `std` feature).
#[test]
fn dependency_features_on_the_command_line() {
    let fx = fixture();
    let flags = ["--no-default-features", "--features", "memchr/std"];
    let cdx = fx.cdx(&flags);
    assert_eq!(cdx.packages(), expected_packages(&flags));
    let memchr = cdx.find("memchr", "2.8.3");
    let features = property(memchr, "cargo-sbom:features").unwrap_or_default();
    assert!(features.split(',').any(|f| f == "std"), "{features}");
    // A renamed dependency is named by its key, as in `[features]`.
    let renamed = fx.cdx(&["--features", "numfmt/std"]);
    let itoa = renamed.find("itoa", "0.4.8");
    assert!(property(itoa, "cargo-sbom:features").is_some_and(|f| f.contains("std")));
    let output = fx.run(&["--features", "memchr/nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("memchr/nope"));
}

#[test]
fn platform_specific_dependencies_follow_the_target() {
    let fx = fixture();
    let windows = fx.cdx(&["--target", WINDOWS]);
    assert_eq!(
        windows.named("scopeguard").len(),
        1,
        "cfg(windows) dep on windows"
    );
    assert!(
        windows.named("cfg-if").is_empty(),
        "no cfg(unix) dep on windows"
    );
    // macros' own cfg(windows) dependency is evaluated for the (Linux) host it runs on.
    let deps = windows.dependencies();
    let macros_ref = windows.find("macros", "0.1.0")["bom-ref"]
        .as_str()
        .unwrap()
        .to_owned();
    let scopeguard_ref = windows.find("scopeguard", "1.2.0")["bom-ref"]
        .as_str()
        .unwrap()
        .to_owned();
    if fx.host.contains("linux") {
        assert!(
            !deps[&macros_ref].contains(&scopeguard_ref),
            "proc-macro deps follow the host"
        );
    }
    let linux = fx.cdx(&["--target", LINUX]);
    assert_eq!(linux.named("cfg-if").len(), 1, "cfg(unix) dep on linux");
    assert!(
        linux.named("scopeguard").is_empty(),
        "no cfg(windows) dep on linux"
    );
    for cdx in [&windows, &linux] {
        let target = property(cdx.root(), "cargo-sbom:target");
        assert!(
            target.is_none(),
            "the target is a document property, not a component one"
        );
    }
    let meta_target = |cdx: &Cdx| {
        cdx.0["metadata"]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "cargo-sbom:target")
            .map(|p| p["value"].clone())
    };
    assert_eq!(meta_target(&windows), Some(Value::from(WINDOWS)));
    assert_eq!(meta_target(&linux), Some(Value::from(LINUX)));
}

#[test]
fn optional_dependencies_follow_the_features() {
    let fx = fixture();
    let default = fx.cdx(&[]);
    assert!(
        default.named("either").is_empty(),
        "`extra` is off by default"
    );
    assert_eq!(
        default.named("memchr").len(),
        1,
        "`search` is a default feature"
    );
    let app_features = property(default.root(), "cargo-sbom:features");
    assert_eq!(app_features, Some("default,search"));

    for flags in [
        &["--features", "extra"][..],
        &["--features", "app/extra"],
        &["-F", "extra,search"],
    ] {
        let cdx = fx.cdx(flags);
        assert_eq!(cdx.named("either").len(), 1, "either with {flags:?}");
    }
    let none = fx.cdx(&["--no-default-features"]);
    assert!(none.named("memchr").is_empty() && none.named("either").is_empty());
    assert_eq!(property(none.root(), "cargo-sbom:features"), None);
    let only_extra = fx.cdx(&["--no-default-features", "--features", "extra"]);
    assert!(only_extra.named("memchr").is_empty());
    assert_eq!(only_extra.named("either").len(), 1);
    let all = fx.cdx(&["--all-features"]);
    assert_eq!(all.named("memchr").len() + all.named("either").len(), 2);
}

fn usage(c: &Value) -> &str {
    property(c, "cargo-sbom:usage").unwrap_or("<none>")
}

#[test]
fn build_only_components_are_excluded_and_marked() {
    let fx = fixture();
    let cdx = fx.cdx(&[]);
    let build_only = [
        ("version_check", "0.9.5"),
        ("macros", "0.1.0"),
        ("unicode-ident", "1.0.27"),
    ];
    for (name, version) in build_only {
        let c = cdx.find(name, version);
        assert_eq!(c["scope"], "excluded", "{name}");
        assert_eq!(usage(c), "build", "{name}");
    }
    assert_eq!(
        property(cdx.find("macros", "0.1.0"), "cargo-sbom:proc-macro"),
        Some("true")
    );
    // itoa 1 is used by the proc-macro and by lib-a: it is in the runtime graph.
    let itoa = cdx
        .named("itoa")
        .into_iter()
        .find(|c| c["version"] == "1.0.19")
        .unwrap();
    assert_eq!(
        (itoa["scope"].as_str(), usage(itoa)),
        (Some("required"), "runtime")
    );
    for c in cdx.components() {
        let expected = if build_only.iter().any(|(n, _)| c["name"] == *n) {
            "build"
        } else {
            "runtime"
        };
        assert_eq!(usage(c), expected, "{}", c["name"]);
    }

    let spdx = fx.spdx(&[]);
    let relationships = spdx.relationships();
    let app = spdx.id_of("app", "0.3.0");
    for (name, from) in [("version_check", "app"), ("macros", "app")] {
        let id = spdx.id_of(name, build_only.iter().find(|(n, _)| *n == name).unwrap().1);
        let from = spdx.id_of(from, "0.3.0");
        assert!(
            relationships.contains(&(id.clone(), "BUILD_DEPENDENCY_OF".into(), from.clone())),
            "{name} BUILD_DEPENDENCY_OF app"
        );
        assert!(
            relationships.contains(&(from, "DEPENDS_ON".into(), id)),
            "app DEPENDS_ON {name}"
        );
    }
    assert_spdx_usage_matches_relationships(&spdx, &app);
}

/// In SPDX, the runtime closure of the root — `DEPENDS_ON` edges that are not also a
/// `BUILD_DEPENDENCY_OF` or `DEV_DEPENDENCY_OF` — must be exactly the packages whose comment
/// says `usage: runtime`: a consumer that reads the relationships gets the same answer as one
/// that reads our comments.
fn assert_spdx_usage_matches_relationships(spdx: &Spdx, root: &str) {
    let relationships = spdx.relationships();
    let not_runtime: BTreeSet<(String, String)> = relationships
        .iter()
        .filter(|(_, kind, _)| kind == "BUILD_DEPENDENCY_OF" || kind == "DEV_DEPENDENCY_OF")
        .map(|(dep, _, dependent)| (dependent.clone(), dep.clone()))
        .collect();
    let mut runtime = BTreeSet::from([root.to_owned()]);
    let mut queue = vec![root.to_owned()];
    while let Some(node) = queue.pop() {
        for (from, kind, to) in &relationships {
            if *from == node
                && kind == "DEPENDS_ON"
                && !not_runtime.contains(&(from.clone(), to.clone()))
                && runtime.insert(to.clone())
            {
                queue.push(to.clone());
            }
        }
    }
    let by_comment: BTreeSet<String> = spdx
        .packages()
        .iter()
        .filter(|p| {
            p["comment"]
                .as_str()
                .is_some_and(|c| c.starts_with("usage: runtime"))
        })
        .map(|p| p["SPDXID"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        runtime, by_comment,
        "runtime closure of the relationships vs `usage: runtime`"
    );
}

#[test]
fn no_build_deps_removes_build_only_components() {
    let fx = fixture();
    let full = fx.cdx(&["--include-dev"]);
    let runtime_or_dev: BTreeSet<Pkg> = full
        .all_components()
        .into_iter()
        .filter(|c| usage(c) != "build")
        .map(integration_tests::cdx_pkg)
        .collect();
    let pruned = fx.cdx(&["--include-dev", "--no-build-deps"]);
    assert_eq!(pruned.packages(), runtime_or_dev);
    for name in ["version_check", "macros", "unicode-ident"] {
        assert!(pruned.named(name).is_empty(), "{name} with --no-build-deps");
    }
    assert!(
        pruned
            .named("itoa")
            .iter()
            .any(|c| c["version"] == "1.0.19"),
        "itoa 1 is runtime"
    );
    // No dangling references.
    let refs: BTreeSet<String> = pruned
        .all_components()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap().to_owned())
        .collect();
    for (from, to) in pruned.dependencies() {
        assert!(refs.contains(&from), "{from}");
        assert!(to.is_subset(&refs), "{from} -> {to:?}");
    }
    let spdx = fx.spdx(&["--no-build-deps"]);
    assert!(
        !spdx
            .relationships()
            .iter()
            .any(|(_, kind, _)| kind == "BUILD_DEPENDENCY_OF")
    );
}

#[test]
fn dev_dependencies_only_with_include_dev() {
    let fx = fixture();
    assert!(fx.cdx(&[]).named("static_assertions").is_empty());
    assert!(
        fx.spdx(&[])
            .pkgs()
            .iter()
            .all(|p| p.name != "static_assertions")
    );
    let cdx = fx.cdx(&["--include-dev"]);
    let dev = cdx.find("static_assertions", "1.1.0");
    assert_eq!(
        (dev["scope"].as_str(), usage(dev)),
        (Some("excluded"), "dev")
    );
    let spdx = fx.spdx(&["--include-dev"]);
    let (dep, app) = (
        spdx.id_of("static_assertions", "1.1.0"),
        spdx.id_of("app", "0.3.0"),
    );
    assert!(
        spdx.relationships()
            .contains(&(dep, "DEV_DEPENDENCY_OF".into(), app.clone()))
    );
    assert_spdx_usage_matches_relationships(&spdx, &app);
}

/// `(name, version, origin)` of a cargo package id, in both the old (`name 1.0.0 (source)`)
/// and the new (`source#name@1.0.0`) form.
fn parse_package_id(id: &str) -> Pkg {
    let origin = |source: &str| {
        if source.starts_with("path+") {
            Origin::Path
        } else if source.starts_with("git+") {
            Origin::Git
        } else {
            Origin::Registry
        }
    };
    if let Some((source, fragment)) = id.split_once('#') {
        let (name, version) = match fragment.split_once('@') {
            Some((name, version)) => (name.to_owned(), version.to_owned()),
            None => (
                source.rsplit('/').next().unwrap_or_default().to_owned(),
                fragment.to_owned(),
            ),
        };
        return Pkg {
            name,
            version,
            origin: origin(source),
        };
    }
    let mut parts = id.splitn(3, ' ');
    let (name, version, source) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap_or(""),
    );
    Pkg {
        name: name.into(),
        version: version.into(),
        origin: origin(source.trim_start_matches('(')),
    }
}

#[test]
fn build_false_package_matches_a_real_build() {
    let fx = fixture();
    // cargo tree lists nobuild's build-dependency…
    assert!(fx.cargo_tree(&["-p", "nobuild"]).contains(&autocfg()));
    // …but a real build compiles nobuild alone (its build.rs would not even compile).
    let output = cargo()
        .current_dir(&fx.workspace)
        .args([
            "build",
            "--offline",
            "-p",
            "nobuild",
            "--message-format",
            "json",
        ])
        .arg("--target-dir")
        .arg(scratch_dir().join("target"))
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build -p nobuild: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let built: BTreeSet<Pkg> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" || m["reason"] == "build-script-executed")
        .filter_map(|m| m["package_id"].as_str().map(parse_package_id))
        .collect();
    assert_eq!(
        built,
        BTreeSet::from([Pkg {
            name: "nobuild".into(),
            version: "0.1.0".into(),
            origin: Origin::Path
        }])
    );
    assert_eq!(fx.cdx(&["-p", "nobuild"]).packages(), built);
    assert_eq!(fx.spdx(&["-p", "nobuild"]).pkgs(), built);
    assert!(
        fx.cdx(&["--workspace", "--all-features", "--include-dev"])
            .named("autocfg")
            .is_empty()
    );
}

/// Edges of `cargo tree --prefix depth` for the flags, as (dependent, dependency) pairs.
fn cargo_tree_edges(flags: &[&str]) -> BTreeSet<(Pkg, Pkg)> {
    let fx = fixture();
    let mut edges_kinds = "normal,build".to_owned();
    let mut args: Vec<String> = vec!["tree".into(), "--offline".into()];
    let mut target = fx.host.clone();
    let mut iter = flags.iter();
    while let Some(flag) = iter.next() {
        match *flag {
            "--include-dev" => edges_kinds.push_str(",dev"),
            "--target" => target = iter.next().unwrap().to_string(),
            other => args.push(other.to_owned()),
        }
    }
    args.extend(["--target".into(), target, "-e".into(), edges_kinds]);
    args.extend([
        "--prefix".into(),
        "depth".into(),
        "--format".into(),
        "{p}".into(),
    ]);
    let output = cargo()
        .current_dir(&fx.workspace)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut stack: Vec<Pkg> = Vec::new();
    let mut edges = BTreeSet::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        let depth: usize = line[..digits].parse().unwrap();
        let Some(pkg) = Pkg::from_cargo_tree(&line[digits..]) else {
            continue;
        };
        stack.truncate(depth);
        if let Some(parent) = stack.last() {
            edges.insert((parent.clone(), pkg.clone()));
        }
        stack.push(pkg);
    }
    edges
}

#[test]
fn every_edge_of_cargo_tree_is_in_the_sbom() {
    let fx = fixture();
    let mut failures = Vec::new();
    for flags in FLAG_COMBINATIONS {
        let mut expected = cargo_tree_edges(flags);
        // nobuild's build-dependency is never built (see `expected_packages`).
        expected.retain(|(_, to)| *to != autocfg());
        let cdx = fx.cdx(flags);
        let by_ref: BTreeMap<String, Pkg> = cdx
            .all_components()
            .into_iter()
            .map(|c| {
                (
                    c["bom-ref"].as_str().unwrap().to_owned(),
                    integration_tests::cdx_pkg(c),
                )
            })
            .collect();
        let cdx_edges: BTreeSet<(Pkg, Pkg)> = cdx
            .dependencies()
            .iter()
            .filter_map(|(from, to)| Some((by_ref.get(from)?, to)))
            .flat_map(|(from, to)| to.iter().map(|t| (from.clone(), by_ref[t].clone())))
            .collect();
        let spdx = fx.spdx(flags);
        let by_id: BTreeMap<String, Pkg> = spdx
            .packages()
            .iter()
            .filter_map(|p| {
                let purl = Spdx::purl(p)?;
                let pkg = Pkg::from_purl(p["name"].as_str()?, p["versionInfo"].as_str()?, purl);
                Some((p["SPDXID"].as_str()?.to_owned(), pkg))
            })
            .collect();
        let spdx_edges: BTreeSet<(Pkg, Pkg)> = spdx
            .relationships()
            .into_iter()
            .filter(|(_, kind, _)| kind == "DEPENDS_ON")
            .filter_map(|(from, _, to)| Some((by_id.get(&from)?.clone(), by_id.get(&to)?.clone())))
            .collect();
        for (name, edges) in [("CycloneDX", &cdx_edges), ("SPDX", &spdx_edges)] {
            if *edges != expected {
                let fmt = |set: BTreeSet<&(Pkg, Pkg)>| {
                    set.iter()
                        .map(|(a, b)| format!("  {a} -> {b}\n"))
                        .collect::<String>()
                };
                failures.push(format!(
                    "{flags:?} {name}: missing\n{}extra\n{}",
                    fmt(expected.difference(edges).collect()),
                    fmt(edges.difference(&expected).collect())
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
