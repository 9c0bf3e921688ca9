//! `sdctr-doctor capture DIR`: copy exactly the host files the probes read,
//! so a user can send their host as a fixture.

use std::fs;
use std::path::Path;

use crate::probe::host;
use crate::probe::root::{io_reason, Access, HostRoot};

/// Runs the host probes on `root`, then copies what they used into `dest`.
/// Returns the host paths written.
pub(crate) fn capture(root: &HostRoot, dest: &Path) -> Result<Vec<String>, String> {
    if dest.exists()
        && fs::read_dir(dest)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{}: exists and is not an empty directory",
            dest.display()
        ));
    }
    fs::create_dir_all(dest).map_err(|e| format!("{}: {}", dest.display(), io_reason(&e)))?;
    let host = host_files(root);
    let mut written = Vec::new();
    for (rel, content) in host.files {
        let target = dest.join(rel.trim_start_matches('/'));
        let content = keep_probed(&rel, content);
        write_inside(dest, &rel, &content).map_err(|e| format!("{}: {e}", target.display()))?;
        written.push(rel);
    }
    for l in &host.listings {
        recreate(dest, l).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    let (placeholders, unreadable) = (host.placeholders, host.unreadable);
    let note = format!(
        "Captured by sdctr-doctor {} from {} (the files its host probes read).\n\
Empty placeholders (only their existence or name is probed): {}\n\
/proc/1/environ keeps only its container= entry.\n\
Present but not readable: {}\n",
        env!("CARGO_PKG_VERSION"),
        root.dir().display(),
        list_or_none(&placeholders, ", "),
        list_or_none(&unreadable, "; ")
    );
    write_inside(dest, "CAPTURE.txt", note.as_bytes())
        .map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(written)
}

/// One entry of a listed directory, as a capture recreates it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub(crate) struct ListedEntry {
    pub name: String,
    /// `dir`, `symlink`, `file` or `other` (not recreated).
    pub kind: String,
    /// A link's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A directory the probes listed (`/sys/fs/cgroup`) and its entries.
pub(crate) type Listing = (String, Vec<ListedEntry>);

/// The entries of `rel` as the probes saw them.
fn listing(root: &HostRoot, rel: &str) -> Vec<ListedEntry> {
    root.list_entries(rel)
        .into_iter()
        .map(|(name, t, target)| ListedEntry {
            name,
            kind: if t.is_dir() {
                "dir"
            } else if t.is_symlink() {
                "symlink"
            } else if t.is_file() {
                "file"
            } else {
                "other"
            }
            .into(),
            target,
        })
        .collect()
}

/// Recreates a listed directory's entries below `dest`: directories and
/// empty files, and links whose target is a plain relative path (a link
/// that could point out of `dest` is not made). Existing entries stay.
pub(crate) fn recreate(dest: &Path, (dir, entries): &Listing) -> Result<(), String> {
    use nix::fcntl::{openat, OFlag};
    use nix::sys::stat::{mkdirat, Mode};
    let reason = |e: nix::Error| io_reason(&std::io::Error::from(e));
    let marker = format!("{}/.sdctr-listed", dir.trim_end_matches('/'));
    write_inside(dest, &marker, b"").or_else(
        |e| {
            if e.contains("exists") {
                Ok(())
            } else {
                Err(e)
            }
        },
    )?;
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let mut fd = nix::fcntl::open(dest, flags, Mode::empty()).map_err(reason)?;
    for part in dir.split('/').filter(|c| !c.is_empty()) {
        fd = openat(&fd, part, flags, Mode::empty()).map_err(reason)?;
    }
    let _ = nix::unistd::unlinkat(
        &fd,
        ".sdctr-listed",
        nix::unistd::UnlinkatFlags::NoRemoveDir,
    );
    for e in entries {
        let plain = |s: &str| {
            !s.is_empty()
                && !s.contains('\0')
                && s.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
        };
        if !plain(&e.name) || e.name.contains('/') {
            return Err(format!("{dir}: entry {:?} is not a plain name", e.name));
        }
        let made = match (e.kind.as_str(), &e.target) {
            ("dir", _) => mkdirat(&fd, e.name.as_str(), Mode::from_bits_truncate(0o755)),
            ("symlink", Some(t)) if plain(t) => {
                nix::unistd::symlinkat(t.as_str(), &fd, e.name.as_str())
            }
            ("file", _) => openat(
                &fd,
                e.name.as_str(),
                OFlag::O_WRONLY
                    | OFlag::O_CREAT
                    | OFlag::O_EXCL
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(0o644),
            )
            .map(drop),
            _ => Ok(()),
        };
        match made {
            Ok(()) | Err(nix::Error::EEXIST) => {}
            Err(err) => return Err(format!("{dir}/{}: {}", e.name, reason(err))),
        }
    }
    Ok(())
}

/// The host files the host probes read on `root`, as a capture keeps them.
pub(crate) struct HostFiles {
    /// Host path → content (empty for a placeholder).
    pub files: Vec<(String, Vec<u8>)>,
    /// Paths only whose existence or name is probed.
    pub placeholders: Vec<String>,
    /// Directories the probes listed, with their entries.
    pub listings: Vec<Listing>,
    /// Present but unreadable (e.g. /proc/1/environ on some VMs): a capture
    /// tells "absent" from "could not be read".
    pub unreadable: Vec<String>,
}

