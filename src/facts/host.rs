//! What the host probes learned.

use serde::{Deserialize, Serialize};

use super::Probed;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostFacts {
    /// The directory the host files were read through (`/` for the live host).
    pub root: String,
    /// True when `root` is the running host, so statfs and uname describe it too.
    pub live: bool,
    pub cgroup: Probed<CgroupFacts>,
    pub kernel: Probed<KernelFacts>,
    pub cmdline: Probed<CmdlineFacts>,
    pub init: Probed<InitFacts>,
    pub container: Probed<ContainerFacts>,
    pub capabilities: Probed<CapabilityFacts>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CgroupMode {
    /// cgroup2 on /sys/fs/cgroup.
    Unified,
    /// tmpfs on /sys/fs/cgroup, v1 controllers, cgroup2 on /sys/fs/cgroup/unified
    /// (or, systemd v232 style, on /sys/fs/cgroup/systemd).
    Hybrid,
    /// tmpfs on /sys/fs/cgroup, v1 hierarchies including name=systemd.
    Legacy,
    /// Nothing systemd could use.
    None,
}

impl CgroupMode {
    pub fn describe(self) -> &'static str {
        match self {
            CgroupMode::Unified => "cgroup v2 (unified)",
            CgroupMode::Hybrid => "cgroup v1 + v2 (hybrid)",
            CgroupMode::Legacy => "cgroup v1 (legacy)",
            CgroupMode::None => "no usable cgroup hierarchy",
        }
    }

    pub fn is_v1(self) -> bool {
        matches!(self, CgroupMode::Hybrid | CgroupMode::Legacy)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CgroupFacts {
    pub mode: CgroupMode,
    /// How the mode was decided: `statfs` (live host) or `mountinfo`.
    pub detected_by: String,
    /// Why the mode is what it is, in one sentence.
    pub reason: String,
    /// statfs filesystem types seen on the live host, path → type name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statfs: Vec<StatfsEntry>,
    /// The file the mounts were read from, relative to the root.
    pub mountinfo_path: String,
    /// The mount on /sys/fs/cgroup itself (raw mountinfo line).
    pub top_mount: Option<String>,
    /// The cgroup2 mount systemd would use (on /sys/fs/cgroup, or /sys/fs/cgroup/unified).
    pub cgroup2: Option<Cgroup2Mount>,
    /// cgroup v1 hierarchies mounted under /sys/fs/cgroup.
    pub v1_hierarchies: Vec<V1Hierarchy>,
    /// `cgroup.controllers` of the cgroup2 root (what the kernel offers on v2);
    /// `None` without a cgroup2 mount.
    pub root_controllers: Option<Probed<Vec<String>>>,
    /// `cgroup.subtree_control` of the cgroup2 root (what is delegated to children).
    pub root_subtree_control: Option<Probed<Vec<String>>>,
    /// Controllers bound to a v1 hierarchy in /proc/cgroups (unavailable on v2).
    pub v1_bound_controllers: Probed<Vec<String>>,
    /// This process's cgroup v2 path (`0::` line of /proc/self/cgroup; of /proc/1/cgroup under a
    /// `--root` that is a real procfs, where /proc/self is the doctor's container).
    pub own_cgroup: Probed<Option<String>>,
    /// `cgroup.controllers` of that cgroup: what a daemon started there is delegated.
    pub own_controllers: Option<Probed<Vec<String>>>,
    /// The tmpfs on /sys/fs/cgroup (v1 and hybrid hosts); absent on v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<CgroupTmpfs>,
}

/// The tmpfs on /sys/fs/cgroup of a v1 or hybrid host. A container given the
/// host's tree shares this very superblock, so what its systemd does to it
/// (remount it read-only, add directories and links) happens to the host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CgroupTmpfs {
    pub read_only: bool,
    /// Per-superblock options, sorted, e.g. `mode=755`, `size=4096k`.
    pub super_options: Vec<String>,
    /// What is in it, by name (mount points, systemd's links, anything else).
    pub entries: Vec<TmpfsEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TmpfsEntry {
    pub name: String,
    pub kind: EntryKind,
    /// A link's target, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A hierarchy (or other filesystem) is mounted on it.
    pub mounted: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Dir,
    Symlink,
    File,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StatfsEntry {
    pub path: String,
    pub fs_type: String,
    pub magic: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cgroup2Mount {
    pub mount_point: String,
    pub read_only: bool,
    pub nsdelegate: bool,
    pub memory_recursiveprot: bool,
    pub favordynmods: bool,
    /// Per-superblock options as the kernel lists them.
    pub super_options: Vec<String>,
    pub line: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct V1Hierarchy {
    pub mount_point: String,
    /// Controllers (and `name=` of named hierarchies) bound to it.
    pub controllers: Vec<String>,
    pub read_only: bool,
    pub line: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KernelFacts {
    pub release: String,
    /// Leading `major.minor.patch` of the release, when it has one.
    pub version: Option<[u32; 3]>,
    pub wsl: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CmdlineFacts {
    pub raw: String,
    pub unified_cgroup_hierarchy: Option<String>,
    pub legacy_systemd_cgroup_controller: Option<String>,
    pub cgroup_no_v1: Option<String>,
    pub legacy_force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitFacts {
    /// PID 1's `comm`.
    pub comm: String,
    pub is_systemd: bool,
    /// From the `libsystemd-shared-*.so` name, where PID 1 is systemd.
    pub systemd_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerFacts {
    /// True when the doctor is judged to run inside a container.
    pub inside: bool,
    /// Every container sign seen, e.g. `/.dockerenv exists`.
    pub signals: Vec<String>,
    /// Signs that speak against it, e.g. the root filesystem is on a block device.
    pub counter_signals: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapabilityFacts {
    /// CapBnd of the doctor's own process, hex as in /proc/self/status.
    pub bounding_set: String,
    /// Capabilities known to this kernel's era that are not in the set.
    pub missing: Vec<String>,
}
