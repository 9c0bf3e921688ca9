//! [`ImageFiles`] over an extracted root directory on the local disk.

use std::fs::{self, File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::files::{components, FileKind, ImageFiles, ReadError, Stat, MAX_LIST};

pub struct DirFiles {
    root: PathBuf,
}

impl DirFiles {
    pub fn new(root: &Path) -> Self {
        DirFiles {
            root: root.to_owned(),
        }
    }

    /// The host path of `path`, refusing `..` and symlinked parents so that
    /// nothing outside the root is ever touched.
    fn host_path(&self, path: &str) -> Result<PathBuf, ReadError> {
        let mut host = self.root.clone();
        let parts: Vec<&str> = components(path).collect();
        for (i, part) in parts.iter().enumerate() {
            if *part == ".." {
                return Err(ReadError::broken(
                    path,
                    "'..' in a path given to the reader",
                ));
            }
            host.push(part);
            if i + 1 < parts.len() {
                match fs::symlink_metadata(&host) {
                    Ok(m) if m.file_type().is_symlink() => {
                        return Err(ReadError::broken(
                            path,
                            "a parent is a symlink (resolve the path first)",
                        ))
                    }
                    Ok(m) if !m.is_dir() => return Err(ReadError::NotADir(path.to_owned())),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(ReadError::NotFound(path.to_owned()))
                    }
                    Err(e) => return Err(ReadError::broken(path, e)),
                }
            }
        }
        Ok(host)
    }
}

/// lstat-style facts of a host path (links are not followed).
/// At most `cap` bytes of the regular file `host` that an lstat found as
/// `before`: opened without following links, refused if it changed since.
pub(super) fn read_capped(
    host: &Path,
    before: &Metadata,
    path: &str,
    cap: usize,
) -> Result<Vec<u8>, ReadError> {
    let file = File::options()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(host)
        .map_err(|e| ReadError::broken(path, e))?;
    let meta = file.metadata().map_err(|e| ReadError::broken(path, e))?;
    if !meta.is_file() || meta.ino() != before.ino() || meta.dev() != before.dev() {
        return Err(ReadError::broken(path, "changed while being read"));
    }
    let mut buf = Vec::with_capacity(cap.min(meta.len() as usize));
    file.take(cap as u64)
        .read_to_end(&mut buf)
        .map_err(|e| ReadError::broken(path, e))?;
    Ok(buf)
}

pub(super) fn stat_of(host: &Path, m: &Metadata) -> Stat {
    let t = m.file_type();
    let kind = if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_file() {
        FileKind::File
    } else {
        debug_assert!(t.is_fifo() || t.is_socket() || t.is_block_device() || t.is_char_device());
        FileKind::Other
    };
    let link_target = (kind == FileKind::Symlink)
        .then(|| fs::read_link(host).ok())
        .flatten()
        .map(|t| t.to_string_lossy().into_owned());
    Stat {
        kind,
        size: m.len(),
        mode: m.mode() & 0o7777,
        link_target,
        link_end: None,
    }
}

impl ImageFiles for DirFiles {
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError> {
        let host = match self.host_path(path) {
            Err(ReadError::NotFound(_)) => return Ok(None),
            r => r?,
        };
        match fs::symlink_metadata(&host) {
            Ok(m) => Ok(Some(stat_of(&host, &m))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReadError::broken(path, e)),
        }
    }

    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError> {
        let host = self.host_path(path)?;
        // Never open a device node or fifo of the root: lstat first, then
        // open without following and check it is still that regular file.
        let before = match fs::symlink_metadata(&host) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(ReadError::NotAFile(path.to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ReadError::NotFound(path.to_owned()))
            }
            Err(e) => return Err(ReadError::broken(path, e)),
        };
        read_capped(&host, &before, path, cap)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let host = self.host_path(dir)?;
        match fs::symlink_metadata(&host) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(ReadError::NotADir(dir.to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ReadError::NotFound(dir.to_owned()))
            }
            Err(e) => return Err(ReadError::broken(dir, e)),
        }
        let mut names = Vec::new();
        for entry in fs::read_dir(&host).map_err(|e| ReadError::broken(dir, e))? {
            let entry = entry.map_err(|e| ReadError::broken(dir, e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
            if names.len() >= MAX_LIST {
                break;
            }
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::image::resolve::{resolve, ResolveError};
    use std::os::unix::fs::symlink;

    #[test]
    fn never_leaves_the_root() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "host file").unwrap();
        let root = tempfile::tempdir().unwrap();
        symlink(outside.path(), root.path().join("evil")).unwrap();
        let files = DirFiles::new(root.path());
        // The reader refuses a symlinked parent instead of following it ...
        assert!(matches!(
            files.read("/evil/secret", 100),
            Err(ReadError::Broken { .. })
        ));
        // ... and the resolver follows it inside the image, where it is missing.
        match resolve(&files, "/evil/secret", true) {
            Err(ResolveError::Link { at, .. }) => assert!(at.starts_with("/tmp"), "{at}"),
            other => panic!("{other:?}"),
        }
        // A symlink itself is stat-ed, not followed.
        let st = files.stat("/evil").unwrap().unwrap();
        assert_eq!(st.kind, FileKind::Symlink);
        assert_eq!(st.link_target.as_deref(), outside.path().to_str());
    }

    #[test]
    fn reads_are_capped_and_fifos_never_opened() {
        let root = tempfile::tempdir().unwrap();
        let huge = fs::File::create(root.path().join("systemd")).unwrap();
        huge.set_len(3 << 30).unwrap(); // sparse: costs nothing on disk
        nix::unistd::mkfifo(&root.path().join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        let files = DirFiles::new(root.path());
        assert_eq!(files.read("/systemd", 4096).unwrap().len(), 4096);
        assert_eq!(files.stat("/systemd").unwrap().unwrap().size, 3 << 30);
        assert_eq!(files.stat("/fifo").unwrap().unwrap().kind, FileKind::Other);
        // Opening a fifo for reading would block: it is refused before open.
        assert_eq!(
            files.read("/fifo", 10),
            Err(ReadError::NotAFile("/fifo".into()))
        );
        assert_eq!(files.list("/").unwrap(), ["fifo", "systemd"]);
        assert_eq!(files.stat("/nope").unwrap(), None);
    }
}
