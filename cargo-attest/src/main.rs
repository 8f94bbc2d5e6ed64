//! `cargo attest`: keys, signed provenance of real builds, signing and verification, the SSDF
//! policy gate, releases and the SSDF report. The commands are thin handlers over the
//! `cargo_attest` library ([`cli`]); exit codes are [`cargo_attest::error::exit`].

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
