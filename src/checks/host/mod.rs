//! Host checks: the cgroup layout, the kernel and where the doctor runs.

pub mod cgroup2_mount;
pub mod cgroup_mode;
pub mod cmdline;
pub mod controllers;
pub mod inside_container;
pub mod kernel;
