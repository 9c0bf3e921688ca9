//! The cgroup layout, decided as systemd decides it (`cg_unified_cached()`):
//! statfs of /sys/fs/cgroup on the live host, mountinfo otherwise.

use procfs_core::FromBufRead;
use procfs_core::{CGroupControllers, ProcessCGroups};

use super::mounts::{self, Mount, MountTable};
use crate::facts::host::{
    Cgroup2Mount, CgroupFacts, CgroupMode, CgroupTmpfs, EntryKind, StatfsEntry, TmpfsEntry,
    V1Hierarchy,
};
use crate::facts::Probed;
use crate::probe::root::HostRoot;

pub(crate) const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
pub(crate) const CGROUP_SUPER_MAGIC: i64 = 0x0027_e0eb;
pub(crate) const TMPFS_MAGIC: i64 = 0x0102_1994;

const CG: &str = "/sys/fs/cgroup";
const CG_UNIFIED: &str = "/sys/fs/cgroup/unified";
const CG_SYSTEMD: &str = "/sys/fs/cgroup/systemd";

/// Where the mounts are read from. Under `--root` pointing at a real procfs
/// (the host's /proc mounted into a container), /proc/self is the doctor's own
/// namespace, so PID 1's view is the host's.
pub(crate) fn mountinfo_path(root: &HostRoot) -> &'static str {
    if host_proc_is_pid1(root) {
        "/proc/1/mountinfo"
    } else {
        "/proc/self/mountinfo"
    }
}

/// The cgroup file of the process that describes the host, read once for the
/// cgroup and container probes: PID 1's under such a `--root`, else the
/// doctor's own (its /proc/self there is its container's).
pub(crate) struct OwnCgroup {
    pub path: &'static str,
    pub content: Result<Vec<u8>, String>,
}

impl OwnCgroup {
    pub(crate) fn read(root: &HostRoot) -> Self {
        let path = if host_proc_is_pid1(root) {
            "/proc/1/cgroup"
        } else {
            "/proc/self/cgroup"
        };
        OwnCgroup {
            path,
            content: root.read_bytes(path),
        }
    }
}

fn host_proc_is_pid1(root: &HostRoot) -> bool {
    !root.is_live() && root.exists("/proc/1/mountinfo")
}

pub(crate) fn probe(
    root: &HostRoot,
    table: &Result<MountTable, String>,
    own: &OwnCgroup,
) -> Probed<CgroupFacts> {
    match table {
        Ok(t) => probe_inner(root, t, own).into(),
        Err(e) => Probed::error(e.clone()),
    }
}

fn probe_inner(
    root: &HostRoot,
    table: &MountTable,
    own: &OwnCgroup,
) -> Result<CgroupFacts, String> {
    let (path, mounts) = (table.path, &table.mounts);
    let statfs = if root.is_live() {
        live_statfs()
    } else {
        Vec::new()
    };
    let (mode, detected_by, reason) = match decide_by_statfs(&statfs) {
        Some((mode, reason)) => {
            let (m_mode, _) = decide_by_mounts(mounts);
            let reason = if m_mode == mode {
                reason
            } else {
                format!("{reason} (mountinfo alone would say {m_mode:?})")
            };
            (mode, "statfs", reason)
        }
        None => {
            let (mode, reason) = decide_by_mounts(mounts);
            (mode, "mountinfo", reason)
        }
    };

    let cgroup2 = cgroup2_mount(mounts, mode);
    let v1_hierarchies = v1_hierarchies(mounts);
    let own_cgroup = own_cgroup(own);
    let (root_controllers, root_subtree_control, own_controllers) = match &cgroup2 {
        Some(m) => {
            let own = match &own_cgroup {
                Probed::Ok(Some(p)) => Some(
                    root.read_words(&join(&m.mount_point, p, "cgroup.controllers"))
                        .into(),
                ),
                _ => None,
            };
            (
                Some(
                    root.read_words(&join(&m.mount_point, "/", "cgroup.controllers"))
                        .into(),
                ),
                Some(
                    root.read_words(&join(&m.mount_point, "/", "cgroup.subtree_control"))
                        .into(),
                ),
                own,
            )
        }
        None => (None, None, None),
    };

    Ok(CgroupFacts {
        mode,
        detected_by: detected_by.to_owned(),
        reason,
        statfs,
        mountinfo_path: path.to_owned(),
        top_mount: mounts::visible_at(mounts, CG).map(|m| m.line.clone()),
        cgroup2,
        v1_hierarchies,
        root_controllers,
        root_subtree_control,
        v1_bound_controllers: v1_bound_controllers(root),
        own_cgroup,
        own_controllers,
        tmpfs: cgroup_tmpfs(root, mounts),
    })
}

