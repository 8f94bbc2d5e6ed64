//! The SLSA Provenance v1 predicate of a `cargo attest build` (DESIGN §4).
//!
//! * `buildDefinition.buildType`: [`BUILD_TYPE`].
//! * `externalParameters` (what the user asked): `source` (`git+URL@REF` and the commit, when
//!   the workspace is in a git repository), `workspace` (the workspace directory relative to the
//!   repository's work tree), `package` (one member) or `packages` (several), `profile`,
//!   `target`, `features` and `cargoArgs` (the cargo arguments as given; an absolute
//!   `--manifest-path` is made relative to the workspace root so no host path is recorded).
//! * `internalParameters` (what the builder chose): `rustc` (`rustc -vV` as a map, its first
//!   line under `version`), `cargo` (`cargo -V`), and `env`: the variables that change what is
//!   built and that are set (see [`build_env`]).
//! * `resolvedDependencies`: the source repository (`git+URL`, `gitCommit`, annotation
//!   `dirty`), `Cargo.lock` (sha256), the toolchain (`pkg:generic/rustc@RELEASE` and
//!   `pkg:generic/cargo@RELEASE` with their `gitCommit`), then every compiled crate (its purl,
//!   the `.crate` sha256 from `Cargo.lock` or a git crate's commit, name `NAME@VERSION`).
//! * `runDetails`: builder and invocation id from [`super::ci`]; `startedOn`/`finishedOn` from
//!   the clock, or both from `SOURCE_DATE_EPOCH` when it is set; `byproducts` = the SBOMs.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use cargo_sbom::digest::Sha256Hex;
use cargo_sbom::{ComponentSource, ResolvedGraph};
use serde_json::{Map, Value, json};

use super::cargo_build::CargoArgs;
use super::ci::BuilderInfo;
use crate::error::{Error, Result};
use crate::git::Source;
use crate::signing::statement::{
    BUILD_TYPE, BuildDefinition, BuildMetadata, Builder, Provenance, ResourceDescriptor, RunDetails,
};

/// The toolchain that ran the build, as its programs describe themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toolchain {
    /// `rustc -vV`: the first line under `version`, then its `key: value` lines.
    pub rustc: BTreeMap<String, String>,
    /// `cargo -vV`: the first line under `version`, then its `key: value` lines.
    pub cargo: BTreeMap<String, String>,
}

impl Toolchain {
    /// Asks `$RUSTC` (else `rustc`) and `$CARGO` (else `cargo`) for `-vV`, in the current
    /// directory (so a `rust-toolchain.toml` applies as it does to the build).
    pub fn query() -> Result<Self> {
        let rustc = cargo_sbom::cargo::rustc_program();
        Ok(Self {
            rustc: parse_verbose_version(&run_version(rustc)?),
            cargo: parse_verbose_version(&run_version(cargo_sbom::cargo::cargo_program())?),
        })
    }
}

