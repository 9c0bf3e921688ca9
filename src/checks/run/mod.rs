//! Run checks: a `docker run` line judged against this host (and, when known,
//! the daemon and the image). All skip when no line was given.

pub(crate) mod cgroup_mount;
pub(crate) mod cgroupns;
pub(crate) mod init;
pub(crate) mod privileges;
pub(crate) mod read_only;
pub(crate) mod security;
pub(crate) mod stop_signal;
pub(crate) mod tmpfs;
pub(crate) mod user;

use crate::checks::Outcome;
use crate::facts::Facts;
use crate::runline::effective::{EffectiveRun, NotJudged};

/// The effective run, or the outcome every run check gives when there is nothing to judge.
/// Said after a warning about the host's cgroup tree when no line avoids
/// it on this daemon; empty where `--privileged` without a bind would.
pub(crate) fn no_line_avoids(s: &EffectiveRun) -> &'static str {
    if s.ctx.privileged_possible == Some(false) {
        "; no run line avoids this on this daemon: it cannot grant --privileged, with which Docker would mount the container's own cgroups and no bind would be needed"
    } else {
        ""
    }
}

pub(crate) fn effective(facts: &Facts) -> Result<EffectiveRun<'_>, Outcome> {
    EffectiveRun::of(facts).map_err(|why| match why {
        NotJudged::NoLine => {
            Outcome::skip("no run line given (sdctr-doctor lint -- docker run ...)")
        }
        NotJudged::UnknownLayout(e) => {
            Outcome::error(format!("cannot tell the cgroup layout containers get: {e}"))
        }
        NotJudged::NoCgroups => {
            Outcome::skip("the host has no usable cgroup layout (see host.cgroup-mode)")
        }
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Facts with a run line, for the run checks' table tests.

    use crate::facts::Facts;
    pub(crate) use crate::runline::context::RunContext;

    pub(crate) fn with_line(mut facts: Facts, line: &str) -> Facts {
        with_line_ctx(&mut facts, line, RunContext::default());
        facts
    }

    /// The line, and daemon and image facts that tell the run checks what
    /// `context` says (the run checks derive their context from those facts).
    pub(crate) fn with_line_ctx(facts: &mut Facts, line: &str, context: RunContext) {
        let run = crate::runline::from_line(&[line.to_owned()]).unwrap();
        let image = run.spec.image.clone();
        facts.run = Some(run);
        let c = context;
        let daemon_known = c.daemon_cgroup_version.is_some()
            || c.engine_version.is_some()
            || c.privileged_possible.is_some()
            || c.userns_remap.is_some()
            || c.apparmor.is_some()
            || c.selinux.is_some()
            || c.default_cgroupns_private.is_some()
            || c.daemon_init.is_some();
        if daemon_known {
            let host_unified = facts
                .host
                .cgroup
                .ok()
                .is_some_and(|g| g.mode == crate::facts::host::CgroupMode::Unified);
            let mut d = crate::testing::fixture_docker("devvm-hybrid-20.10");
            d.cgroup_version = c.daemon_cgroup_version.map(|v| v.to_string());
            d.server_version = c.engine_version.unwrap_or_default();
            d.privileged_possible = c.privileged_possible;
            d.security.userns = c.userns_remap.unwrap_or(false);
            d.security.apparmor = c.apparmor.unwrap_or(false);
            d.security.selinux = c.selinux.unwrap_or(false);
            // Unset: what Docker does by default on the layout containers get.
            d.security.cgroupns_private = c
                .default_cgroupns_private
                .unwrap_or(c.daemon_cgroup_version == Some(2) || host_unified);
            d.config = c
                .daemon_init
                .map(|init| crate::facts::docker::DaemonConfig {
                    file: "/etc/docker/daemon.json".into(),
                    file_from: "the default (no --config-file)".into(),
                    init: Some(init),
                    init_from: Some("/etc/docker/daemon.json".into()),
                    ..Default::default()
                });
            facts.docker = Some(d);
        }
        if c.image_systemd_major.is_some()
            || c.image_stop_signal.is_some()
            || c.image_user.is_some()
        {
            let mut img = crate::testing::bookworm_image();
            img.reference = image;
            img.systemd = crate::facts::Probed::Ok(c.image_systemd_major.map(|m| {
                let mut v = crate::testing::bookworm_image()
                    .systemd
                    .ok()
                    .cloned()
                    .flatten()
                    .unwrap();
                v.major = m;
                v
            }));
            img.stop_signal = c.image_stop_signal;
            img.user = c.image_user.unwrap_or_default();
            facts.images.retain(|i| i.reference != img.reference);
            facts.images.push(img);
        }
    }

    pub(crate) fn ctx(f: impl FnOnce(&mut RunContext)) -> RunContext {
        let mut c = RunContext::default();
        f(&mut c);
        c
    }
}