/// The /sys/fs/cgroup tmpfs and its entries, where /sys/fs/cgroup is a tmpfs.
fn cgroup_tmpfs(root: &HostRoot, mounts: &[Mount]) -> Option<CgroupTmpfs> {
    let top = mounts::visible_at(mounts, CG).filter(|m| m.info.fs_type == "tmpfs")?;
    let mounted: Vec<String> = mounts
        .iter()
        .filter_map(|m| {
            let p = m.mount_point();
            let name = p.strip_prefix("/sys/fs/cgroup/")?;
            (!name.is_empty() && !name.contains('/')).then(|| name.to_owned())
        })
        .collect();
    let entries = root
        .list_entries(CG)
        .into_iter()
        .map(|(name, t, target)| TmpfsEntry {
            mounted: mounted.contains(&name),
            kind: if t.is_dir() {
                EntryKind::Dir
            } else if t.is_symlink() {
                EntryKind::Symlink
            } else if t.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            },
            name,
            target,
        })
        .collect();
    Some(CgroupTmpfs {
        read_only: top.read_only(),
        super_options: top.super_options_except(&["rw", "ro"]),
        entries,
    })
}

fn join(mount_point: &str, cgroup: &str, file: &str) -> String {
    let cgroup = cgroup.trim_matches('/');
    if cgroup.is_empty() {
        format!("{mount_point}/{file}")
    } else {
        format!("{mount_point}/{cgroup}/{file}")
    }
}

fn live_statfs() -> Vec<StatfsEntry> {
    [CG, CG_UNIFIED, CG_SYSTEMD]
        .iter()
        .filter_map(|p| {
            let st = nix::sys::statfs::statfs(*p).ok()?;
            let magic = st.filesystem_type().0 as i64;
            Some(StatfsEntry {
                path: (*p).to_owned(),
                fs_type: magic_name(magic).to_owned(),
                magic: format!("{magic:#x}"),
            })
        })
        .collect()
}

pub(crate) fn magic_name(magic: i64) -> &'static str {
    match magic {
        CGROUP2_SUPER_MAGIC => "cgroup2fs",
        CGROUP_SUPER_MAGIC => "cgroupfs",
        TMPFS_MAGIC => "tmpfs",
        _ => "other",
    }
}

/// systemd's decision from statfs; `None` when statfs was not available.
pub(crate) fn decide_by_statfs(statfs: &[StatfsEntry]) -> Option<(CgroupMode, String)> {
    let kind = |p: &str| {
        statfs
            .iter()
            .find(|e| e.path == p)
            .map(|e| e.fs_type.as_str())
    };
    let top = kind(CG)?;
    Some(match top {
        "cgroup2fs" => (CgroupMode::Unified, format!("statfs({CG}) is cgroup2fs")),
        "tmpfs" => match (kind(CG_UNIFIED), kind(CG_SYSTEMD)) {
            (Some("cgroup2fs"), _) => (
                CgroupMode::Hybrid,
                format!("statfs({CG}) is tmpfs and {CG_UNIFIED} is cgroup2fs"),
            ),
            (_, Some("cgroup2fs")) => (
                CgroupMode::Hybrid,
                format!("statfs({CG}) is tmpfs and {CG_SYSTEMD} is cgroup2fs (systemd 232 layout)"),
            ),
            (_, Some("cgroupfs")) => (
                CgroupMode::Legacy,
                format!("statfs({CG}) is tmpfs and {CG_SYSTEMD} is a v1 hierarchy"),
            ),
            _ => (
                CgroupMode::None,
                format!("statfs({CG}) is tmpfs but no name=systemd hierarchy is mounted"),
            ),
        },
        other => (
            CgroupMode::None,
            format!("statfs({CG}) is {other}, not a cgroup filesystem"),
        ),
    })
}

/// The same decision from mountinfo alone (captured hosts, `--root`).
pub(crate) fn decide_by_mounts(mounts: &[Mount]) -> (CgroupMode, String) {
    let fs = |p: &str| mounts::visible_at(mounts, p).map(|m| m.info.fs_type.as_str());
    match fs(CG) {
        Some("cgroup2") => (CgroupMode::Unified, format!("cgroup2 is mounted on {CG}")),
        Some("tmpfs") => match (fs(CG_UNIFIED), fs(CG_SYSTEMD)) {
            (Some("cgroup2"), _) => (
                CgroupMode::Hybrid,
                format!("tmpfs on {CG} with cgroup2 on {CG_UNIFIED}"),
            ),
            (_, Some("cgroup2")) => (
                CgroupMode::Hybrid,
                format!("tmpfs on {CG} with cgroup2 on {CG_SYSTEMD} (systemd 232 layout)"),
            ),
            (_, Some("cgroup")) => (
                CgroupMode::Legacy,
                format!("tmpfs on {CG} with v1 hierarchies, including name=systemd"),
            ),
            _ => (
                CgroupMode::None,
                format!(
                    "tmpfs on {CG} but no name=systemd hierarchy (systemd: \"No medium found\")"
                ),
            ),
        },
        Some(other) => (
            CgroupMode::None,
            format!("{other} is mounted on {CG}, not a cgroup filesystem"),
        ),
        None => (CgroupMode::None, format!("nothing is mounted on {CG}")),
    }
}