/// Runs the host probes on `root` and collects what they used.
pub(crate) fn host_files(root: &HostRoot) -> HostFiles {
    host::probe(root);
    files_read(root)
}

/// What the probes run so far on `root` used.
pub(crate) fn files_read(root: &HostRoot) -> HostFiles {
    let mut out = HostFiles {
        files: Vec::new(),
        placeholders: Vec::new(),
        unreadable: Vec::new(),
        listings: Vec::new(),
    };
    for (rel, access) in root.accessed() {
        let content = match access {
            Access::Listing => {
                out.listings.push((rel.clone(), listing(root, &rel)));
                continue;
            }
            Access::Content => match root.read_bytes(&rel) {
                Ok(bytes) => bytes,
                Err(e) => {
                    if root.path(&rel).exists() {
                        out.unreadable.push(e);
                    }
                    continue;
                }
            },
            Access::Exists => {
                if !root.path(&rel).exists() {
                    continue;
                }
                out.placeholders.push(rel.clone());
                Vec::new()
            }
        };
        out.files.push((rel, content));
    }
    out
}

/// Writes `rel` below `dest`, creating directories one component at a time
/// with every open `O_NOFOLLOW`: a link planted in `dest` (or raced into it)
/// cannot send the write elsewhere, and `..` or an empty name is refused.
pub(crate) fn write_inside(dest: &Path, rel: &str, content: &[u8]) -> Result<(), String> {
    use nix::fcntl::{openat, OFlag};
    use nix::sys::stat::{mkdirat, Mode};
    use std::os::fd::OwnedFd;
    let parts: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
    if parts.is_empty() || parts.iter().any(|c| *c == ".." || *c == ".") {
        return Err("not a plain path, refused".into());
    }
    let reason = |e: nix::Error| io_reason(&std::io::Error::from(e));
    let dir_flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let mut dir: OwnedFd = nix::fcntl::open(dest, dir_flags, Mode::empty()).map_err(reason)?;
    let (file, dirs) = parts.split_last().expect("not empty");
    for d in dirs {
        match mkdirat(&dir, *d, Mode::from_bits_truncate(0o755)) {
            Ok(()) | Err(nix::Error::EEXIST) => {}
            Err(e) => return Err(reason(e)),
        }
        dir = openat(&dir, *d, dir_flags, Mode::empty()).map_err(reason)?;
    }
    let fd = openat(
        &dir,
        *file,
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o644),
    )
    .map_err(reason)?;
    let mut f = fs::File::from(fd);
    std::io::Write::write_all(&mut f, content).map_err(|e| io_reason(&e))
}

fn list_or_none(items: &[String], sep: &str) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(sep)
    }
}

/// PID 1's environment can hold secrets: keep only what the probe looks for
/// (`capture DIR` and bundles alike).
pub(crate) fn keep_probed(rel: &str, bytes: Vec<u8>) -> Vec<u8> {
    if rel != "/proc/1/environ" {
        return bytes;
    }
    bytes
        .split(|b| *b == 0)
        .filter(|kv| kv.starts_with(b"container="))
        .flat_map(|kv| kv.iter().copied().chain([0]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, kind: &str, target: Option<&str>) -> ListedEntry {
        ListedEntry {
            name: name.into(),
            kind: kind.into(),
            target: target.map(Into::into),
        }
    }

    #[test]
    fn a_listing_is_recreated_and_read_back_the_same() {
        let t = tempfile::tempdir().unwrap();
        let listed = (
            "/sys/fs/cgroup".to_owned(),
            vec![
                entry("cpu", "symlink", Some("cpu,cpuacct")),
                entry("cpu,cpuacct", "dir", None),
                entry("unified", "dir", None),
            ],
        );
        recreate(t.path(), &listed).unwrap();
        // Idempotent: a file already written there stays.
        recreate(t.path(), &listed).unwrap();
        let root = HostRoot::new(t.path()).unwrap();
        assert_eq!(listing(&root, "/sys/fs/cgroup"), listed.1);
    }

    #[test]
    fn a_hostile_listing_makes_nothing_outside() {
        let t = tempfile::tempdir().unwrap();
        let dir = "/sys/fs/cgroup".to_owned();
        for bad in [
            entry("../x", "dir", None),
            entry("a/b", "dir", None),
            entry("..", "dir", None),
        ] {
            assert!(recreate(t.path(), &(dir.clone(), vec![bad])).is_err());
        }
        // Links that could leave the root are not made.
        let links = vec![
            entry("abs", "symlink", Some("/etc/passwd")),
            entry("up", "symlink", Some("../../../..")),
        ];
        recreate(t.path(), &(dir.clone(), links)).unwrap();
        let made = t.path().join("sys/fs/cgroup");
        assert!(fs::symlink_metadata(made.join("abs")).is_err());
        assert!(fs::symlink_metadata(made.join("up")).is_err());
        assert!(recreate(t.path(), &("/../etc".to_owned(), vec![])).is_err());
    }
}
