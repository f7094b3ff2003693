//! `cargo bench -p carnet-vault-bench`: the Carnet vault against plain SQLite and SQLCipher on
//! the same 10,000-record workload. A benchmark, not a test: it prints figures and asserts
//! nothing about time. See `bench/README.md`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and any filter); this harness has nothing to filter.
    let run = carnet_vault_bench::Config::from_env().and_then(|c| carnet_vault_bench::run(&c));
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vault_vs_sqlite: {e}");
            ExitCode::FAILURE
        }
    }
}
