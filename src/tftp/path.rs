//! Mapping a requested file name to a path under the server's root
//! directory (LocalDir) without letting it escape, and writing uploads
//! atomically.
//!
//! RFC 1350 "Security Considerations" and RFC 1123 §4.2.3.4 ask a server to
//! control which path names are allowed. The policy here:
//! - the name must be relative, `/`-separated segments, each non-empty and
//!   neither `.` nor `..`; no NUL and no backslash (a Windows separator that
//!   could smuggle `..\`);
//! - after following symlinks, the file (read) or its directory (write) must
//!   still be inside the canonical root.
//!
//! Every refusal is TFTP error 2 (Access violation); a missing file is
//! error 1. Resolution is check-then-use: a local user able to swap
//! symlinks inside the root between the check and the open can still race
//! it. That needs `openat2(RESOLVE_BENEATH)`-style opening and is left to
//! the I/O layer.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::packet::{errcode, TftpError};

fn access(message: impl Into<String>) -> TftpError {
    TftpError::new(errcode::ACCESS_VIOLATION, message)
}

/// The TFTP error for a failed file operation: not found → 1, permission
/// denied → 2, disk full / quota / file too large → 3, already exists → 6,
/// else 0 with the OS message.
pub fn tftp_error_for_io(e: &io::Error) -> TftpError {
    if let Some(errno) = e.raw_os_error() {
        // EFBIG: the file would pass RLIMIT_FSIZE or the file system's
        // largest file — "allocation exceeded" as much as a full disk.
        if errno == libc::ENOSPC || errno == libc::EDQUOT || errno == libc::EFBIG {
            return TftpError::new(errcode::DISK_FULL, errcode::text(errcode::DISK_FULL));
        }
    }
    match e.kind() {
        io::ErrorKind::NotFound => TftpError::new(errcode::FILE_NOT_FOUND, errcode::text(errcode::FILE_NOT_FOUND)),
        io::ErrorKind::PermissionDenied => access(errcode::text(errcode::ACCESS_VIOLATION)),
        io::ErrorKind::AlreadyExists => TftpError::new(errcode::FILE_EXISTS, errcode::text(errcode::FILE_EXISTS)),
        _ => TftpError::new(errcode::NOT_DEFINED, e.to_string()),
    }
}

#[cfg(unix)]
fn os_name(name: &[u8]) -> Result<&OsStr, TftpError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(OsStr::from_bytes(name))
}

#[cfg(not(unix))]
fn os_name(name: &[u8]) -> Result<&OsStr, TftpError> {
    std::str::from_utf8(name).map(OsStr::new).map_err(|_| access("file name is not valid UTF-8"))
}

/// Checks the syntax of a requested name and returns it as a relative path.
pub fn check_name(name: &[u8]) -> Result<PathBuf, TftpError> {
    if name.is_empty() {
        return Err(access("empty file name"));
    }
    if name.contains(&0) {
        return Err(access("file name contains a NUL byte"));
    }
    if name.contains(&b'\\') {
        return Err(access("file name contains a backslash"));
    }
    if name[0] == b'/' {
        return Err(access("absolute file names are not allowed"));
    }
    for seg in name.split(|&b| b == b'/') {
        match seg {
            b"" => return Err(access("empty path segment in file name")),
            b"." => return Err(access("'.' segment in file name")),
            b".." => return Err(access("'..' segment in file name")),
            _ => {}
        }
    }
    Ok(PathBuf::from(os_name(name)?))
}

fn canonical_root(root: &Path) -> Result<PathBuf, TftpError> {
    fs::canonicalize(root)
        .map_err(|e| TftpError::new(errcode::NOT_DEFINED, format!("server directory unavailable: {e}")))
}

fn inside(path: &Path, root: &Path) -> Result<(), TftpError> {
    if path.starts_with(root) {
        Ok(())
    } else {
        Err(access("path leads outside the server directory"))
    }
}

/// Resolves `name` for reading: the canonical path of an existing regular
/// file inside `root`.
pub fn resolve_read(root: &Path, name: &[u8]) -> Result<PathBuf, TftpError> {
    let rel = check_name(name)?;
    let root = canonical_root(root)?;
    let path = fs::canonicalize(root.join(rel)).map_err(|e| tftp_error_for_io(&e))?;
    inside(&path, &root)?;
    let meta = fs::metadata(&path).map_err(|e| tftp_error_for_io(&e))?;
    if !meta.is_file() {
        return Err(access("not a regular file"));
    }
    Ok(path)
}

