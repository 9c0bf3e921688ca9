//! Path resolution inside the image, as the kernel does it inside the
//! container: absolute links start at the image root, `..` at the root stays
//! there, at most [`MAX_HOPS`] links (the kernel's ELOOP limit). Only the
//! [`ImageFiles`] reader is asked, so nothing on the host is ever followed.

use std::collections::VecDeque;

use super::files::{components, join, FileKind, ImageFiles, ReadError, Stat};
use crate::facts::image::{LinkHop, LinkProblem};

/// Linux gives up with ELOOP after 40 links.
pub(crate) const MAX_HOPS: usize = 40;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    /// The final path, with no symlink in it (when following) .
    pub path: String,
    pub stat: Stat,
    /// Every link followed, in order.
    pub hops: Vec<LinkHop>,
    /// Links whose target climbed above the image root (clamped there).
    pub escapes: Vec<LinkHop>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ResolveError {
    /// A loop, a dangling link, a file used as a directory: a finding.
    Link {
        problem: LinkProblem,
        /// The path where it went wrong.
        at: String,
        hops: Vec<LinkHop>,
    },
    /// The reader broke: no verdict.
    Read(ReadError),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Link { problem, at, hops } => {
                write!(f, "{at}: {}", problem.describe())?;
                if !hops.is_empty() {
                    write!(f, " (via {})", crate::facts::image::link_chain(hops))?;
                }
                Ok(())
            }
            ResolveError::Read(e) => e.fmt(f),
        }
    }
}

/// Resolve `path` (absolute, or relative to `/`). With `follow_last` false the
/// last component is not followed (lstat), as the archive API does.
pub(crate) fn resolve(
    files: &dyn ImageFiles,
    path: &str,
    follow_last: bool,
) -> Result<Resolved, ResolveError> {
    if follow_last && files.resolves_in_root() {
        if let Some(r) = resolved_by_reader(files, path)? {
            return Ok(r);
        }
    }
    walk(files, path, follow_last)
}

/// A reader that resolves inside the root is asked for the whole path at
/// once: when it is a link, the end of its chain is one hop. `None` when it
/// is not a link (its canonical path is unknown then) or the reader could
/// not say: the walk decides.
fn resolved_by_reader(
    files: &dyn ImageFiles,
    path: &str,
) -> Result<Option<Resolved>, ResolveError> {
    let parts: Vec<&str> = components(path).collect();
    if parts.contains(&"..") {
        return Ok(None);
    }
    let whole = join(&parts);
    let Ok(Some(st)) = files.stat(&whole) else {
        return Ok(None);
    };
    let Some(end) = st.link_end.filter(|e| usable_end(e)) else {
        return Ok(None);
    };
    let hops = vec![LinkHop {
        link: whole,
        target: end.clone(),
        daemon_resolved: true,
    }];
    match stat(files, &end)? {
        None => Err(ResolveError::Link {
            problem: LinkProblem::Missing,
            at: end,
            hops,
        }),
        Some(s) if s.kind == FileKind::Symlink => Ok(None),
        Some(s) => Ok(Some(Resolved {
            path: end,
            stat: s,
            hops,
            escapes: vec![],
        })),
    }
}

/// A reader's chain end: absolute and clean.
fn usable_end(end: &str) -> bool {
    end.starts_with('/') && !components(end).any(|c| c == "..")
}

