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
    host::probe(root);
    let mut written = Vec::new();
    let mut placeholders = Vec::new();
    // Present but unreadable (e.g. /proc/1/environ on some VMs): say so, so
    // a capture tells "absent" from "could not be read".
    let mut unreadable = Vec::new();
    for (rel, access) in root.accessed() {
        let target = dest.join(rel.trim_start_matches('/'));
        let content = match access {
            Access::Content => match root.read_bytes(&rel) {
                Ok(bytes) => redact(&rel, bytes),
                Err(e) => {
                    if root.path(&rel).exists() {
                        unreadable.push(e);
                    }
                    continue;
                }
            },
            Access::Exists => {
                if !root.path(&rel).exists() {
                    continue;
                }
                placeholders.push(rel.clone());
                Vec::new()
            }
        };
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("{}: {}", parent.display(), io_reason(&e)))?;
        }
        fs::write(&target, content)
            .map_err(|e| format!("{}: {}", target.display(), io_reason(&e)))?;
        written.push(rel);
    }
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
    fs::create_dir_all(dest).map_err(|e| format!("{}: {}", dest.display(), io_reason(&e)))?;
    fs::write(dest.join("CAPTURE.txt"), note)
        .map_err(|e| format!("{}: {}", dest.display(), io_reason(&e)))?;
    Ok(written)
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
