//! All I/O lives here: host files through a root directory (and, later, the
//! Docker Engine API). Probes never decide pass or fail.

pub mod docker;
pub mod host;
pub mod image;
pub mod root;
pub mod systemd_lib;

use crate::facts::Facts;
use root::HostRoot;

/// Host facts only; the daemon is not asked.
pub fn probe_all(root: &HostRoot) -> Facts {
    probe_with_docker(root, &docker::Options::skipped())
}

/// The host probe on a thread while the docker probe waits on the daemon, so a
/// run costs about what the daemon's `/info` costs.
pub fn probe_with_docker(root: &HostRoot, opts: &docker::Options) -> Facts {
    std::thread::scope(|s| {
        let host = s.spawn(|| host::probe(root));
        let (docker, docker_probe) = docker::probe(opts);
        Facts {
            host: host
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            docker,
            docker_probe: Some(docker_probe),
            container: None,
            run: None,
            images: Vec::new(),
        }
    })
}
