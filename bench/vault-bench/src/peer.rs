//! The SQLCipher peer: a separate binary in its own workspace (`bench/sqlcipher-peer`), so that
//! its `bundled-sqlcipher` feature never reaches the SQLite this workspace links. It is built
//! on demand into this workspace's target directory and run as a child process; it prints its
//! [`EngineReport`] as JSON on stdout.

use crate::BenchError;
use carnet_sql_workload::EngineReport;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Environment variable naming a prebuilt peer binary; set, it is used as is, never rebuilt.
pub const PEER_ENV: &str = "CARNET_SQLCIPHER_PEER";

const PEER_NAME: &str = "carnet-sqlcipher-peer";

/// `bench/sqlcipher-peer/Cargo.toml`, found from this crate's own manifest directory.
pub fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("sqlcipher-peer")
        .join("Cargo.toml")
}

/// The workspace's target directory: the bench binary runs from `<target>/<profile>/deps/`.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .filter(|dir| dir.join("CACHEDIR.TAG").exists() || dir.join("release").is_dir())
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("..")
                .join("target")
        })
}

/// The peer binary: the one named by [`PEER_ENV`], or the one `cargo build --release` makes
/// (and brings up to date: a no-op when nothing changed) in the workspace's target directory.
pub fn locate_or_build() -> Result<PathBuf, BenchError> {
    if let Some(path) = std::env::var_os(PEER_ENV) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(BenchError::Bench(format!(
                "{PEER_ENV}={} is not a file",
                path.display()
            )))
        };
    }
    let target = target_dir();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "building the SQLCipher peer ({} --release; the first build compiles SQLCipher and \
         links the system OpenSSL: see bench/install-deps.sh)",
        manifest().display()
    );
    let status = Command::new(&cargo)
        .arg("build")
        .arg("--release")
        .arg("--manifest-path")
        .arg(manifest())
        .arg("--target-dir")
        .arg(&target)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| BenchError::Bench(format!("could not run cargo: {e}")))?;
    if !status.success() {
        return Err(BenchError::Bench(format!(
            "cargo build of the peer failed ({status}); is libssl-dev installed? \
             (bench/install-deps.sh)"
        )));
    }
    let binary = target
        .join("release")
        .join(format!("{PEER_NAME}{}", std::env::consts::EXE_SUFFIX));
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(BenchError::Bench(format!(
            "the peer was built but {} is missing",
            binary.display()
        )))
    }
}

/// Runs the peer on a workload file; its databases go under `dir`.
pub fn run(binary: &Path, workload: &Path, dir: &Path) -> Result<EngineReport, BenchError> {
    let output = Command::new(binary)
        .arg(workload)
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| BenchError::Bench(format!("could not run {}: {e}", binary.display())))?;
    if !output.status.success() {
        return Err(BenchError::Bench(format!(
            "{} failed ({})",
            binary.display(),
            output.status
        )));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| BenchError::Bench(format!("unreadable peer report: {e}")))
}
