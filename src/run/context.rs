//! The run checks' view of the daemon and the image, taken from their facts.

use crate::facts::docker::{DockerFacts, Engine};
use crate::facts::run::RunContext;

/// Fills what the daemon told; unknown stays `None`.
pub fn from_docker(context: &mut RunContext, d: &DockerFacts) {
    context.daemon_cgroup_version = d.cgroup_version.as_deref().and_then(|v| v.parse().ok());
    context.engine_version = Some(d.server_version.clone());
    context.podman = Some(d.engine == Engine::Podman);
    context.privileged_possible = d.privileged_possible;
    context.userns_remap = Some(d.security.userns);
    context.apparmor = Some(d.security.apparmor);
    context.selinux = Some(d.security.selinux);
    context.default_cgroupns_private = Some(d.security.cgroupns_private);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machines_daemon() {
        // The real /version and /info of the development VM's daemon.
        let d = crate::checks::testing::fixture_docker("devvm-hybrid-20.10");
        let mut c = RunContext::default();
        from_docker(&mut c, &d);
        assert_eq!(c.daemon_cgroup_version, Some(1));
        assert_eq!(c.engine_version.as_deref(), Some("20.10.24+dfsg1"));
        assert_eq!(c.apparmor, Some(false));
        assert_eq!(c.default_cgroupns_private, Some(false));
    }
}
