//! The daemon behind a socket-activated endpoint. Where systemd's
//! `docker.socket` (or any activator) listens and hands the socket to dockerd
//! (`-H fd://`), SO_PEERCRED names the listener, not the daemon. The daemon
//! is the process with a daemon's name that holds the same socket inode; its
//! pidfile, where it has one, must agree.

use std::fs;
use std::path::Path;

use crate::probe::root::HostRoot;

/// Process names that serve the Engine API themselves (not a proxy in front).
pub(crate) const DAEMON_COMMS: &[&str] = &["dockerd", "podman"];

/// The daemon found behind the listening socket at `socket`, with how it was found.
pub(crate) struct Found {
    pub(crate) pid: i32,
    pub(crate) evidence: Vec<String>,
}

/// The inode of the listening unix socket bound at `socket` (`/proc/net/unix`).
fn listening_inode(live: &HostRoot, socket: &Path) -> Option<u64> {
    let table = live.read_text("/proc/net/unix").ok()?;
    let canonical = fs::canonicalize(socket).ok();
    table.lines().skip(1).find_map(|l| {
        // Num RefCount Protocol Flags Type St Inode Path
        let f: Vec<&str> = l.split_whitespace().collect();
        let (flags, inode, path) = (f.get(3)?, f.get(6)?, Path::new(f.get(7)?));
        let listening = u32::from_str_radix(flags, 16).ok()? & 0x0001_0000 != 0;
        let same = path == socket
            || canonical
                .as_deref()
                .is_some_and(|c| fs::canonicalize(path).ok().as_deref() == Some(c));
        (listening && same).then(|| inode.parse().ok()).flatten()
    })
}

fn holds_socket(pid: i32, inode: u64) -> bool {
    let want = format!("socket:[{inode}]");
    fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.filter_map(Result::ok)
                .any(|fd| fs::read_link(fd.path()).is_ok_and(|t| t.as_os_str() == want.as_str()))
        })
        .unwrap_or(false)
}

/// `--pidfile X` (or `--pidfile=X`) on the daemon's command line, else dockerd's default.
fn pidfile_of(live: &HostRoot, pid: i32, comm: &str) -> Option<String> {
    let cmdline = live.read_bytes(&format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let given = args.iter().enumerate().find_map(|(i, a)| {
        if a == "--pidfile" || a == "-p" {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix("--pidfile=").map(str::to_owned)
        }
    });
    given.or_else(|| (comm == "dockerd").then(|| "/var/run/docker.pid".to_owned()))
}

/// The daemon holding the listening socket at `socket`, when the listener
/// itself is not one.
pub(crate) fn daemon_behind(socket: &Path) -> Result<Found, String> {
    let live = HostRoot::live();
    let inode = listening_inode(&live, socket).ok_or_else(|| {
        format!(
            "{} is not in /proc/net/unix as a listening socket",
            socket.display()
        )
    })?;
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim();
        if DAEMON_COMMS.contains(&comm) && holds_socket(pid, inode) {
            found.push((pid, comm.to_owned()));
        }
    }
    let [(pid, comm)] = found.as_slice() else {
        return Err(if found.is_empty() {
            format!("no dockerd or podman process holds the socket (inode {inode})")
        } else {
            format!("several daemon processes hold the socket (inode {inode}): {found:?}")
        });
    };
    let mut evidence = vec![format!(
        "{comm} (pid {pid}) holds the listening socket {} (inode {inode})",
        socket.display()
    )];
    if let Some(file) = pidfile_of(&live, *pid, comm) {
        let said = fs::read_to_string(&file).ok();
        match said.as_deref().map(str::trim) {
            Some(p) if p == pid.to_string() => evidence.push(format!("its pidfile {file} agrees")),
            Some(p) => {
                return Err(format!(
                    "{comm} (pid {pid}) holds the socket but its pidfile {file} says {p}"
                ))
            }
            None => evidence.push(format!("its pidfile {file} could not be read")),
        }
    }
    Ok(Found {
        pid: *pid,
        evidence,
    })
}
