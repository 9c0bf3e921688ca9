//! Reading host files through a root directory, capped, so a captured host
//! tree and the live host go through the same code.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Files larger than this are refused: nothing a probe reads whole is near it.
pub(crate) const MAX_FILE: u64 = 4 << 20;
/// Tables read line by line (mountinfo) under a captured root: large, as a
/// host with thousands of containers has, but bounded. The live /proc has no cap.
pub(crate) const MAX_TABLE: u64 = 256 << 20;

/// How a probe used a host path; `capture` copies exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The content was read.
    Content,
    /// Only its existence (or its name in a listing) mattered.
    Exists,
    /// A directory whose entries (names, types, link targets) were listed.
    Listing,
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

    /// `rel` is an absolute host path such as `/proc/self/mountinfo`. Under
    /// a `--root` other than `/`, links are followed only inside the root; a
    /// path that cannot be resolved there gives a path that does not exist.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.resolve(rel)
            .unwrap_or_else(|_| self.dir.join(".sdctr-doctor-unresolvable"))
    }

    /// The real path of `rel` inside the root. The live root is the running
    /// system (its links are the system's). Under another root every link
    /// is followed by hand: one that points outside the root (absolute, or
    /// climbing above it) is refused, not followed, so a captured tree
    /// cannot make the doctor read or copy a file of the machine it runs on.
    /// `..` is refused too: no probe asks for it, so it came from a file's
    /// contents (a crafted `/proc/self/cgroup`).
    pub(crate) fn resolve(&self, rel: &str) -> Result<PathBuf, String> {
        if rel.split('/').any(|c| c == "..") {
            return Err(format!("{rel}: `..` in the path, refused"));
        }
        if self.is_live() {
            return Ok(PathBuf::from("/").join(rel.trim_start_matches('/')));
        }
        // Components still to walk, last first; the walked part has no links.
        let mut todo: Vec<String> = rel
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .rev()
            .map(str::to_owned)
            .collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop() {
            if c == ".." {
                if done.pop().is_none() {
                    return Err(format!("{rel}: a link climbs above --root, not followed"));
                }
                continue;
            }
            let here = self.dir.join(done.join("/")).join(&c);
            match fs::symlink_metadata(&here) {
                Ok(m) if m.file_type().is_symlink() => {
                    hops += 1;
                    let target =
                        fs::read_link(&here).map_err(|e| format!("{rel}: {}", io_reason(&e)))?;
                    if hops > 40 {
                        return Err(format!("{rel}: Too many levels of symbolic links"));
                    }
                    if target.is_absolute() {
                        return Err(format!(
                            "{rel}: a link to {} leaves --root, not followed",
                            target.display()
                        ));
                    }
                    let t = target.to_string_lossy();
                    todo.extend(
                        t.split('/')
                            .filter(|c| !c.is_empty() && *c != ".")
                            .rev()
                            .map(str::to_owned),
                    );
                }
                // Missing or not a link: the rest cannot be a link either, or
                // the open fails as it should.
                _ => done.push(c),
            }
        }
        Ok(self.dir.join(done.join("/")))
    }

    fn note(&self, rel: &str, access: Access) {
        let mut map = self.accessed.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(rel.to_owned()).or_insert(access);
        // What a capture must keep: the content, else the listing, else the name.
        let rank = |a: Access| match a {
            Access::Exists => 0,
            Access::Listing => 1,
            Access::Content => 2,
        };
        if rank(access) > rank(*entry) {
            *entry = access;
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
        let path = self.resolve(rel)?;
        super::bounded::bytes(&path, MAX_FILE).map_err(|e| format!("{rel}: {e}"))
    }

    /// A table such as mountinfo, to read line by line: the live one whatever
    /// its size, a captured one up to [`MAX_TABLE`].
    pub(crate) fn open_table(&self, rel: &str) -> Result<impl std::io::BufRead, String> {
        use std::io::Read;
        self.note(rel, Access::Content);
        let cap = if self.is_live() { u64::MAX } else { MAX_TABLE };
        let path = self.resolve(rel)?;
        let file = super::bounded::open(&path, cap).map_err(|e| format!("{rel}: {e}"))?;
        Ok(std::io::BufReader::with_capacity(1 << 16, file.take(cap)))
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
        self.note(rel.trim_end_matches('/'), Access::Listing);
        // The directory resolved, the entry itself not: its own type (a
        // link stays a link under --root as on the live root).
        let dir = self.path(rel);
        self.list_dir(rel)
            .into_iter()
            .filter_map(|name| {
                let path = dir.join(&name);
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

#[cfg(test)]
mod resolve_tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn listed_links_stay_links_under_a_root() {
        // The v1 layout's joined hierarchies: `cpu -> cpu,cpuacct`.
        let t = tempfile::tempdir().unwrap();
        let cg = t.path().join("sys/fs/cgroup");
        fs::create_dir_all(cg.join("cpu,cpuacct")).unwrap();
        symlink("cpu,cpuacct", cg.join("cpu")).unwrap();
        let root = HostRoot::new(t.path()).unwrap();
        let entries = root.list_entries("/sys/fs/cgroup");
        let cpu = entries.iter().find(|(n, _, _)| n == "cpu").unwrap();
        assert!(cpu.1.is_symlink());
        assert_eq!(cpu.2.as_deref(), Some("cpu,cpuacct"));
    }

    #[test]
    fn links_are_followed_only_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("sys/devices/x")).unwrap();
        fs::write(r.join("sys/devices/x/f"), "in").unwrap();
        fs::create_dir_all(r.join("sys/dev/block")).unwrap();
        symlink("../../devices/x", r.join("sys/dev/block/8:0")).unwrap();
        symlink("/etc/hostname", r.join("abs")).unwrap();
        symlink("../../../../..", r.join("sys/up")).unwrap();
        symlink("loop", r.join("loop")).unwrap();
        let root = HostRoot::new(r).unwrap();
        assert_eq!(root.read_text("/sys/dev/block/8:0/f").unwrap(), "in");
        assert!(root
            .read_text("/abs")
            .unwrap_err()
            .ends_with("a link to /etc/hostname leaves --root, not followed"));
        assert!(root
            .read_text("/sys/up/etc/hostname")
            .unwrap_err()
            .ends_with("a link climbs above --root, not followed"));
        assert!(root
            .read_text("/loop")
            .unwrap_err()
            .contains("Too many levels"));
        assert!(root
            .read_text("/sys/../etc/x")
            .unwrap_err()
            .contains("`..` in the path"));
        assert!(!root.exists("/abs"));
        assert!(root.list_dir("/sys/up").is_empty());
    }
}