/// Component by component, as the kernel walks a path.
fn walk(files: &dyn ImageFiles, path: &str, follow_last: bool) -> Result<Resolved, ResolveError> {
    // Components still to walk, each tagged with the hop that produced it.
    let mut todo: VecDeque<(String, Option<usize>)> =
        components(path).map(|c| (c.to_owned(), None)).collect();
    let mut done: Vec<String> = Vec::new();
    let mut hops: Vec<LinkHop> = Vec::new();
    let mut escapes: Vec<LinkHop> = Vec::new();
    let link_err = |problem, at: String, hops: &Vec<LinkHop>| ResolveError::Link {
        problem,
        at,
        hops: hops.clone(),
    };
    let mut last_stat = root_stat();
    while let Some((part, from_hop)) = todo.pop_front() {
        if part == ".." {
            if done.pop().is_none() {
                if let Some(h) = from_hop.map(|i| hops[i].clone()) {
                    if !escapes.contains(&h) {
                        escapes.push(h);
                    }
                }
            }
            last_stat = root_stat();
            if !done.is_empty() {
                last_stat = stat(files, &join(&done))?
                    .ok_or_else(|| link_err(LinkProblem::Missing, join(&done), &hops))?;
            }
            continue;
        }
        done.push(part);
        let here = join(&done);
        let st = stat(files, &here)?
            .ok_or_else(|| link_err(LinkProblem::Missing, here.clone(), &hops))?;
        let more = !todo.is_empty();
        match st.kind {
            FileKind::Symlink if more || follow_last => {
                if hops.len() >= MAX_HOPS {
                    return Err(link_err(LinkProblem::Loop, here, &first_cycle(&hops)));
                }
                if let Some(end) = st.link_end.as_deref().filter(|e| usable_end(e)) {
                    // The reader followed the whole chain inside the image:
                    // one hop, then only the end (link-free) is stat-ed.
                    hops.push(LinkHop {
                        link: here,
                        target: end.to_owned(),
                        daemon_resolved: true,
                    });
                    done = components(end).map(str::to_owned).collect();
                    let at = join(&done);
                    last_stat = match stat(files, &at)? {
                        None => return Err(link_err(LinkProblem::Missing, at, &hops)),
                        Some(s) if s.kind == FileKind::Dir => s,
                        Some(s) if s.kind == FileKind::Symlink => {
                            // Not link-free after all: walk it like any link.
                            todo.push_front((done.pop().unwrap_or_default(), None));
                            root_stat()
                        }
                        Some(_) if !todo.is_empty() => {
                            return Err(link_err(LinkProblem::NotADirectory, at, &hops))
                        }
                        Some(s) => s,
                    };
                    continue;
                }
                let target = st.link_target.clone().unwrap_or_default();
                if target.is_empty() {
                    return Err(link_err(LinkProblem::Missing, here, &hops));
                }
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                let hop = hops.len();
                hops.push(LinkHop {
                    link: here,
                    target: target.clone(),
                    daemon_resolved: false,
                });
                for c in components(&target).collect::<Vec<_>>().into_iter().rev() {
                    todo.push_front((c.to_owned(), Some(hop)));
                }
                last_stat = root_stat();
                if !done.is_empty() {
                    last_stat = stat(files, &join(&done))?
                        .ok_or_else(|| link_err(LinkProblem::Missing, join(&done), &hops))?;
                }
            }
            FileKind::Dir => last_stat = st,
            _ if more => return Err(link_err(LinkProblem::NotADirectory, here, &hops)),
            _ => last_stat = st,
        }
    }
    Ok(Resolved {
        path: join(&done),
        stat: last_stat,
        hops,
        escapes,
    })
}

fn root_stat() -> Stat {
    Stat {
        kind: FileKind::Dir,
        size: 0,
        mode: 0o755,
        link_target: None,
        link_end: None,
    }
}

fn stat(files: &dyn ImageFiles, path: &str) -> Result<Option<Stat>, ResolveError> {
    files.stat(path).map_err(ResolveError::Read)
}

/// The hops up to the first repeated link: the loop itself, not 40 copies.
fn first_cycle(hops: &[LinkHop]) -> Vec<LinkHop> {
    let mut out: Vec<LinkHop> = Vec::new();
    for h in hops {
        if out.iter().any(|o| o.link == h.link) {
            out.push(h.clone());
            break;
        }
        out.push(h.clone());
    }
    out
}

/// Follow every link and read at most `cap` bytes of the file it ends at.
pub(crate) fn read_followed(
    files: &dyn ImageFiles,
    path: &str,
    cap: usize,
) -> Result<(Resolved, Vec<u8>), ResolveError> {
    let r = resolve(files, path, true)?;
    let data = files.read(&r.path, cap).map_err(ResolveError::Read)?;
    Ok((r, data))
}
