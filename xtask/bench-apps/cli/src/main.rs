//! Lists the files under a directory whose names match a pattern, as JSON.

use anyhow::{Context, Result};
use clap::Parser;
use regex::Regex;
use serde::Serialize;

#[derive(Parser)]
struct Args {
    /// The pattern file names must match.
    pattern: String,
    /// Where to look.
    #[arg(default_value = ".")]
    dir: std::path::PathBuf,
}

#[derive(Serialize)]
struct Hit {
    path: String,
    bytes: u64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let pattern = Regex::new(&args.pattern).context("invalid pattern")?;
    let mut hits = Vec::new();
    for entry in walkdir::WalkDir::new(&args.dir) {
        let entry = entry?;
        if pattern.is_match(&entry.file_name().to_string_lossy()) {
            hits.push(Hit {
                path: entry.path().display().to_string(),
                bytes: entry.metadata()?.len(),
            });
        }
    }
    println!("{}", serde_json::to_string_pretty(&hits)?);
    Ok(())
}
