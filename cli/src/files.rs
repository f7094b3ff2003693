//! The files the program reads and writes for the person at the terminal: inputs named on the
//! command line, QR codes written as PNG or SVG, pages and extracted attachments.

use crate::exit::CliError;
use carnet_core::files::Existing;
use carnet_core::qr::{self, QrMatrix};
use std::path::{Path, PathBuf};

/// Largest record or letter file read: a record is text, not a scan (scans go through
/// `attach`).
pub const MAX_RECORD_FILE: u64 = 1024 * 1024;

pub fn file_name(path: &Path) -> Result<String, CliError> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::usage(format!("{} has no file name", path.display())))
}

fn cannot_read(path: &Path, e: &std::io::Error) -> CliError {
    CliError::not_found(format!("cannot read {}: {}", path.display(), e.kind()))
}

/// Largest image, certificate or other input file read whole.
pub const MAX_INPUT_FILE: u64 = 64 * 1024 * 1024;

/// Opens a file named on the command line: a regular file only (a device such as `/dev/zero`
/// or a pipe would never end, or never start).
pub fn open_input(path: &Path) -> Result<std::fs::File, CliError> {
    let file = std::fs::File::open(path).map_err(|e| cannot_read(path, &e))?;
    let meta = file.metadata().map_err(|e| cannot_read(path, &e))?;
    if !meta.is_file() {
        return Err(CliError::invalid(format!(
            "{} is not a regular file (a directory, a device or a pipe?)",
            path.display()
        )));
    }
    Ok(file)
}

/// Reads a file named on the command line, of at most [`MAX_INPUT_FILE`] bytes.
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    open_input(path)?
        .take(MAX_INPUT_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot_read(path, &e))?;
    if bytes.len() as u64 > MAX_INPUT_FILE {
        return Err(CliError::invalid(format!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_INPUT_FILE / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Reads a small text file, refusing anything larger than a record can be.
pub fn read_text_limited(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let file = open_input(path)?;
    let mut text = String::new();
    file.take(MAX_RECORD_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|_| CliError::invalid(format!("{} is not UTF-8 text", path.display())))?;
    if text.len() as u64 > MAX_RECORD_FILE {
        return Err(CliError::invalid(format!(
            "{} is larger than 1 MiB; attach large files with `carnet attach`",
            path.display()
        )));
    }
    Ok(text)
}

/// The texts of every QR code in the images at `paths`, in order.
pub fn read_codes(paths: &[PathBuf]) -> Result<Vec<String>, CliError> {
    let mut texts = Vec::new();
    for path in paths {
        let bytes = read_input(path)?;
        texts.extend(qr::scan::read_image(&bytes).map_err(|e| CliError::from(e).context(path))?);
    }
    Ok(texts)
}

pub fn guess_media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("heic") => "image/heic",
        Some("tif" | "tiff") => "image/tiff",
        Some("txt") => "text/plain",
        Some("xml") => "application/xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Writes bytes the person asked for (a page, a code) to `out`: whole or not at all, readable by
/// its owner only, and over an existing file or link only when `existing` says so (`--force`).
pub fn write_output(out: &Path, bytes: &[u8], existing: Existing) -> Result<(), CliError> {
    use std::io::Write;
    carnet_core::files::write_file(out, existing, |f| f.write_all(bytes)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::invalid(format!(
                "{} already exists; choose another path, or --force to replace it",
                out.display()
            ))
        } else {
            CliError::other(format!("cannot write {}: {}", out.display(), e.kind()))
        }
    })
}

/// A directory of Carnet's own (a share's frames, the doctor's sessions): created, readable by
/// its owner only, when absent; an existing one is used only if everything in it is `ours`
/// (so a wrong `--frames` or `--state` never mixes with, or deletes, someone's files), and its
/// permissions are left as they are. Returns the files in it that are ours.
pub fn own_dir(dir: &Path, ours: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, CliError> {
    match std::fs::symlink_metadata(dir) {
        Err(_) => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(dir)?;
            Ok(Vec::new())
        }
        Ok(meta) if meta.is_dir() => {
            let mut mine = Vec::new();
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_file = entry.file_type().is_ok_and(|t| t.is_file());
                if !(is_file && ours(&name)) {
                    return Err(CliError::invalid(format!(
                        "{} holds files Carnet did not write ({name}); choose an empty or new directory",
                        dir.display()
                    )));
                }
                mine.push(entry.path());
            }
            Ok(mine)
        }
        Ok(_) => Err(CliError::invalid(format!(
            "{} is not a directory",
            dir.display()
        ))),
    }
}

/// Writes a QR code as PNG or SVG, by the file's extension.
pub fn write_code(matrix: &QrMatrix, out: &Path, existing: Existing) -> Result<(), CliError> {
    let is_svg = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let bytes = if is_svg {
        matrix.to_svg().into_bytes()
    } else {
        matrix.to_png(8)
    };
    write_output(out, &bytes, existing)
}

/// Encodes `text` (at most `max_version`) and writes it as PNG or SVG, by the extension.
pub fn write_code_text(
    text: &str,
    max_version: i16,
    out: &Path,
    existing: Existing,
) -> Result<(), CliError> {
    write_code(&QrMatrix::encode(text, max_version)?, out, existing)
}

/// Reads a record file (the JSON form of `carnet_core::model::RecordBody`, documented in
/// `examples/README.md`). Errors say where and what, never echo the content.
pub fn read_record_file(path: &Path) -> Result<carnet_core::model::RecordBody, CliError> {
    let text = read_text_limited(path)?;
    serde_json::from_str(&text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "is not valid JSON"
            }
            _ => "does not match the record format (see examples/ and the README)",
        };
        CliError::invalid(format!(
            "{} {what} (line {}, column {})",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}