/// Resolves `name` for writing. The parent directory must exist and
/// resolve inside `root`. If the file exists it must be a regular file or a
/// symlink to one inside `root`; the symlink's target is returned, so an
/// upload replaces the file the link points to and keeps the link.
pub fn resolve_write(root: &Path, name: &[u8]) -> Result<PathBuf, TftpError> {
    let rel = check_name(name)?;
    let root = canonical_root(root)?;
    let file_name = rel.file_name().ok_or_else(|| access("no file name"))?.to_owned();
    let parent_rel = rel.parent().unwrap_or(Path::new(""));
    let parent = fs::canonicalize(root.join(parent_rel)).map_err(|e| tftp_error_for_io(&e))?;
    inside(&parent, &root)?;
    if !parent.is_dir() {
        return Err(access("parent is not a directory"));
    }
    let target = parent.join(file_name);
    match fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => {
            let resolved = fs::canonicalize(&target).map_err(|_| access("symbolic link to nothing"))?;
            inside(&resolved, &root)?;
            if !resolved.is_file() {
                return Err(access("not a regular file"));
            }
            Ok(resolved)
        }
        Ok(m) if !m.is_file() => Err(access("not a regular file")),
        Ok(_) => Ok(target),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(target),
        Err(e) => Err(tftp_error_for_io(&e)),
    }
}

