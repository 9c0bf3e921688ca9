//! What the container made by the run line will really get on this host:
//! the line's settings with the daemon's defaults and refusals applied,
//! decided once for every run check and for the corrector.

use super::context::RunContext;
use super::systemd::{is_init, pid1, PODMAN_NOFILE};
use crate::facts::host::CgroupMode;
use crate::facts::run::{Client, RunSpec};
use crate::facts::Facts;

#[derive(Debug, Clone)]
pub(crate) struct EffectiveRun<'a> {
    pub(crate) spec: &'a RunSpec,
    pub(crate) ctx: RunContext,
    /// The cgroup layout containers get: the daemon's `CgroupVersion` when known, else the host's.
    pub(crate) mode: CgroupMode,
    pub(crate) mode_from: String,
    pub(crate) cgroupns_host: bool,
    pub(crate) cgroupns_from: String,
    /// `--privileged` asked for and not known to be refused by the daemon.
    pub(crate) privileged: bool,
    pub(crate) userns_remap: bool,
    /// `podman run` in systemd mode: podman mounts the tmpfs, sets the stop
    /// signal and makes the cgroup tree writable on v2.
    pub(crate) podman_systemd: bool,
    pub(crate) sysbox: bool,
    /// docker-init (tini) will be PID 1: `--init`, or the daemon's `init: true`
    /// without `--init=false` on the line.
    pub(crate) init: bool,
    pub(crate) init_from: &'static str,
    /// Podman would give the container RLIMIT_NOFILE above what it can
    /// grant (its own hard limit, without CAP_SYS_RESOURCE): runc refuses.
    pub(crate) rlimit_refused: Option<u64>,
    /// systemd can mount tmpfs on /run itself (CAP_SYS_ADMIN and no LSM in the way).
    pub(crate) can_mount: bool,
    pub(crate) kernel: Option<[u32; 3]>,
    /// The host's PID 1 is systemd (its own cgroups sit at every v1 hierarchy's root).
    pub(crate) host_systemd: bool,
}

/// Why there is no effective run to judge.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NotJudged {
    NoLine,
    /// The cgroup layout containers get is unknown (the host probe failed).
    UnknownLayout(String),
    /// The host has no usable cgroup layout.
    NoCgroups,
}

impl<'a> EffectiveRun<'a> {
    pub(crate) fn of(facts: &'a Facts) -> Result<EffectiveRun<'a>, NotJudged> {
        let run = facts.run.as_ref().ok_or(NotJudged::NoLine)?;
        Self::with_spec(facts, &run.spec)
    }

    /// The same for another spec (the corrector's edited line) on the same facts.
    pub(crate) fn with_spec(
        facts: &Facts,
        spec: &'a RunSpec,
    ) -> Result<EffectiveRun<'a>, NotJudged> {
        let ctx = RunContext::of(facts);
        let host_mode = facts.host.cgroup.as_result().map(|c| c.mode);
        let (mode, mode_from) = match (ctx.daemon_cgroup_version, host_mode) {
            (Some(2), _) => (CgroupMode::Unified, "daemon CgroupVersion 2".to_owned()),
            (Some(1), Ok(m)) if m.is_v1() => (m, "daemon CgroupVersion 1".to_owned()),
            (Some(1), _) => (CgroupMode::Legacy, "daemon CgroupVersion 1".to_owned()),
            (_, Ok(m)) => (m, format!("host: {}", m.describe())),
            (_, Err(e)) => return Err(NotJudged::UnknownLayout(e.to_owned())),
        };
        if mode == CgroupMode::None {
            return Err(NotJudged::NoCgroups);
        }
        let (cgroupns_host, cgroupns_from) = match spec.cgroupns.as_deref() {
            Some("host") => (true, "--cgroupns=host".to_owned()),
            Some(other) => (false, format!("--cgroupns={other}")),
            None => match ctx.default_cgroupns_private {
                Some(p) => (!p, "the daemon's default-cgroupns-mode".to_owned()),
                None if mode == CgroupMode::Unified => {
                    (false, "Docker's default on cgroup v2".to_owned())
                }
                None => (true, "Docker's default on cgroup v1".to_owned()),
            },
        };
        let userns_remap = ctx.userns_remap == Some(true) && spec.userns.as_deref() != Some("host");
        // Docker refuses --privileged under userns-remap without --userns=host.
        let privileged = spec.privileged && ctx.privileged_possible != Some(false) && !userns_remap;
        let podman_systemd = spec.client == Client::Podman
            && match spec.podman_systemd.as_deref() {
                Some("always") => true,
                Some("false") => false,
                _ => pid1(spec).is_none_or(is_init),
            };
        let sysbox = spec
            .runtime
            .as_deref()
            .is_some_and(|r| r.starts_with("sysbox"));
        let init_option = spec.options.iter().rev().find(|a| a.name == "init");
        let (init, init_from) = match init_option {
            Some(a) => (a.is_on(), "--init on the line"),
            None if ctx.daemon_init == Some(true) => (true, "the daemon's `init: true`"),
            None => (false, "no --init"),
        };
        let sets_nofile = spec.options.iter().any(|a| {
            a.name == "ulimit" && a.value.as_deref().is_some_and(|v| v.starts_with("nofile="))
        });
        let rlimit_refused = match ctx.daemon_nofile_ceiling {
            Some(max) if ctx.podman == Some(true) && max < PODMAN_NOFILE && !sets_nofile => {
                Some(max)
            }
            _ => None,
        };
        let apparmor_confines =
            ctx.apparmor != Some(false) && spec.security("apparmor") != Some("unconfined");
        let can_mount = privileged
            || podman_systemd
            || sysbox
            || (spec.cap_added("SYS_ADMIN")
                && !spec.cap_dropped("SYS_ADMIN")
                && !apparmor_confines);
        Ok(EffectiveRun {
            spec,
            ctx,
            mode,
            mode_from,
            cgroupns_host,
            cgroupns_from,
            privileged,
            userns_remap,
            podman_systemd,
            sysbox,
            init,
            init_from,
            rlimit_refused,
            can_mount,
            kernel: facts.host.kernel.ok().and_then(|k| k.version),
            host_systemd: facts.host.init.ok().is_some_and(|i| i.is_systemd),
        })
    }
}
