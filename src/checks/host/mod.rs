//! Host checks: the cgroup layout, the kernel and where the doctor runs.

pub(crate) mod cgroup2_mount;
pub(crate) mod cgroup_mode;
pub(crate) mod cgroup_tmpfs;
pub(crate) mod cmdline;
pub(crate) mod controllers;
pub(crate) mod inside_container;
pub(crate) mod kernel;
