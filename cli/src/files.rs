//! The files the program reads and writes for the person at the terminal: inputs named on the
//! command line, QR codes written as PNG or SVG, pages and extracted attachments.

use crate::exit::CliError;
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

pub fn open_input(path: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path).map_err(|e| cannot_read(path, &e))
}

pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| cannot_read(path, &e))
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

/// Writes bytes the person asked for (a page, a code) to `out`.
pub fn write_output(out: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(out, bytes)
        .map_err(|e| CliError::other(format!("cannot write {}: {}", out.display(), e.kind())))
}

/// Writes a QR code as PNG or SVG, by the file's extension.
pub fn write_code(matrix: &QrMatrix, out: &Path) -> Result<(), CliError> {
    let is_svg = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let bytes = if is_svg {
        matrix.to_svg().into_bytes()
    } else {
        matrix.to_png(8)
    };
    write_output(out, &bytes)
}

/// Encodes `text` (at most `max_version`) and writes it as PNG or SVG, by the extension.
pub fn write_code_text(text: &str, max_version: i16, out: &Path) -> Result<(), CliError> {
    write_code(&QrMatrix::encode(text, max_version)?, out)
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
