//! Host probes: everything read through the [`HostRoot`].

pub(crate) mod cgroup;
pub(crate) mod kernel;
pub(crate) mod mounts;
pub(crate) mod process;

use crate::facts::HostFacts;
use crate::probe::root::HostRoot;

pub(crate) fn probe(root: &HostRoot) -> HostFacts {
    let mounts = mounts::read(root);
    let own = cgroup::OwnCgroup::read(root);
    HostFacts {
        root: root.dir().display().to_string(),
        live: root.is_live(),
        cgroup: cgroup::probe(root, &mounts, &own),
        kernel: kernel::probe_kernel(root),
        cmdline: kernel::probe_cmdline(root),
        init: process::probe_init(root),
        container: process::probe_container(root, mounts.as_ref().ok(), &own),
        capabilities: process::probe_capabilities(root),
    }
}
