//! All I/O lives here: host files through a root directory (and, later, the
//! Docker Engine API). Probes never decide pass or fail.

pub mod host;
pub mod image;
pub mod root;
pub mod systemd_lib;

use crate::facts::Facts;
use root::HostRoot;

pub fn probe_all(root: &HostRoot) -> Facts {
    Facts {
        host: host::probe(root),
        images: Vec::new(),
    }
}
