//! `cargo xtask bench-hooks`: what `build-hooks` costs a user's build.
//!
//! Each application under `xtask/bench-apps/` is copied twice into the bench directory: as it
//! is, and with the two-line `build.rs` of the README plus `build-hooks` as a build-dependency
//! (by path, from this workspace). In one run, for each copy: a clean `cargo build --release`
//! (fresh target directory, crates already fetched, `--offline`), a rebuild with nothing
//! changed, and a rebuild after touching `src/main.rs`, each timed (wall and CPU); then the
//! release binary's size and, from cargo's `--timings` report, how long the build script ran.
//!
//! The variants are built one after the other, on the same machine, with the same cargo home,
//! so their difference is the hook's: compiling its dependency tree (the bulk of a clean build),
//! running it, and the sections it adds to the binary.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::{Args, ValueEnum};

use crate::measure::{self, Measured};

/// `cargo xtask bench-hooks` arguments.
#[derive(Args, Debug)]
pub struct BenchHooksArgs {
    /// Which applications to build (default: every one).
    #[arg(long, value_enum)]
    only: Vec<App>,
    /// Where the copies and their target directories go (default: target/bench-hooks).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The applications of `xtask/bench-apps/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum App {
    /// A command-line tool: clap, serde, serde_json, regex, walkdir, anyhow.
    Cli,
    /// An HTTP service: tokio, axum, reqwest with rustls, tracing, clap, serde.
    Service,
}

impl App {
    const ALL: [App; 2] = [App::Cli, App::Service];

    fn dir_name(self) -> &'static str {
        match self {
            App::Cli => "cli",
            App::Service => "service",
        }
    }

    fn package(self) -> &'static str {
        match self {
            App::Cli => "bench-cli",
            App::Service => "bench-service",
        }
    }
}

/// The `build.rs` a user adds (README, "Build hooks").
const BUILD_RS: &str = "fn main() {
    build_hooks::Sbom::from_env().embed().write().unwrap();
    build_hooks::Policy::from_env().enforce().unwrap();
}
";

/// One variant's figures.
struct Figures {
    clean: Measured,
    no_change: Measured,
    touched: Measured,
    binary_bytes: u64,
    /// How long the build script ran in the clean build, from cargo's timings report.
    hook_run: Option<Duration>,
    /// Units cargo compiled in the clean build.
    units: usize,
}

/// Runs the benchmark and prints its report.
pub fn run(args: &BenchHooksArgs) -> Result<()> {
    let root = crate::workspace_root();
    let cargo = crate::cargo();
    let bench_dir = args
        .dir
        .clone()
        .unwrap_or_else(|| root.join("target/bench-hooks"));
    let apps: Vec<App> = if args.only.is_empty() {
        App::ALL.to_vec()
    } else {
        App::ALL
            .into_iter()
            .filter(|a| args.only.contains(a))
            .collect()
    };
    let mut report = String::new();
    let _ = writeln!(
        report,
        "build-hooks overhead on a clean `cargo build --release` ({} cores, load before: {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        crate::bench::load_average()
    );
    let _ = writeln!(
        report,
        "{}",
        crate::bench::version(&cargo, &["--version"]).trim()
    );
    for app in apps {
        let source = root.join("xtask/bench-apps").join(app.dir_name());
        let plain = bench_dir.join(app.dir_name()).join("plain");
        let hooked = bench_dir.join(app.dir_name()).join("hooked");
        copy_app(&source, &plain)?;
        copy_app(&source, &hooked)?;
        add_hooks(&hooked, &root.join("build-hooks"))?;
        // Downloads happen here, not in the timed builds.
        fetch(&cargo, &plain, true)?;
        fetch(&cargo, &hooked, false)?;
        eprintln!(
            "==> {}: clean release build without the hooks",
            app.package()
        );
        let without = measure_variant(&cargo, &plain, app)?;
        eprintln!("==> {}: clean release build with the hooks", app.package());
        let with = measure_variant(&cargo, &hooked, app)?;
        write_app_report(&mut report, app, &without, &with);
    }
    print!("{report}");
    Ok(())
}

/// Copies the application's manifest, lockfile and sources to `to` (replacing what was there,
/// target directory included).
fn copy_app(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("removing {}", to.display()))?;
    }
    std::fs::create_dir_all(to.join("src"))?;
    for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        std::fs::copy(from.join(file), to.join(file))
            .with_context(|| format!("copying {}", from.join(file).display()))?;
    }
    Ok(())
}

/// Turns the copy at `dir` into what a user has after following the README.
fn add_hooks(dir: &Path, build_hooks: &Path) -> Result<()> {
    let manifest = dir.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest)?;
    let path = build_hooks
        .to_str()
        .context("the workspace path is not UTF-8")?;
    let _ = write!(
        text,
        "\n[build-dependencies]\nbuild-hooks = {{ path = {path:?} }}\n"
    );
    // The manifest ends with the `[workspace]` table; a table after it is still the package's.
    std::fs::write(&manifest, text)?;
    std::fs::write(dir.join("build.rs"), BUILD_RS)?;
    Ok(())
}

