//! Reading host files through a root directory, capped, so a captured host
//! tree and the live host go through the same code.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Files larger than this are refused: nothing a probe reads is near it.
pub(crate) const MAX_FILE: u64 = 4 << 20;

/// How a probe used a host path; `capture` copies exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The content was read.
    Content,
    /// Only its existence (or its name in a listing) mattered.
    Exists,
}

#[derive(Debug, Clone)]
pub struct HostRoot {
    dir: PathBuf,
    accessed: Arc<Mutex<BTreeMap<String, Access>>>,
}

impl HostRoot {
    /// `dir` must exist; it is live when it is the running system's `/`.
    pub fn new(dir: &Path) -> Result<Self, String> {
        let canon = fs::canonicalize(dir)
            .map_err(|e| format!("--root {}: {}", dir.display(), io_reason(&e)))?;
        if !canon.is_dir() {
            return Err(format!("--root {}: not a directory", dir.display()));
        }
        Ok(HostRoot {
            dir: canon,
            accessed: Arc::default(),
        })
    }

    pub fn live() -> Self {
        HostRoot {
            dir: PathBuf::from("/"),
            accessed: Arc::default(),
        }
    }

    /// The running system's `/` (the canonical `--root` is `/`).
    pub fn is_live(&self) -> bool {
        self.dir == Path::new("/")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `rel` is an absolute host path such as `/proc/self/mountinfo`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel.trim_start_matches('/'))
    }

    fn note(&self, rel: &str, access: Access) {
        let mut map = self.accessed.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(rel.to_owned()).or_insert(access);
        if access == Access::Content {
            *entry = Access::Content;
        }
    }

    /// Every host path the probes used so far, with how.
    pub fn accessed(&self) -> Vec<(String, Access)> {
        let map = self.accessed.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.note(rel, Access::Exists);
        self.path(rel).exists()
    }

    /// Reads a file as bytes, at most [`MAX_FILE`]; the error names the host path.
    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>, String> {
        self.note(rel, Access::Content);
        super::bounded::bytes(&self.path(rel), MAX_FILE).map_err(|e| format!("{rel}: {e}"))
    }

    /// Reads a text file; bytes that are not UTF-8 become U+FFFD.
    pub fn read_text(&self, rel: &str) -> Result<String, String> {
        self.read_bytes(rel)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Whitespace-separated words of a one-line file such as `cgroup.controllers`.
    pub fn read_words(&self, rel: &str) -> Result<Vec<String>, String> {
        Ok(self
            .read_text(rel)?
            .split_whitespace()
            .map(str::to_owned)
            .collect())
    }

    /// The first name in a directory (sorted) that `pick` maps to a value;
    /// only that name is recorded as used.
    pub fn find_name<T>(&self, dir: &str, pick: impl Fn(&str) -> Option<T>) -> Option<T> {
        self.list_dir(dir).iter().find_map(|n| {
            let v = pick(n)?;
            self.note(
                &format!("{}/{n}", dir.trim_end_matches('/')),
                Access::Exists,
            );
            Some(v)
        })
    }

    /// Names in a directory, sorted, each with its lstat type and, for a
    /// link, its target; a missing directory is an empty list.
    pub(crate) fn list_entries(&self, rel: &str) -> Vec<(String, fs::FileType, Option<String>)> {
        let dir = rel.trim_end_matches('/');
        self.list_dir(rel)
            .into_iter()
            .filter_map(|name| {
                let path = self.path(&format!("{dir}/{name}"));
                let meta = fs::symlink_metadata(&path).ok()?;
                let target = meta
                    .file_type()
                    .is_symlink()
                    .then(|| fs::read_link(&path).ok())
                    .flatten()
                    .map(|t| t.to_string_lossy().into_owned());
                Some((name, meta.file_type(), target))
            })
            .collect()
    }

    /// Names in a directory, sorted; a missing directory is an empty list.
    pub fn list_dir(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path(rel))
            .map(|it| {
                it.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The OS reason without Rust's "(os error N)" suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}
