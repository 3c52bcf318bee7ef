//! File sources and sinks the components share: opening a regular file to
//! send (SendFile), and writing a received file atomically (TFTP uploads,
//! and ODETTE FTP files next), so that no partial file ever has its final
//! name.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{Error, Result};

/// Opens a file to send: a missing file, a directory or a FIFO fails with
/// 912 (docs/API.md §8, SendFile).
pub fn open_regular(path: &str) -> Result<File> {
    let meta = fs::metadata(path).map_err(|e| Error::file(format!("Cannot open {path}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::file(format!("Cannot send {path}: not a regular file")));
    }
    File::open(path).map_err(|e| Error::file(format!("Cannot open {path}: {e}")))
}

/// An upload written to a temporary file next to its destination and
/// renamed into place only by [`AtomicUpload::commit`], so readers never see
/// a half-written file and a failed upload leaves the previous file intact.
/// Dropping it without committing removes the temporary file.
pub struct AtomicUpload {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
    written: u64,
    committed: bool,
}

/// Buffer size for upload writes: blocks arrive 512 bytes at a time by
/// default, so batch them into fewer system calls.
const WRITE_BUFFER: usize = 64 * 1024;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_name(dest_name: &OsStr) -> OsString {
    // RandomState is seeded randomly per process; mixing in a counter makes
    // each name distinct, and create_new guards against any collision left.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(TEMP_COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    let tag = h.finish();
    let mut s = OsString::from(".");
    s.push(truncated(dest_name));
    s.push(format!(".pier-{tag:016x}.tmp"));
    s
}

/// Keeps temporary names within NAME_MAX (255) whatever the destination.
#[cfg(unix)]
fn truncated(name: &OsStr) -> &OsStr {
    use std::os::unix::ffi::OsStrExt;
    let b = name.as_bytes();
    OsStr::from_bytes(&b[..b.len().min(200)])
}

#[cfg(not(unix))]
fn truncated(name: &OsStr) -> OsString {
    name.to_string_lossy().chars().take(100).collect::<String>().into()
}

impl AtomicUpload {
    /// Creates the temporary file `.<name>.pier-<random>.tmp` in the
    /// destination's directory (same file system, so the final rename is
    /// atomic).
    pub fn create(dest: &Path) -> io::Result<AtomicUpload> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "destination has no file name"))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        for _ in 0..16 {
            let tmp = dir.join(temp_name(name));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => {
                    return Ok(AtomicUpload {
                        dest: dest.to_path_buf(),
                        tmp,
                        file: Some(BufWriter::with_capacity(WRITE_BUFFER, f)),
                        written: 0,
                        committed: false,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary file name"))
    }

    /// Appends `data`.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let f = self.file.as_mut().ok_or_else(|| io::Error::other("upload already finished"))?;
        f.write_all(data)?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// The temporary file being written.
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// The path the upload will have once committed.
    pub fn dest_path(&self) -> &Path {
        &self.dest
    }

    /// Flushes, syncs to disk (so a crash cannot leave a renamed but empty
    /// file) and renames over the destination. On failure the temporary
    /// file is removed and the destination is untouched.
    pub fn commit(mut self) -> io::Result<()> {
        let f = self.file.take().ok_or_else(|| io::Error::other("upload already finished"))?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&self.tmp, &self.dest)?;
        self.committed = true;
        Ok(())
    }

    /// Discards the upload (the same as dropping it).
    pub fn abort(self) {}
}

impl Drop for AtomicUpload {
    fn drop(&mut self) {
        if !self.committed {
            self.file = None;
            let _ = fs::remove_file(&self.tmp);
        }
    }
}