fn cgroup2_mount(mounts: &[Mount], mode: CgroupMode) -> Option<Cgroup2Mount> {
    let at = match mode {
        CgroupMode::Unified => CG,
        CgroupMode::Hybrid => {
            if mounts::visible_at(mounts, CG_UNIFIED).is_some_and(|m| m.info.fs_type == "cgroup2") {
                CG_UNIFIED
            } else {
                CG_SYSTEMD
            }
        }
        _ => return None,
    };
    let m = mounts::visible_at(mounts, at).filter(|m| m.info.fs_type == "cgroup2")?;
    let super_options = m.super_options_except(&[]);
    Some(Cgroup2Mount {
        mount_point: at.to_owned(),
        read_only: m.read_only(),
        nsdelegate: m.has_super_option("nsdelegate"),
        memory_recursiveprot: m.has_super_option("memory_recursiveprot"),
        favordynmods: m.has_super_option("favordynmods"),
        super_options,
        line: m.line.clone(),
    })
}

/// Super options of a v1 cgroup mount that are not controllers.
const V1_NON_CONTROLLER_OPTIONS: &[&str] = &[
    "rw",
    "ro",
    "xattr",
    "noprefix",
    "clone_children",
    "cpuset_v2_mode",
    "favordynmods",
    "release_agent",
    "all",
    "none",
];

fn v1_hierarchies(mounts: &[Mount]) -> Vec<V1Hierarchy> {
    let mut out: Vec<V1Hierarchy> = Vec::new();
    for m in mounts.iter().filter(|m| m.info.fs_type == "cgroup") {
        let mp = m.mount_point();
        if !mp.starts_with("/sys/fs/cgroup/") {
            continue;
        }
        let controllers = m.super_options_except(V1_NON_CONTROLLER_OPTIONS);
        out.retain(|h| h.mount_point != mp);
        out.push(V1Hierarchy {
            mount_point: mp,
            controllers,
            read_only: m.read_only(),
            line: m.line.clone(),
        });
    }
    out
}

fn v1_bound_controllers(root: &HostRoot) -> Probed<Vec<String>> {
    let parsed = root.read_bytes("/proc/cgroups").and_then(|b| {
        CGroupControllers::from_buf_read(b.as_slice())
            .map_err(|_| "/proc/cgroups: not in the kernel's format".to_owned())
    });
    parsed
        .map(|c| {
            c.0.into_iter()
                .filter(|c| c.enabled && c.hierarchy != 0)
                .map(|c| c.name)
                .collect()
        })
        .into()
}

/// The `0::` path of the cgroup file; `None` on a pure v1 host.
fn own_cgroup(own: &OwnCgroup) -> Probed<Option<String>> {
    own.content
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|b| {
            ProcessCGroups::from_buf_read(b.as_slice())
                .map_err(|_| format!("{}: not in the kernel's format", own.path))
        })
        .map(|c| {
            c.0.into_iter()
                .find(|c| c.hierarchy == 0)
                .map(|c| c.pathname)
        })
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, fs_type: &str) -> StatfsEntry {
        StatfsEntry {
            path: path.into(),
            fs_type: fs_type.into(),
            magic: String::new(),
        }
    }

    #[test]
    fn statfs_table() {
        let cases = [
            (vec![entry(CG, "cgroup2fs")], CgroupMode::Unified),
            (
                vec![
                    entry(CG, "tmpfs"),
                    entry(CG_UNIFIED, "cgroup2fs"),
                    entry(CG_SYSTEMD, "cgroupfs"),
                ],
                CgroupMode::Hybrid,
            ),
            (
                vec![entry(CG, "tmpfs"), entry(CG_SYSTEMD, "cgroup2fs")],
                CgroupMode::Hybrid,
            ),
            (
                vec![entry(CG, "tmpfs"), entry(CG_SYSTEMD, "cgroupfs")],
                CgroupMode::Legacy,
            ),
            (vec![entry(CG, "tmpfs")], CgroupMode::None),
            (vec![entry(CG, "other")], CgroupMode::None),
        ];
        for (statfs, want) in cases {
            assert_eq!(decide_by_statfs(&statfs).unwrap().0, want, "{statfs:?}");
        }
        assert!(decide_by_statfs(&[]).is_none());
    }
}