fn run_version(program: OsString) -> Result<String> {
    let name = program.to_string_lossy().into_owned();
    let output = Command::new(&program).arg("-vV").output().map_err(|e| {
        Error::Usage(format!(
            "could not run `{name} -vV`: {}",
            crate::error::io_reason(&e)
        ))
    })?;
    if !output.status.success() {
        return Err(Error::Usage(format!(
            "`{name} -vV` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses `-vV` output: the first line under `version`, then every `key: value` line.
pub fn parse_verbose_version(text: &str) -> BTreeMap<String, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut map = BTreeMap::new();
    if let Some(first) = lines.next() {
        map.insert("version".to_owned(), first.to_owned());
    }
    for line in lines {
        if let Some((key, value)) = line.split_once(':') {
            map.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    map
}

/// Variables recorded by name when set: they change what cargo, rustc or a C compiler produce.
const BUILD_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_BOOTSTRAP",
    "RUSTC_LINKER",
    "CARGO_INCREMENTAL",
    "SOURCE_DATE_EPOCH",
    "CC",
    "CXX",
    "AR",
    "LD",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "ARFLAGS",
    "CRATE_CC_NO_DEFAULTS",
    "MACOSX_DEPLOYMENT_TARGET",
    "IPHONEOS_DEPLOYMENT_TARGET",
];

/// Prefixes of further recorded variables: cargo's build, profile and per-target settings, and
/// cc-rs's per-target compilers and flags (`CC_x86_64_unknown_linux_gnu`, `TARGET_CFLAGS`, …).
const BUILD_ENV_PREFIXES: &[&str] = &[
    "CARGO_BUILD_",
    "CARGO_PROFILE_",
    "CARGO_TARGET_",
    "CC_",
    "CXX_",
    "AR_",
    "CFLAGS_",
    "CXXFLAGS_",
    "LDFLAGS_",
    "TARGET_",
    "HOST_",
];

/// Variables that never change the output and would only record host paths.
const NOT_BUILD_ENV: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_JOBS",
];

/// Whether a variable's name suggests a secret (it is then never recorded or printed).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "CREDENTIAL",
        "PRIVATE",
        "AUTH",
        "KEY",
        "COOKIE",
        "SESSION",
    ]
    .iter()
    .any(|word| upper.contains(word))
}

/// The variables of `vars` that change the build (see `BUILD_ENV` and `BUILD_ENV_PREFIXES`),
/// sorted by name, leaving out anything whose name looks like a secret.
pub fn build_env(vars: impl IntoIterator<Item = (OsString, OsString)>) -> BTreeMap<String, String> {
    vars.into_iter()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .filter(|(name, _)| {
            (BUILD_ENV.contains(&name.as_str())
                || BUILD_ENV_PREFIXES.iter().any(|p| name.starts_with(p)))
                && !NOT_BUILD_ENV.contains(&name.as_str())
                && !is_secret_name(name)
        })
        .collect()
}

/// Everything the provenance of one build is made of.
#[derive(Debug)]
pub struct ProvenanceInput<'a> {
    /// The compiled graph (resolved and restricted to what cargo compiled).
    pub graph: &'a ResolvedGraph,
    /// What the cargo arguments select.
    pub cargo_args: &'a CargoArgs,
    /// The cargo arguments as recorded (see [`record_cargo_args`]).
    pub recorded_args: Vec<String>,
    /// The source repository, when the workspace is in one.
    pub source: Option<&'a Source>,
    /// The digest of `Cargo.lock`, when the workspace has one.
    pub lockfile: Option<Sha256Hex>,
    /// The toolchain.
    pub toolchain: &'a Toolchain,
    /// The build environment ([`build_env`]).
    pub env: BTreeMap<String, String>,
    /// The builder.
    pub builder: &'a BuilderInfo,
    /// RFC 3339 start time.
    pub started_on: String,
    /// RFC 3339 end time.
    pub finished_on: String,
    /// The SBOM files.
    pub byproducts: Vec<ResourceDescriptor>,
}

/// The cargo arguments as given, except that an absolute `--manifest-path` (or a custom target
/// given as an absolute `.json` path) is written relative to the workspace root.
pub fn record_cargo_args(args: &[String], workspace_root: &Path) -> Vec<String> {
    let relative = |value: &str| {
        let path = Path::new(value);
        if path.is_absolute() {
            cargo_sbom::graph::relative_path(path, workspace_root)
        } else {
            value.to_owned()
        }
    };
    let mut out = Vec::with_capacity(args.len());
    let mut previous: Option<&str> = None;
    for arg in args {
        let recorded = match previous {
            Some("--manifest-path") => relative(arg),
            Some("--target") if arg.ends_with(".json") => relative(arg),
            _ => match arg.split_once('=') {
                Some((flag @ "--manifest-path", value)) => format!("{flag}={}", relative(value)),
                Some((flag @ "--target", value)) if value.ends_with(".json") => {
                    format!("{flag}={}", relative(value))
                }
                _ => arg.clone(),
            },
        };
        out.push(recorded);
        previous = Some(arg.as_str());
    }
    out
}

/// The provenance predicate.
pub fn predicate(input: &ProvenanceInput<'_>) -> Provenance {
    let graph = input.graph;
    let mut external = Map::new();
    if let Some(source) = input.source {
        let mut object = Map::new();
        if let Some(uri) = source.uri_with_ref() {
            object.insert("uri".into(), Value::String(uri));
        }
        object.insert("digest".into(), json!({"gitCommit": source.commit}));
        external.insert("source".into(), Value::Object(object));
        if let Some(path) = &source.path_in_repository {
            external.insert("workspace".into(), Value::String(path.clone()));
        }
    }
    let mut members: Vec<String> = graph
        .roots()
        .iter()
        .map(|r| graph.component(*r).name.clone())
        .collect();
    members.sort();
    members.dedup();
    match members.as_slice() {
        [one] => external.insert("package".into(), Value::String(one.clone())),
        many => external.insert("packages".into(), json!(many)),
    };
    external.insert(
        "profile".into(),
        Value::String(input.cargo_args.profile.clone()),
    );
    external.insert("target".into(), Value::String(graph.target.clone()));
    let features = &input.cargo_args.features;
    let mut requested: Vec<&str> = features
        .features
        .iter()
        .flat_map(|f| f.split([',', ' ']))
        .filter(|f| !f.is_empty())
        .collect();
    requested.sort_unstable();
    requested.dedup();
    external.insert(
        "features".into(),
        json!({
            "requested": requested,
            "allFeatures": features.all_features,
            "noDefaultFeatures": features.no_default_features,
        }),
    );
    external.insert("cargoArgs".into(), json!(input.recorded_args));

    let internal = json!({
        "rustc": input.toolchain.rustc,
        "cargo": input.toolchain.cargo.get("version").cloned().unwrap_or_default(),
        "env": input.env,
    });

    Provenance {
        build_definition: BuildDefinition {
            build_type: BUILD_TYPE.to_owned(),
            external_parameters: Value::Object(external),
            internal_parameters: internal,
            resolved_dependencies: resolved_dependencies(input),
        },
        run_details: RunDetails {
            builder: Builder {
                id: input.builder.id.clone(),
                version: input.builder.version.clone(),
                builder_dependencies: Vec::new(),
            },
            metadata: Some(BuildMetadata {
                invocation_id: input.builder.invocation_id.clone(),
                started_on: Some(input.started_on.clone()),
                finished_on: Some(input.finished_on.clone()),
            }),
            byproducts: input.byproducts.clone(),
        },
    }
}

fn resolved_dependencies(input: &ProvenanceInput<'_>) -> Vec<ResourceDescriptor> {
    let mut out = Vec::new();
    if let Some(source) = input.source {
        let mut annotations = Map::new();
        annotations.insert("dirty".into(), Value::Bool(source.dirty));
        let uri = source.uri();
        out.push(ResourceDescriptor {
            name: uri.is_none().then(|| "source".to_owned()),
            uri,
            digest: BTreeMap::from([("gitCommit".to_owned(), source.commit.clone())]),
            annotations,
            ..ResourceDescriptor::default()
        });
    }
    if let Some(lockfile) = &input.lockfile {
        out.push(ResourceDescriptor::file("Cargo.lock", lockfile.as_str()));
    }
    for (tool, info) in [
        ("rustc", &input.toolchain.rustc),
        ("cargo", &input.toolchain.cargo),
    ] {
        let Some(release) = info.get("release") else {
            continue;
        };
        let digest = info
            .get("commit-hash")
            .filter(|c| c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|c| BTreeMap::from([("gitCommit".to_owned(), c.to_ascii_lowercase())]))
            .unwrap_or_default();
        out.push(ResourceDescriptor {
            name: Some(tool.to_owned()),
            uri: Some(format!("pkg:generic/{tool}@{release}")),
            digest,
            ..ResourceDescriptor::default()
        });
    }
    for component in input.graph.components() {
        let mut digest = BTreeMap::new();
        if let Some(sha256) = &component.sha256 {
            digest.insert("sha256".to_owned(), sha256.as_str().to_owned());
        }
        if let ComponentSource::Git { commit, .. } = &component.source {
            digest.insert("gitCommit".to_owned(), commit.clone());
        }
        out.push(ResourceDescriptor {
            name: Some(format!("{}@{}", component.name, component.version)),
            uri: Some(component.purl.clone()),
            digest,
            ..ResourceDescriptor::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rustc_verbose_version() {
        let map = parse_verbose_version(
            "rustc 1.91.0 (f8297e351 2025-10-28)\nbinary: rustc\ncommit-hash: f8297e351a40c1439a467bbbb6879088047f50b3\nhost: x86_64-unknown-linux-gnu\nrelease: 1.91.0\nLLVM version: 21.1.2\n",
        );
        assert_eq!(map["version"], "rustc 1.91.0 (f8297e351 2025-10-28)");
        assert_eq!(map["release"], "1.91.0");
        assert_eq!(map["LLVM version"], "21.1.2");
    }

    #[test]
    fn records_only_build_env_and_never_secrets() {
        let vars = [
            ("RUSTFLAGS", "-C target-cpu=native"),
            ("CARGO_PROFILE_RELEASE_LTO", "true"),
            ("CARGO_TARGET_DIR", "/home/me/target"),
            ("CARGO_REGISTRY_TOKEN", "secret"),
            ("CARGO_BUILD_RUSTC_WRAPPER_TOKEN", "secret"),
            ("HOME", "/home/me"),
            ("CC_x86_64_unknown_linux_gnu", "clang"),
            ("CARGO_ATTEST_PASSWORD", "secret"),
            ("SOURCE_DATE_EPOCH", "1700000000"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = build_env(vars);
        let names: Vec<&str> = env.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "CARGO_PROFILE_RELEASE_LTO",
                "CC_x86_64_unknown_linux_gnu",
                "RUSTFLAGS",
                "SOURCE_DATE_EPOCH"
            ]
        );
    }

    #[test]
    fn absolute_manifest_paths_become_relative() {
        let args: Vec<String> = [
            "--manifest-path",
            "/ws/app/Cargo.toml",
            "--manifest-path=/ws/Cargo.toml",
            "--release",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            record_cargo_args(&args, Path::new("/ws")),
            [
                "--manifest-path",
                "app/Cargo.toml",
                "--manifest-path=Cargo.toml",
                "--release"
            ]
        );
    }
}
