//! cargo-auditable's `.dep-v0` data: the JSON of auditable-serde's `VersionInfo`, so that
//! `cargo audit bin`, syft and trivy read our binaries.
//!
//! ```json
//! {"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1],"root":true},
//!              {"name":"itoa","version":"1.0.19","source":"crates.io"},
//!              {"name":"cc","version":"1.2.0","source":"crates.io","kind":"build"}]}
//! ```
//!
//! As auditable-serde writes it: `kind` is left out for `runtime`, `dependencies` when empty and
//! `root` when false; `dependencies` are indices into `packages`. Dev-only components are not
//! listed (they are not in the binary, and dev-dependency edges may form cycles, which
//! auditable-serde rejects).

use serde_json::{Map, Value, json};

use cargo_sbom::{ComponentSource, ResolvedGraph, Usage};

/// The `.dep-v0` JSON of `graph` (uncompressed).
pub fn render(graph: &ResolvedGraph) -> Vec<u8> {
    let roots = graph.roots();
    // Component index → package index, for the components listed.
    let mut index = vec![None; graph.components().len()];
    let mut listed = Vec::new();
    for (id, component) in graph.iter() {
        if component.usage != Usage::Dev {
            index[id.index()] = Some(listed.len());
            listed.push(id);
        }
    }
    let packages: Vec<Value> = listed
        .iter()
        .map(|&id| {
            let component = graph.component(id);
            let mut package = Map::new();
            package.insert("name".into(), json!(component.name));
            package.insert("version".into(), json!(component.version));
            package.insert("source".into(), json!(source(&component.source)));
            if component.usage == Usage::Build {
                package.insert("kind".into(), json!("build"));
            }
            let mut deps: Vec<usize> = graph
                .dependencies(id)
                .iter()
                .filter_map(|(to, _)| index[to.index()])
                .collect();
            deps.sort_unstable();
            deps.dedup();
            if !deps.is_empty() {
                package.insert("dependencies".into(), json!(deps));
            }
            // auditable-serde allows one root: the package being built.
            if roots.first() == Some(&id) {
                package.insert("root".into(), json!(true));
            }
            Value::Object(package)
        })
        .collect();
    serde_json::to_vec(&json!({ "packages": packages })).unwrap_or_default()
}

/// auditable-serde's `Source`.
fn source(source: &ComponentSource) -> &'static str {
    match source {
        ComponentSource::Workspace { .. } | ComponentSource::Path { .. } => "local",
        ComponentSource::Registry {
            crates_io: true, ..
        } => "crates.io",
        ComponentSource::Registry { .. } => "registry",
        ComponentSource::Git { .. } => "git",
    }
}
