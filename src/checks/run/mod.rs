//! Run checks: a `docker run` line judged against this host (and, when known,
//! the daemon and the image). All skip when no line was given.

pub mod cgroup_mount;
pub mod cgroupns;
pub mod init;
pub mod privileges;
pub mod read_only;
pub mod security;
pub mod stop_signal;
pub mod tmpfs;
pub mod user;

use crate::checks::Outcome;
use crate::facts::docker::LenientVersion;
use crate::facts::host::CgroupMode;
use crate::facts::run::{Client, MountKind, RunContext, RunSpec};
use crate::facts::Facts;

/// The commands podman's `--systemd=true` recognises, plus systemd's own paths.
pub const INIT_COMMANDS: &[&str] = &[
    "systemd",
    "/sbin/init",
    "/usr/sbin/init",
    "/usr/local/sbin/init",
    "/lib/systemd/systemd",
    "/usr/lib/systemd/systemd",
];

/// What the container will get, decided once for every run check.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    pub spec: &'a RunSpec,
    pub ctx: &'a RunContext,
    /// The cgroup layout containers get: the daemon's `CgroupVersion` when known, else the host's.
    pub mode: CgroupMode,
    pub mode_from: String,
    pub cgroupns_host: bool,
    pub cgroupns_from: String,
    /// `--privileged` asked for and not known to be refused by the daemon.
    pub privileged: bool,
    pub userns_remap: bool,
    /// `podman run` in systemd mode: podman mounts the tmpfs, sets the stop
    /// signal and makes the cgroup tree writable on v2.
    pub podman_systemd: bool,
    pub sysbox: bool,
    /// systemd can mount tmpfs on /run itself (CAP_SYS_ADMIN and no LSM in the way).
    pub can_mount: bool,
    pub kernel: Option<[u32; 3]>,
}

/// The setup, or the outcome every run check gives when there is nothing to judge.
pub fn setup(facts: &Facts) -> Result<Setup<'_>, Outcome> {
    let Some(run) = &facts.run else {
        return Err(Outcome::skip(
            "no run line given (sdctr-doctor lint -- docker run ...)",
        ));
    };
    let (spec, ctx) = (&run.spec, &run.context);
    let host_mode = facts.host.cgroup.as_result().map(|c| c.mode);
    let (mode, mode_from) = match (ctx.daemon_cgroup_version, host_mode) {
        (Some(2), _) => (CgroupMode::Unified, "daemon CgroupVersion 2".to_owned()),
        (Some(1), Ok(m)) if m.is_v1() => (m, "daemon CgroupVersion 1".to_owned()),
        (Some(1), _) => (CgroupMode::Legacy, "daemon CgroupVersion 1".to_owned()),
        (_, Ok(m)) => (m, format!("host: {}", m.describe())),
        (_, Err(e)) => {
            return Err(Outcome::error(format!(
                "cannot tell the cgroup layout containers get: {e}"
            )))
        }
    };
    if mode == CgroupMode::None {
        return Err(Outcome::skip(
            "the host has no usable cgroup layout (see host.cgroup-mode)",
        ));
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
    let privileged = spec.privileged && ctx.privileged_possible != Some(false);
    let userns_remap = ctx.userns_remap == Some(true) && spec.userns.as_deref() != Some("host");
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
    let apparmor_confines =
        ctx.apparmor != Some(false) && spec.security("apparmor") != Some("unconfined");
    let can_mount = privileged
        || podman_systemd
        || sysbox
        || (spec.cap_added("SYS_ADMIN") && !spec.cap_dropped("SYS_ADMIN") && !apparmor_confines);
    Ok(Setup {
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
        can_mount,
        kernel: facts.host.kernel.ok().and_then(|k| k.version),
    })
}

/// What PID 1 will run, when the line says (`--entrypoint`, else the first argument).
pub fn pid1(spec: &RunSpec) -> Option<&str> {
    match spec.entrypoint.as_deref() {
        Some(e) if !e.is_empty() => e.split_whitespace().next(),
        _ => spec.args.first().map(String::as_str),
    }
}

pub fn is_init(cmd: &str) -> bool {
    INIT_COMMANDS.contains(&cmd)
}

pub use crate::checks::image::stop_signal::is_rtmin3;

pub use crate::checks::image::user::is_root;

/// Leading major version of a Docker Engine version (`20.10.24+dfsg1` → 20).
pub fn engine_major(v: &str) -> Option<u32> {
    LenientVersion::parse(v).and_then(|v| u32::try_from(v.nums[0]).ok())
}

/// Where unprivileged systemd needs a tmpfs it cannot mount itself.
pub const TMPFS_PATHS: [&str; 3] = ["/run", "/run/lock", "/tmp"];

/// A mount point for `path` systemd will find already there: a tmpfs, or an
/// anonymous volume (`-v /run`, seen in older READMEs).
pub fn premounted(spec: &RunSpec, path: &str) -> bool {
    spec.has_tmpfs(path)
        || spec
            .mounts
            .iter()
            .any(|m| m.kind == MountKind::Volume && m.source.is_none() && m.is_at(path))
}

#[cfg(test)]
pub mod testing {
    //! Facts with a run line, for the run checks' table tests.

    use crate::facts::run::RunContext;
    use crate::facts::Facts;

    pub fn with_line(mut facts: Facts, line: &str) -> Facts {
        with_line_ctx(&mut facts, line, RunContext::default());
        facts
    }

    pub fn with_line_ctx(facts: &mut Facts, line: &str, context: RunContext) {
        let mut run = crate::run::lint_input(&[line.to_owned()]).unwrap();
        run.context = context;
        facts.run = Some(run);
    }

    pub fn ctx(f: impl FnOnce(&mut RunContext)) -> RunContext {
        let mut c = RunContext::default();
        f(&mut c);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert!(is_rtmin3("SIGRTMIN+3") && is_rtmin3("RTMIN+3") && is_rtmin3("37"));
        assert!(!is_rtmin3("SIGTERM"));
        assert!(is_root("0:0") && is_root("root") && is_root("") && is_root("00:0"));
        assert!(!is_root("1000") && !is_root("ansible:ansible"));
        assert_eq!(engine_major("20.10.24+dfsg1"), Some(20));
        assert_eq!(engine_major("28.2.2"), Some(28));
    }
}
