//! The run checks' view of the daemon and the image, taken from their facts.

use crate::facts::docker::{DockerFacts, Engine};
use crate::facts::run::RunContext;
use crate::facts::ImageFacts;

/// Fills what the daemon and the line's image told, where they were probed.
pub fn fill(context: &mut RunContext, d: Option<&DockerFacts>, img: Option<&ImageFacts>) {
    if let Some(d) = d {
        from_docker(context, d);
    }
    if let Some(img) = img {
        from_image(context, img);
    }
}

/// Fills what the daemon told; unknown stays `None`.
pub fn from_docker(context: &mut RunContext, d: &DockerFacts) {
    context.daemon_cgroup_version = crate::checks::docker::cgroup_v(d);
    context.engine_version = Some(d.server_version.clone());
    context.podman = Some(d.engine == Engine::Podman);
    context.privileged_possible = d.privileged_possible;
    context.userns_remap = Some(d.security.userns);
    context.apparmor = Some(d.security.apparmor);
    context.selinux = Some(d.security.selinux);
    context.default_cgroupns_private = Some(d.security.cgroupns_private);
}

/// Fills what the image probe read; an image that could not be read leaves
/// everything unknown.
pub fn from_image(context: &mut RunContext, img: &ImageFacts) {
    if !img.readable() {
        return;
    }
    context.image_systemd_major = img.systemd.ok().and_then(|v| v.as_ref()).map(|v| v.major);
    context.image_stop_signal = img.stop_signal.clone();
    context.image_user = Some(img.user.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_fields() {
        let mut c = RunContext::default();
        from_image(&mut c, &crate::checks::testing::bookworm_image());
        assert_eq!(c.image_systemd_major, Some(252));
        assert_eq!(c.image_stop_signal.as_deref(), Some("SIGRTMIN+3"));
        assert_eq!(c.image_user.as_deref(), Some(""));
        let mut c = RunContext::default();
        from_image(&mut c, &ImageFacts::unavailable("x", false, None));
        assert_eq!(c, RunContext::default());
    }

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