/// Fetches every crate; with `locked`, the committed lockfile must be complete (the hooked copy
/// adds build-hooks' own dependencies to it, keeping the application's versions).
fn fetch(cargo: &OsString, dir: &Path, locked: bool) -> Result<()> {
    let mut command = Command::new(cargo);
    command.args(["fetch", "--quiet"]).current_dir(dir);
    if locked {
        command.arg("--locked");
    }
    let status = command.status()?;
    ensure!(status.success(), "cargo fetch failed in {}", dir.display());
    Ok(())
}

fn cargo_build(cargo: &OsString, dir: &Path, timings: bool) -> Result<Measured> {
    let mut command = Command::new(cargo);
    command
        .args(["build", "--release", "--locked", "--offline"])
        .current_dir(dir)
        // The hooks' own target directory and the user's are one: no CARGO_TARGET_DIR from
        // the environment of this run.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    if timings {
        command.arg("--timings");
    }
    measure::run(&mut command, |status, _, _| status.success())
}

fn measure_variant(cargo: &OsString, dir: &Path, app: App) -> Result<Figures> {
    let target = dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    let clean = cargo_build(cargo, dir, true)?;
    let units = String::from_utf8_lossy(&clean.stderr)
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();
    let hook_run = hook_run_time(&target.join("cargo-timings/cargo-timing.html"), app);
    let no_change = cargo_build(cargo, dir, false)?;
    let main_rs = dir.join("src/main.rs");
    let text = std::fs::read(&main_rs)?;
    std::fs::write(&main_rs, text)?;
    let touched = cargo_build(cargo, dir, false)?;
    let binary = target.join("release").join(app.package());
    let binary_bytes = std::fs::metadata(&binary)
        .with_context(|| format!("no binary at {}", binary.display()))?
        .len();
    Ok(Figures {
        clean,
        no_change,
        touched,
        binary_bytes,
        hook_run,
        units,
    })
}

/// The duration of the application's `run-custom-build` unit in cargo's timings report (the
/// `UNIT_DATA` array of the HTML page; its layout is cargo's, so a change there only loses this
/// one figure).
fn hook_run_time(report: &Path, app: App) -> Option<Duration> {
    let html = std::fs::read_to_string(report).ok()?;
    let start = html.find("const UNIT_DATA = ")? + "const UNIT_DATA = ".len();
    let end = start + html[start..].find(";\n")?;
    let units: serde_json::Value = serde_json::from_str(&html[start..end]).ok()?;
    units.as_array()?.iter().find_map(|unit| {
        let name = unit.get("name")?.as_str()?;
        let mode = unit.get("mode")?.as_str()?;
        (name == app.package() && mode == "run-custom-build")
            .then(|| unit.get("duration")?.as_f64())
            .flatten()
            .map(Duration::from_secs_f64)
    })
}

fn write_app_report(report: &mut String, app: App, without: &Figures, with: &Figures) {
    let seconds = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let ratio = |a: Duration, b: Duration| {
        if a.is_zero() {
            "-".to_owned()
        } else {
            format!(
                "{:+.1} %",
                (b.as_secs_f64() / a.as_secs_f64() - 1.0) * 100.0
            )
        }
    };
    let _ = writeln!(report, "\n{} ({}):", app.package(), app_description(app));
    let _ = writeln!(
        report,
        "  {:<34} {:>12} {:>12} {:>10}",
        "", "without", "with hooks", "added"
    );
    let rows = [
        ("clean build, wall", without.clean.wall, with.clean.wall),
        (
            "clean build, CPU (user+sys)",
            without.clean.cpu,
            with.clean.cpu,
        ),
        (
            "rebuild, nothing changed, wall",
            without.no_change.wall,
            with.no_change.wall,
        ),
        (
            "rebuild, src/main.rs touched, wall",
            without.touched.wall,
            with.touched.wall,
        ),
    ];
    for (label, a, b) in rows {
        let _ = writeln!(
            report,
            "  {label:<34} {:>12} {:>12} {:>10}",
            seconds(a),
            seconds(b),
            ratio(a, b)
        );
    }
    let _ = writeln!(
        report,
        "  {:<34} {:>12} {:>12} {:>10}",
        "units compiled (clean)",
        without.units,
        with.units,
        format!("{:+}", with.units as i64 - without.units as i64)
    );
    let _ = writeln!(
        report,
        "  {:<34} {:>12} {:>12} {:>10}",
        "release binary",
        format!("{} KiB", without.binary_bytes / 1024),
        format!("{} KiB", with.binary_bytes / 1024),
        format!(
            "{:+} KiB",
            (with.binary_bytes as i64 - without.binary_bytes as i64) / 1024
        )
    );
    let _ = writeln!(
        report,
        "  {:<34} {:>12} {:>12}",
        "build script run (SBOM + policy)",
        "-",
        with.hook_run.map_or_else(|| "?".to_owned(), seconds)
    );
}

fn app_description(app: App) -> &'static str {
    match app {
        App::Cli => "clap, serde, serde_json, regex, walkdir, anyhow",
        App::Service => "tokio, axum, reqwest + rustls, tower-http, tracing, clap, serde",
    }
}
