//! Reading single files out of an image: the abstract, capped reader that the
//! analysis runs on. Implemented over an extracted root ([`super::DirFiles`]),
//! a tar ([`super::TarFiles`]), the daemon's layer directories
//! ([`super::LayerFiles`]) and the Engine archive API
//! (`crate::probe::docker::archive::ArchiveFiles`).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// At most this many names come back from one [`ImageFiles::list`].
pub(crate) const MAX_LIST: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// Device, fifo, socket.
    Other,
}

/// What lstat(2) inside the image says about a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    pub kind: FileKind,
    pub size: u64,
    /// Permission bits (`0o755`).
    pub mode: u32,
    /// The symlink's target, verbatim, for [`FileKind::Symlink`].
    pub link_target: Option<String>,
    /// For a [`FileKind::Symlink`] whose reader resolved the whole chain
    /// itself, safely inside the image root (the Engine's archive API does):
    /// where it ends, absolute, with no link left in it. The resolver then
    /// takes this one hop instead of walking the verbatim targets.
    pub link_end: Option<String>,
}

impl Stat {
    pub fn is_executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum ReadError {
    #[error("{0}: no such file in the image")]
    NotFound(String),
    #[error("{0}: not a regular file")]
    NotAFile(String),
    #[error("{0}: not a directory")]
    NotADir(String),
    /// The reader itself broke (I/O, garbled tar, daemon error): no verdict.
    #[error("{path}: {reason}")]
    Broken { path: String, reason: String },
}

impl ReadError {
    pub fn broken(path: &str, reason: impl std::fmt::Display) -> Self {
        ReadError::Broken {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// Files of an image, never followed and never read whole.
///
/// Paths are absolute and normalised (`/usr/lib/os-release`, no `.` or `..`),
/// and callers only pass paths whose parent directories are real directories:
/// symlinks are resolved by [`super::resolve`], inside the image, never by the
/// reader (so no reader can be led onto the host's filesystem).
pub trait ImageFiles {
    /// lstat(2): a symlink is reported, not followed. `Ok(None)` when absent.
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError>;
    /// At most `cap` bytes from the start of the regular file at `path`.
    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError>;
    /// Names in the directory at `path`, sorted, at most [`MAX_LIST`].
    /// May cost as much as the directory's content (archive API): use on
    /// small directories only.
    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError>;
    /// True when [`Self::stat`] may be given a path whose parents are links:
    /// the reader resolves them itself, inside the image root (the archive
    /// API does, in the container's root), and fills [`Stat::link_end`].
    fn resolves_in_root(&self) -> bool {
        false
    }
}

/// `path` split into its normal components; `.` and empty ones dropped.
pub(crate) fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

/// `/a/b` from components.
pub(crate) fn join(parts: &[impl AsRef<str>]) -> String {
    if parts.is_empty() {
        return "/".to_owned();
    }
    parts.iter().fold(String::new(), |mut s, p| {
        s.push('/');
        s.push_str(p.as_ref());
        s
    })
}

/// The last component of a path.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
