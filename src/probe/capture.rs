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
        let content = redact(&rel, content);
        write_inside(dest, &rel, &content).map_err(|e| format!("{}: {e}", target.display()))?;
        written.push(rel);
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

/// The host files the host probes read on `root`, as a capture keeps them.
pub(crate) struct HostFiles {
    /// Host path → content (empty for a placeholder).
    pub files: Vec<(String, Vec<u8>)>,
    /// Paths only whose existence or name is probed.
    pub placeholders: Vec<String>,
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
    };
    for (rel, access) in root.accessed() {
        let content = match access {
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

/// PID 1's environment can hold secrets: keep only what the probe looks for.
fn redact(rel: &str, bytes: Vec<u8>) -> Vec<u8> {
    if rel != "/proc/1/environ" {
        return bytes;
    }
    bytes
        .split(|b| *b == 0)
        .filter(|kv| kv.starts_with(b"container="))
        .flat_map(|kv| kv.iter().copied().chain([0]))
        .collect()
}
