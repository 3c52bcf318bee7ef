//! The LocalDir sandbox: no name a client sends resolves outside the root,
//! symbolic links included (the root holds a link to the parent directory,
//! a link to /etc/passwd and a link to nothing).
#![no_main]
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pier::tftp::path::{resolve_read, resolve_write};

fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("pier-fuzz-path-{}", std::process::id()));
        let root = base.join("root");
        let _ = std::fs::create_dir_all(root.join("sub"));
        std::fs::write(base.join("secret"), b"outside").unwrap();
        std::fs::write(root.join("a.txt"), b"inside").unwrap();
        let _ = std::os::unix::fs::symlink("..", root.join("up"));
        let _ = std::os::unix::fs::symlink("/etc/passwd", root.join("passwd"));
        let _ = std::os::unix::fs::symlink("../secret", root.join("sub/secret"));
        let _ = std::os::unix::fs::symlink("nowhere", root.join("dangling"));
        std::fs::canonicalize(&root).unwrap()
    })
}

fn inside(p: &Path, root: &Path) -> bool {
    // What an open would reach: the file itself when it exists, else its directory.
    let real = std::fs::canonicalize(p).or_else(|_| std::fs::canonicalize(p.parent().unwrap_or(p)));
    match real {
        Ok(r) => r.starts_with(root),
        Err(_) => true, // nothing there to reach
    }
}

fuzz_target!(|data: &[u8]| {
    let root = root();
    if let Ok(p) = resolve_read(root, data) {
        assert!(inside(&p, root), "read {:?} -> {p:?}", String::from_utf8_lossy(data));
    }
    if let Ok(p) = resolve_write(root, data) {
        assert!(inside(&p, root), "write {:?} -> {p:?}", String::from_utf8_lossy(data));
    }
});
