//! PID 1, whether the doctor runs inside a container, and its own capabilities.

use procfs_core::process::Status;
use procfs_core::FromBufRead;

use super::cgroup::OwnCgroup;
use super::mounts::{self, MountTable};
use crate::facts::host::{CapabilityFacts, ContainerFacts, InitFacts};
use crate::facts::Probed;
use crate::probe::root::HostRoot;
use crate::probe::systemd_lib;

pub(crate) fn probe_init(root: &HostRoot) -> Probed<InitFacts> {
    let comm = match root.read_text("/proc/1/comm") {
        Ok(c) => c.trim().to_owned(),
        Err(e) => return Probed::error(e),
    };
    let is_systemd = comm == "systemd";
    let systemd_version = if is_systemd {
        host_systemd_tag(root)
    } else {
        None
    };
    Probed::Ok(InitFacts {
        comm,
        is_systemd,
        systemd_version,
    })
}

/// Only file names are read, never the libraries themselves.
fn host_systemd_tag(root: &HostRoot) -> Option<String> {
    library_dirs(root).iter().find_map(|dir| {
        root.find_name(dir, |n| {
            systemd_lib::tag_from_library_name(n).map(str::to_owned)
        })
    })
}

/// systemd-nspawn's library directories with the multiarch glob expanded.
pub(crate) fn library_dirs(root: &HostRoot) -> Vec<String> {
    let mut dirs = Vec::new();
    for d in systemd_lib::LIBRARY_DIRS {
        if d.contains('*') {
            for name in root.list_dir("/usr/lib") {
                if name.contains("-linux-") {
                    dirs.push(format!("/usr/lib/{name}/systemd"));
                }
            }
        } else {
            dirs.push((*d).to_owned());
        }
    }
    dirs
}

const CONTAINER_CGROUP_MARKERS: &[&str] = &[
    "/docker/",
    "/docker-",
    "/kubepods",
    "/libpod",
    "/lxc/",
    "/containerd/",
];
const CONTAINER_ROOT_FS: &[&str] = &["overlay", "fuse.fuse-overlayfs", "aufs", "zfs", "btrfs"];

pub(crate) fn probe_container(
    root: &HostRoot,
    table: Option<&MountTable>,
    own: &OwnCgroup,
) -> Probed<ContainerFacts> {
    let mut signals = Vec::new();
    let mut counter = Vec::new();
    let mut strong = false;

    if let Ok(env) = root.read_bytes("/proc/1/environ") {
        if let Some(v) = env
            .split(|b| *b == 0)
            .find_map(|kv| kv.strip_prefix(b"container="))
        {
            signals.push(format!(
                "PID 1 has container={}",
                String::from_utf8_lossy(v)
            ));
            strong = true;
        }
    }
    if root.exists("/run/.containerenv") {
        signals.push("/run/.containerenv exists (Podman)".to_owned());
        strong = true;
    }
    if let Ok(cg) = &own.content {
        if let Some(line) = String::from_utf8_lossy(cg)
            .lines()
            .find(|l| CONTAINER_CGROUP_MARKERS.iter().any(|m| l.contains(m)))
        {
            signals.push(format!("{} names a container: {line}", own.path));
            strong = true;
        }
    }
    let dockerenv = root.exists("/.dockerenv");
    if dockerenv {
        signals.push("/.dockerenv exists".to_owned());
    }
    if let Some(rootfs) = table.and_then(|t| mounts::visible_at(&t.mounts, "/")) {
        let fs = rootfs.info.fs_type.as_str();
        let source = rootfs.info.mount_source.clone().unwrap_or_default();
        if CONTAINER_ROOT_FS.contains(&fs) && !source.starts_with("/dev/") {
            signals.push(format!("the root filesystem is {fs}"));
            strong |= dockerenv;
        } else {
            counter.push(format!("the root filesystem is {fs} on {source}"));
        }
    }
    Probed::Ok(ContainerFacts {
        inside: strong,
        signals,
        counter_signals: counter,
    })
}

/// Names of capabilities 0..=40 (linux/capability.h).
pub(crate) const CAP_NAMES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Capabilities of `CAP_NAMES` absent from a bounding set, up to the kernel's last cap.
pub(crate) fn missing_caps(set: u64, last_cap: usize) -> Vec<String> {
    CAP_NAMES
        .iter()
        .enumerate()
        .take(last_cap + 1)
        .filter(|(bit, _)| set & (1u64 << bit) == 0)
        .map(|(_, n)| (*n).to_owned())
        .collect()
}

/// CapBnd of a `/proc/PID/status` file.
pub(crate) fn bounding_set(root: &HostRoot, status_path: &str) -> Result<u64, String> {
    let bytes = root.read_bytes(status_path)?;
    let status = Status::from_buf_read(bytes.as_slice())
        .map_err(|_| format!("{status_path}: not in the kernel's format"))?;
    status
        .capbnd
        .ok_or_else(|| format!("{status_path}: no CapBnd line"))
}

pub(crate) fn last_cap(root: &HostRoot) -> usize {
    root.read_text("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(CAP_NAMES.len() - 1)
}

pub(crate) fn probe_capabilities(root: &HostRoot) -> Probed<CapabilityFacts> {
    bounding_set(root, "/proc/self/status")
        .map(|set| CapabilityFacts {
            bounding_set: format!("{set:016x}"),
            missing: missing_caps(set, last_cap(root)),
        })
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_sys_resource() {
        assert_eq!(missing_caps(0x1fffeffffff, 40), vec!["CAP_SYS_RESOURCE"]);
        assert!(missing_caps(0x1ffffffffff, 40).is_empty());
        assert_eq!(CAP_NAMES.len(), 41);
    }
}
