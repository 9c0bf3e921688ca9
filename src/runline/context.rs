//! What the daemon and the line's image tell the run checks, derived from
//! their facts whenever it is asked for (never stored beside the line).

use crate::facts::docker::DockerFacts;
use crate::facts::{Facts, ImageFacts};

/// Daemon and image facts the run checks use; every field `None` when unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RunContext {
    /// `/info` `CgroupVersion` (1 or 2). Wins over the host's layout: on
    /// Docker Desktop the host is not where containers run.
    pub(crate) daemon_cgroup_version: Option<u8>,
    /// Docker Engine version (`/version` `Version`), e.g. `20.10.24+dfsg1`.
    pub(crate) engine_version: Option<String>,
    /// Whether the daemon can grant `--privileged` (its own bounding set holds every capability).
    pub(crate) privileged_possible: Option<bool>,
    /// `name=userns` in `SecurityOptions`: userns-remap is active.
    pub(crate) userns_remap: Option<bool>,
    /// `name=apparmor` in `SecurityOptions`.
    pub(crate) apparmor: Option<bool>,
    /// `name=selinux` in `SecurityOptions`.
    pub(crate) selinux: Option<bool>,
    /// `name=cgroupns` in `SecurityOptions`: the daemon's default is a private cgroup namespace.
    pub(crate) default_cgroupns_private: Option<bool>,
    /// The daemon's own `init` setting (`init: true` in its config file or
    /// `--init` on its command line), where the daemon is local.
    pub(crate) daemon_init: Option<bool>,
    /// Where `daemon_init` was read (a file, or the daemon's command line).
    pub(crate) daemon_init_from: Option<String>,
    /// The engine is Podman.
    pub(crate) podman: Option<bool>,
    /// Podman's own RLIMIT_NOFILE hard limit, where it lacks CAP_SYS_RESOURCE
    /// (so it cannot give a container more).
    pub(crate) daemon_nofile_ceiling: Option<u64>,
    /// Major version of the image's systemd.
    pub(crate) image_systemd_major: Option<u32>,
    /// The image's `STOPSIGNAL` (`Config.StopSignal`), `None` when unknown or unset.
    pub(crate) image_stop_signal: Option<String>,
    /// The image's `USER` (`Config.User`); empty means root.
    pub(crate) image_user: Option<String>,
    /// The image's `ENTRYPOINT` (`Config.Entrypoint`), empty when unset: a
    /// command on the line is then PID 1 itself.
    pub(crate) image_entrypoint: Option<Vec<String>>,
    /// Where systemd is in the image (links followed), `None` when unknown or absent.
    pub(crate) image_systemd_path: Option<String>,
    /// The image's own PID 1 (ENTRYPOINT + CMD) is systemd.
    pub(crate) image_pid1_systemd: Option<bool>,
}

impl RunContext {
    /// What the daemon and the run line's image told, where they were probed.
    pub(crate) fn of(facts: &Facts) -> RunContext {
        let mut c = RunContext::default();
        if let Some(d) = &facts.docker {
            c.add_daemon(d);
        }
        let image = facts
            .run
            .as_ref()
            .and_then(|r| facts.images.iter().find(|i| i.reference == r.spec.image));
        if let Some(img) = image {
            c.add_image(img);
        }
        c
    }

    fn add_daemon(&mut self, d: &DockerFacts) {
        self.daemon_cgroup_version = d.cgroup_version_number();
        self.engine_version = Some(d.server_version.clone());
        self.privileged_possible = d.privileged_possible;
        self.userns_remap = Some(d.security.userns);
        self.apparmor = Some(d.security.apparmor);
        self.selinux = Some(d.security.selinux);
        self.default_cgroupns_private = Some(d.security.cgroupns_private);
        self.daemon_init = d.config.as_ref().and_then(|c| c.init);
        self.podman = Some(d.engine == crate::facts::docker::Engine::Podman);
        self.daemon_nofile_ceiling = d
            .daemon_process
            .as_ref()
            .filter(|p| p.missing_caps.iter().any(|c| c == "CAP_SYS_RESOURCE"))
            .and_then(|p| p.nofile_hard);
        self.daemon_init_from = d.config.as_ref().and_then(|c| c.init_from.clone());
    }

    /// An image that could not be read leaves everything unknown.
    fn add_image(&mut self, img: &ImageFacts) {
        if !img.readable() {
            return;
        }
        self.image_systemd_major = img.systemd.ok().and_then(|v| v.as_ref()).map(|v| v.major);
        self.image_stop_signal = img.stop_signal.clone();
        self.image_user = Some(img.user.clone());
        self.image_entrypoint = Some(img.entrypoint.clone().unwrap_or_default());
        self.image_systemd_path = img.systemd_path.clone();
        self.image_pid1_systemd = img
            .pid1
            .ok()
            .map(|p| p.kind == crate::facts::image::Pid1Kind::Systemd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{bookworm_image, fixture_docker, hybrid_host, with_image};

    fn with_line(mut f: Facts, image: &str) -> Facts {
        f.run = Some(crate::runline::from_line(&[format!("docker run {image}")]).unwrap());
        f
    }

    #[test]
    fn image_fields_come_from_the_lines_image_only() {
        let img = bookworm_image();
        let f = with_line(with_image(hybrid_host(), img.clone()), &img.reference);
        let c = RunContext::of(&f);
        assert_eq!(c.image_systemd_major, Some(252));
        assert_eq!(c.image_stop_signal.as_deref(), Some("SIGRTMIN+3"));
        assert_eq!(c.image_user.as_deref(), Some(""));
        let other = with_line(with_image(hybrid_host(), img), "other:1");
        assert_eq!(RunContext::of(&other), RunContext::default());
        let mut unreadable = hybrid_host();
        unreadable
            .images
            .push(ImageFacts::unavailable("x", false, None));
        assert_eq!(
            RunContext::of(&with_line(unreadable, "x")),
            RunContext::default()
        );
    }

    #[test]
    fn this_machines_daemon() {
        // The real /version and /info of the development VM's daemon.
        let mut f = hybrid_host();
        f.docker = Some(fixture_docker("devvm-hybrid-20.10"));
        let c = RunContext::of(&f);
        assert_eq!(c.daemon_cgroup_version, Some(1));
        assert_eq!(c.engine_version.as_deref(), Some("20.10.24+dfsg1"));
        assert_eq!(c.apparmor, Some(false));
        assert_eq!(c.default_cgroupns_private, Some(false));
    }
}
