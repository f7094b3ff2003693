//! Files Carnet writes: whole or not at all, private to their owner, never silently replacing
//! another file.
//!
//! Every file is first written under a temporary name beside its target ([`sibling`]), synced,
//! and only then moved into place ([`publish`]), so a crash or a full disk leaves either the
//! whole file or nothing at the target. The vault, backups, extracted attachments and every
//! page or code the programs save go through here.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A temporary name beside `target` (`<name>.<tag>-<random>`), in the same directory so the
/// final rename stays on one file system.
pub fn sibling(target: &Path, tag: &str) -> io::Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let mut tmp = name.to_os_string();
    tmp.push(format!(".{tag}-{}", uuid::Uuid::new_v4().simple()));
    Ok(target.with_file_name(tmp))
}

/// Makes a rename durable: syncs the directory that holds `path`.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => File::open(dir).and_then(|d| d.sync_all()),
        None => Ok(()),
    }
}

/// What to do when the target of a write already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse ([`io::ErrorKind::AlreadyExists`]) and leave it as it is: the default for
    /// everything Carnet writes.
    Refuse,
    /// Replace it, atomically: for an app that chose the path and asked for it.
    Replace,
}

/// Moves the finished file `tmp` to `target`, which must not exist
/// ([`io::ErrorKind::AlreadyExists`] otherwise), and makes the move durable.
pub fn publish(tmp: &Path, target: &Path) -> io::Result<()> {
    publish_as(tmp, target, Existing::Refuse)
}

fn publish_as(tmp: &Path, target: &Path, existing: Existing) -> io::Result<()> {
    if existing == Existing::Refuse && target.symlink_metadata().is_ok() {
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    std::fs::rename(tmp, target)?;
    sync_parent(target)
}

/// Creates `path` for writing, failing if anything (a file, a link) is already there; on Unix
/// only its owner may read it.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes a new file at `target` with `write`: under a temporary name, synced, then moved into
/// place. On any error, from `write` or the file system, nothing is left behind and an
/// existing `target` is never touched.
pub fn write_new<T, E: From<io::Error>>(
    target: &Path,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    write_file(target, Existing::Refuse, write)
}

/// [`write_new`], saying what to do with an existing `target`.
pub fn write_file<T, E: From<io::Error>>(
    target: &Path,
    existing: Existing,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    if existing == Existing::Refuse && target.symlink_metadata().is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists).into());
    }
    let tmp = sibling(target, "writing")?;
    let result = create_private(&tmp).map_err(E::from).and_then(|mut file| {
        let value = write(&mut file)?;
        file.sync_all()?;
        drop(file);
        publish_as(&tmp, target, existing)?;
        Ok(value)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_new_file_is_whole_or_absent_and_never_replaces_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let target = dir.path().join("out.txt");
        write_new::<_, io::Error>(&target, |f| f.write_all(b"complete")).unwrap_or_default();
        assert_eq!(std::fs::read(&target).ok(), Some(b"complete".to_vec()));
        // A second write is refused and leaves the first file as it was.
        let again = write_new::<_, io::Error>(&target, |f| f.write_all(b"other"));
        assert_eq!(
            again.map_err(|e| e.kind()),
            Err(io::ErrorKind::AlreadyExists)
        );
        assert_eq!(std::fs::read(&target).ok(), Some(b"complete".to_vec()));
        // A write that fails half way leaves nothing, not even its temporary file.
        let failed = dir.path().join("failed.txt");
        let outcome = write_new::<(), io::Error>(&failed, |f| {
            f.write_all(b"half")?;
            Err(io::ErrorKind::Interrupted.into())
        });
        assert!(outcome.is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(left, vec![std::ffi::OsString::from("out.txt")]);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let target = dir.path().join("secret.txt");
        write_new::<_, io::Error>(&target, |f| f.write_all(b"x")).unwrap_or_default();
        let mode = std::fs::metadata(&target).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }
}
