//! `cargo attest`.

fn main() {}