pub use crate::core::files::AtomicUpload;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A scratch directory removed at the end of the test.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Scratch {
            static N: AtomicU64 = AtomicU64::new(0);
            let p = std::env::temp_dir().join(format!(
                "pier-path-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Scratch(p)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// root/ with a.txt and sub/b.txt; outside/ with secret.txt.
    fn layout(tag: &str) -> (Scratch, PathBuf, PathBuf) {
        let s = Scratch::new(tag);
        let root = s.path().join("root");
        let outside = s.path().join("outside");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(root.join("a.txt"), b"A").unwrap();
        fs::write(root.join("sub/b.txt"), b"B").unwrap();
        fs::write(outside.join("secret.txt"), b"S").unwrap();
        (s, root, outside)
    }

    fn code(r: Result<PathBuf, TftpError>) -> u16 {
        r.expect_err("expected a refusal").code
    }

    #[test]
    fn reads_files_inside_root() {
        let (_s, root, _) = layout("read-ok");
        let p = resolve_read(&root, b"a.txt").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"A");
        let p = resolve_read(&root, b"sub/b.txt").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"B");
        assert!(p.starts_with(fs::canonicalize(&root).unwrap()));
    }

    #[test]
    fn rejects_bad_names() {
        let (_s, root, _) = layout("names");
        for name in [
            &b""[..],
            b"../outside/secret.txt",
            b"sub/../a.txt",
            b"sub/../../outside/secret.txt",
            b"..",
            b"/etc/passwd",
            b"sub\\b.txt",
            b"..\\outside\\secret.txt",
            b"a.txt\0",
            b"sub//b.txt",
            b"sub/",
            b"./a.txt",
            b"sub/./b.txt",
        ] {
            assert_eq!(code(resolve_read(&root, name)), errcode::ACCESS_VIOLATION, "read {name:?}");
            assert_eq!(code(resolve_write(&root, name)), errcode::ACCESS_VIOLATION, "write {name:?}");
        }
    }

    #[test]
    fn missing_file_is_not_found_and_directory_is_refused() {
        let (_s, root, _) = layout("missing");
        assert_eq!(code(resolve_read(&root, b"nope.txt")), errcode::FILE_NOT_FOUND);
        assert_eq!(code(resolve_read(&root, b"sub")), errcode::ACCESS_VIOLATION);
    }

    #[test]
    fn symlink_out_of_root_is_refused() {
        let (_s, root, outside) = layout("link-out");
        symlink(outside.join("secret.txt"), root.join("evil")).unwrap();
        symlink(&outside, root.join("evildir")).unwrap();
        assert_eq!(code(resolve_read(&root, b"evil")), errcode::ACCESS_VIOLATION);
        assert_eq!(code(resolve_read(&root, b"evildir/secret.txt")), errcode::ACCESS_VIOLATION);
        assert_eq!(code(resolve_write(&root, b"evil")), errcode::ACCESS_VIOLATION);
        assert_eq!(code(resolve_write(&root, b"evildir/new.txt")), errcode::ACCESS_VIOLATION);
    }

    #[test]
    fn symlink_inside_root_is_followed() {
        let (_s, root, _) = layout("link-in");
        symlink(root.join("sub/b.txt"), root.join("alias")).unwrap();
        symlink("sub", root.join("subalias")).unwrap();
        let want = fs::canonicalize(root.join("sub/b.txt")).unwrap();
        assert_eq!(resolve_read(&root, b"alias").unwrap(), want);
        assert_eq!(resolve_read(&root, b"subalias/b.txt").unwrap(), want);
        assert_eq!(resolve_write(&root, b"alias").unwrap(), want);
        assert_eq!(
            resolve_write(&root, b"subalias/new.txt").unwrap(),
            fs::canonicalize(root.join("sub")).unwrap().join("new.txt")
        );
    }

    #[test]
    fn root_given_through_a_symlink_works() {
        let (s, root, _) = layout("root-link");
        let link = s.path().join("rootlink");
        symlink(&root, &link).unwrap();
        assert_eq!(fs::read(resolve_read(&link, b"a.txt").unwrap()).unwrap(), b"A");
    }

    #[test]
    fn write_targets() {
        let (_s, root, _) = layout("write");
        let croot = fs::canonicalize(&root).unwrap();
        assert_eq!(resolve_write(&root, b"new.txt").unwrap(), croot.join("new.txt"));
        assert_eq!(resolve_write(&root, b"sub/new.txt").unwrap(), croot.join("sub/new.txt"));
        assert_eq!(resolve_write(&root, b"a.txt").unwrap(), croot.join("a.txt"));
        assert_eq!(code(resolve_write(&root, b"nodir/new.txt")), errcode::FILE_NOT_FOUND);
        assert_eq!(code(resolve_write(&root, b"sub")), errcode::ACCESS_VIOLATION);
        assert_eq!(code(resolve_write(&root, b"a.txt/x")), errcode::ACCESS_VIOLATION);
        symlink(root.join("nothing"), root.join("dangling")).unwrap();
        assert_eq!(code(resolve_write(&root, b"dangling")), errcode::ACCESS_VIOLATION);
    }

    #[test]
    fn io_errors_map_to_tftp_codes() {
        assert_eq!(tftp_error_for_io(&io::ErrorKind::NotFound.into()).code, errcode::FILE_NOT_FOUND);
        assert_eq!(tftp_error_for_io(&io::ErrorKind::PermissionDenied.into()).code, errcode::ACCESS_VIOLATION);
        assert_eq!(tftp_error_for_io(&io::ErrorKind::AlreadyExists.into()).code, errcode::FILE_EXISTS);
        assert_eq!(tftp_error_for_io(&io::Error::from_raw_os_error(libc::ENOSPC)).code, errcode::DISK_FULL);
        assert_eq!(tftp_error_for_io(&io::Error::from_raw_os_error(libc::EFBIG)).code, errcode::DISK_FULL);
        assert_eq!(tftp_error_for_io(&io::Error::from_raw_os_error(libc::EDQUOT)).code, errcode::DISK_FULL);
        assert_eq!(tftp_error_for_io(&io::Error::other("boom")).code, errcode::NOT_DEFINED);
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".pier-"))
            .collect()
    }

    #[test]
    fn upload_commit_replaces_destination() {
        let s = Scratch::new("up-commit");
        let dest = s.path().join("file.bin");
        fs::write(&dest, b"old").unwrap();
        let mut up = AtomicUpload::create(&dest).unwrap();
        let tmp = up.temp_path().to_path_buf();
        assert_eq!(tmp.parent(), Some(s.path()));
        assert!(tmp.file_name().unwrap().to_string_lossy().starts_with(".file.bin.pier-"));
        up.write(b"new ").unwrap();
        up.write(b"content").unwrap();
        assert_eq!(up.bytes_written(), 11);
        // Not visible before commit.
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        up.commit().unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new content");
        assert!(!tmp.exists());
        assert!(leftovers(s.path()).is_empty());
    }

    #[test]
    fn upload_abort_keeps_previous_file() {
        let s = Scratch::new("up-abort");
        let dest = s.path().join("file.bin");
        fs::write(&dest, b"previous").unwrap();
        let mut up = AtomicUpload::create(&dest).unwrap();
        up.write(&[1u8; 100_000]).unwrap();
        let tmp = up.temp_path().to_path_buf();
        assert!(tmp.exists());
        up.abort();
        assert!(!tmp.exists());
        assert_eq!(fs::read(&dest).unwrap(), b"previous");
        assert!(leftovers(s.path()).is_empty());
    }

    #[test]
    fn upload_dropped_without_commit_is_aborted() {
        let s = Scratch::new("up-drop");
        let dest = s.path().join("new.bin");
        {
            let mut up = AtomicUpload::create(&dest).unwrap();
            up.write(b"partial").unwrap();
        }
        assert!(!dest.exists());
        assert!(leftovers(s.path()).is_empty());
    }

    #[test]
    fn concurrent_uploads_use_distinct_temp_files() {
        let s = Scratch::new("up-two");
        let dest = s.path().join("same.bin");
        let mut a = AtomicUpload::create(&dest).unwrap();
        let mut b = AtomicUpload::create(&dest).unwrap();
        assert_ne!(a.temp_path(), b.temp_path());
        a.write(b"a").unwrap();
        b.write(b"b").unwrap();
        a.commit().unwrap();
        b.commit().unwrap();
        // Last commit wins, whole.
        assert_eq!(fs::read(&dest).unwrap(), b"b");
    }

    #[test]
    fn upload_into_missing_directory_fails_cleanly() {
        let s = Scratch::new("up-nodir");
        let err = AtomicUpload::create(&s.path().join("no/such/file")).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
