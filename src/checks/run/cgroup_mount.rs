use super::{effective, no_line_avoids};
use crate::checks::{Check, Outcome, Status};
use crate::facts::host::CgroupMode;
use crate::facts::run::Mount;
use crate::facts::Facts;
use crate::runline::effective::EffectiveRun;
use crate::runline::systemd::engine_major;

pub(crate) static CHECK: Check = Check {
    id: "run.cgroup-mount",
    title: "cgroup tree systemd can write",
    explain: "systemd PID 1 must create /init.scope in its own cgroup, so the cgroup tree it sees must be \
writable and match /proc/self/cgroup. cgroup v2: Docker mounts the container's cgroup read-only unless \
--privileged or userns-remap; a `-v /sys/fs/cgroup:/sys/fs/cgroup:ro` bind overrides even --privileged \
(\"Failed to create /init.scope control group: Read-only file system\"); a rw bind without \
--cgroupns=host shows the host root while /proc/self/cgroup says 0::/ (\"No such file or directory\"); \
--cgroupns=host with a rw bind works. cgroup v1 (legacy/hybrid): the `:ro` bind is the classic recipe: \
only the top tmpfs is read-only, the hierarchies below stay writable, so systemd writes into the \
host's own tree. Docker Engine >= 25 makes `:ro` binds recursively read-only (kernel >= 5.12), which \
makes those hierarchies read-only too; `--mount ...,readonly,bind-recursive=writable` keeps the old \
behaviour.",
    sources: &[
        "moby/moby daemon/oci_linux.go (cgroup mount ro unless privileged or userns-remap)",
        "moby/moby#42040, #46763; robertdebock/docker-ubuntu-systemd#4 (ro bind beats --privileged)",
        "eniocarboni/docker-ubuntu-systemd#1 (rw bind with private cgroupns)",
        "geerlingguy/docker-ubuntu2204-ansible README (--cgroupns=host -v ...:rw)",
        "systemd docs/CONTAINER_INTERFACE.md, docs/CGROUP_DELEGATION.md",
        "moby/moby#45278 (recursively read-only mounts, Docker 25 / API 1.44); gitlab-runner#37409",
    ],
    run,
};

const RO_ERROR: &str = "systemd: Failed to create /init.scope control group: Read-only file system";

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let binds: Vec<&Mount> = s.spec.cgroup_binds().collect();
    let o = match s.mode {
        CgroupMode::Unified => unified(&s, &binds),
        _ => host_side_effects(&s, &binds, v1(&s, &binds)),
    };
    o.evidence(format!("cgroup layout: {}", s.mode_from))
        .evidence_all(binds.iter().map(|m| describe(m)))
}

fn describe(m: &Mount) -> String {
    format!(
        "--{} {} -> {} ({})",
        m.flag,
        m.source.as_deref().unwrap_or("?"),
        m.target,
        if m.read_only {
            "read-only"
        } else {
            "read-write"
        }
    )
}

fn drop_binds() -> &'static str {
    "remove the /sys/fs/cgroup bind"
}

fn unified(s: &EffectiveRun, binds: &[&Mount]) -> Outcome {
    if binds.iter().any(|m| !m.is_whole_cgroupfs()) {
        return Outcome::fail(
            "a part of the host's cgroup tree is bound into the container: systemd needs the whole tree or its own (CONTAINER_INTERFACE: never only a sub-tree)",
        )
        .fix(
            format!("{}s below /sys/fs/cgroup; use --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw, or --privileged without a bind", drop_binds()),
            &[],
        );
    }
    let Some(bind) = binds.last() else {
        return no_bind_v2(s);
    };
    if bind.read_only {
        return Outcome::fail(
            "/sys/fs/cgroup is bound read-only on a cgroup v2 host: systemd cannot create init.scope (the bind wins even over --privileged)",
        )
        .evidence(RO_ERROR)
        .fix(
            if s.privileged {
                "Remove the :ro bind: with --privileged Docker already gives the container its own writable cgroup.".to_owned()
            } else {
                v2_fix(s, "Remove the :ro bind")
            },
            &[],
        );
    }
    if !s.cgroupns_host {
        return Outcome::fail(format!(
            "/sys/fs/cgroup is bound read-write but the cgroup namespace is private ({}): the bound tree is the host's root, /proc/self/cgroup says 0::/",
            s.cgroupns_from
        ))
        .evidence("systemd: Failed to create /init.scope control group: No such file or directory")
        .fix("Add --cgroupns=host (or remove the bind and use --privileged).", &[]);
    }
    Outcome::pass("the host's cgroup tree is bound read-write with --cgroupns=host: systemd can create its cgroups (see run.cgroupns for the cost)")
}

fn no_bind_v2(s: &EffectiveRun) -> Outcome {
    if s.privileged {
        return Outcome::pass(
            "--privileged without a cgroup bind: Docker mounts the container's own cgroup read-write",
        );
    }
    if s.userns_remap {
        return Outcome::pass(
            "userns-remap is active: Docker mounts the container's cgroup read-write",
        );
    }
    if s.podman_systemd {
        return Outcome::pass("podman in systemd mode makes /sys/fs/cgroup writable on cgroup v2");
    }
    if s.sysbox {
        return Outcome::pass("the sysbox runtime gives systemd a writable cgroup tree");
    }
    let why = if s.spec.privileged {
        "--privileged is asked for, but this daemon cannot grant it (see run.privileges), so "
    } else {
        ""
    };
    Outcome::fail(format!(
        "{why}Docker mounts /sys/fs/cgroup read-only in an unprivileged container on cgroup v2: systemd cannot create init.scope"
    ))
    .evidence(RO_ERROR)
    .fix(v2_fix(s, "Add"), &[])
}

/// The v2 fix as the corrector makes it: --privileged without a bind where
/// the daemon may grant it, else the host's tree bound read-write.
fn v2_fix(s: &EffectiveRun, verb: &str) -> String {
    let bind = "--cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw";
    let (prefix, privileged) = if verb == "Add" {
        ("Add".to_owned(), "--privileged")
    } else {
        (format!("{verb} and use"), "--privileged")
    };
    if s.ctx.privileged_possible == Some(false) {
        format!("{prefix} {bind} (works unprivileged; this daemon cannot grant --privileged).")
    } else {
        format!("{prefix} {privileged} (Docker then mounts the container's own cgroup writable), or {bind} where the daemon cannot grant it.")
    }
}

fn v1(s: &EffectiveRun, binds: &[&Mount]) -> Outcome {
    if s.userns_remap {
        return Outcome::fail(format!(
            "userns-remap on {}: the container's root is not the host's root, so systemd cannot create its cgroups in the host's v1 hierarchies",
            s.mode.describe()
        ))
        .evidence("systemd 252 and 257, userns-remap: default, Docker 20.10.24, hybrid host (development VM, tests/truth_matrix.rs daemon variant): Failed to create /docker/<id>/init.scope control group: Permission denied")
        .fix(
            "Add --userns=host (this container only runs without the remapping), with the v1 recipe's bind.",
            &[],
        );
    }
    let whole = binds.iter().rev().find(|m| m.is_whole_cgroupfs());
    if whole.is_none() && s.privileged {
        return Outcome::pass(format!(
            "--privileged on {}: Docker mounts the container's own cgroups writable, and systemd boots without a bind",
            s.mode.describe()
        ))
        .evidence("systemd 252 (running) and 257 (degraded), bookworm hybrid lab guest (Docker 20.10.24): `docker run -d --tmpfs /tmp --tmpfs /run --privileged IMAGE` boots (tests/truth_matrix.rs cells b, g)");
    }
    if whole.is_none() && s.podman_systemd {
        return Outcome::pass(format!(
            "podman's systemd mode gives systemd a writable cgroup tree on {} (no bind needed)",
            s.mode.describe()
        ))
        .evidence("Podman 4.3.1, hybrid host (development VM): `podman run -d --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 IMAGE` boots systemd 252 to running");
    }
    let Some(bind) = whole else {
        return Outcome::fail(format!(
            "{} without a bind of /sys/fs/cgroup: Docker mounts only the container's own cgroups{}, which do not match the paths in /proc/self/cgroup",
            s.mode.describe(),
            if s.privileged { "" } else { ", read-only" }
        ))
        .evidence("systemd 252 (Docker 20.10.24, hybrid host, development VM): Failed to create /docker/<id>/init.scope control group: No such file or directory")
        .fix(
            "Add the v1 recipe's bind: -v /sys/fs/cgroup:/sys/fs/cgroup:ro (only the top tmpfs is read-only, the hierarchies below stay writable).",
            &[],
        );
    };
    let recursive = bind.bind_recursive.as_deref();
    if recursive == Some("disabled") {
        return Outcome::fail(
            "bind-recursive=disabled: the v1 hierarchies mounted below /sys/fs/cgroup do not come along, systemd finds an empty tmpfs",
        )
        .fix("Drop bind-recursive=disabled (use bind-recursive=writable).", &[]);
    }
    let exposure = "the hierarchies below stay writable, so systemd writes into the host's cgroup tree (it creates its cgroups there, beside the host's)";
    if !bind.read_only {
        return Outcome::warn(format!(
            "/sys/fs/cgroup is bound read-write on {}: systemd boots, but the whole host cgroup tree is writable from the container; {exposure}{}",
            s.mode.describe(),
            no_line_avoids(s)
        ))
        .fix("Where the daemon can grant it, use --privileged without the bind (Docker mounts the container's own cgroups); otherwise prefer the :ro bind on v1 (the tmpfs stays read-only); better, move the host to cgroup v2.", &[]);
    }
    if recursive == Some("writable") {
        return Outcome::warn(format!(
            "read-only bind with bind-recursive=writable on {}: only the top tmpfs is read-only; {exposure}{}",
            s.mode.describe(),
            no_line_avoids(s)
        ));
    }
    if recursive == Some("readonly") {
        return rro_fail(s, "bind-recursive=readonly");
    }
    let rro_kernel = s.kernel.is_none_or(|k| k >= [5, 12, 0]);
    match s.ctx.engine_version.as_deref().and_then(engine_major) {
        Some(v) if v >= 25 && rro_kernel => rro_fail(s, &format!("Docker Engine {v}")),
        Some(v) => Outcome::warn(format!(
            "v1 recipe (/sys/fs/cgroup bound :ro, Docker Engine {v}): only the top tmpfs is read-only; {exposure}{}",
            no_line_avoids(s)
        )),
        None => Outcome::warn(format!(
            "v1 recipe (/sys/fs/cgroup bound :ro): on Docker < 25 only the top tmpfs is read-only and {exposure}; Docker >= 25 on kernel >= 5.12 makes the bind recursively read-only and systemd fails (engine version unknown here){}",
            no_line_avoids(s)
        ))
        .fix(
            "On Docker >= 25 use --mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable instead of -v ...:ro.",
            &[],
        ),
    }
}

/// On v1/hybrid the whole-tree bind hands the container the host's own
/// /sys/fs/cgroup tmpfs (the same superblock), and systemd's v1 mount setup
/// writes to it. Seen on the development VM (hybrid host, Docker 20.10.24) with a scratch copy of the host's layout (a fresh
/// tmpfs with the hierarchies bound in, bound as /sys/fs/cgroup), systemd 252,
/// Docker 20.10; tests/truth_matrix.rs records the host's line around every cell.
fn host_side_effects(s: &EffectiveRun, binds: &[&Mount], o: Outcome) -> Outcome {
    let Some(bind) = binds.iter().rev().find(|m| m.is_whole_cgroupfs()) else {
        return o;
    };
    // systemd's mount_cgroup_controllers() ends with a remount of /sys/fs/cgroup
    // (MS_REMOUNT|MS_RDONLY, "mode=755,size=4m,nr_inodes=1k"): with CAP_SYS_ADMIN
    // it succeeds, and a remount changes the superblock the host shares.
    // Docker runs a --privileged container unconfined whatever AppArmor says
    // (moby daemon/container_linux.go, saveAppArmorConfig).
    let apparmor_allows = s.privileged
        || s.ctx.apparmor != Some(true)
        || s.spec.security("apparmor") == Some("unconfined");
    let sys_admin = (s.privileged
        || (s.spec.cap_added("SYS_ADMIN") && !s.spec.cap_dropped("SYS_ADMIN")))
        && !s.userns_remap
        && !s.sysbox
        && apparmor_allows;
    let mut o = o;
    let mut effects = Vec::new();
    if sys_admin {
        effects.push("systemd (it has CAP_SYS_ADMIN here) remounts that tmpfs read-only with size=4m,nr_inodes=1k, which changes the host's own /sys/fs/cgroup");
        o = o
            .evidence("on the development VM (Docker 20.10.24, hybrid host): the tmpfs bound as /sys/fs/cgroup went from `rw,mode=755` to `ro,size=4096k,nr_inodes=1024,mode=755` (host side) after systemd 252 booted with --cap-add SYS_ADMIN and the :ro bind, and with the :rw bind")
            .evidence("hosts whose own systemd mounted /sys/fs/cgroup already have it that way; hosts whose PID 1 is not systemd (this VM: process_api) do not");
    }
    if !bind.read_only {
        effects.push("with the :rw bind systemd also creates its controller directories and links in the host's /sys/fs/cgroup");
        o = o.evidence("systemd 252, --cgroupns=host, :rw bind (Docker 20.10.24, hybrid host, development VM): cpu,cpuacct, hugetlb, net_cls,net_prio, perf_event and the links net_cls, net_prio appeared in the host's /sys/fs/cgroup");
    }
    if effects.is_empty() {
        return o;
    }
    if o.status == Status::Pass {
        o.status = Status::Warn;
    }
    o.message = format!(
        "{}; the bind shares the host's /sys/fs/cgroup tmpfs: {}",
        o.message,
        effects.join("; ")
    );
    if o.remediation.is_none() {
        o = o.fix("Use the :ro bind without CAP_SYS_ADMIN or --privileged (the v1 recipe), or move the host to cgroup v2.", &[]);
    }
    o
}

fn rro_fail(s: &EffectiveRun, by: &str) -> Outcome {
    Outcome::fail(format!(
        "{by} makes the :ro bind of /sys/fs/cgroup recursively read-only on {}: the hierarchies below are read-only too, systemd cannot create init.scope",
        s.mode.describe()
    ))
    .evidence(RO_ERROR)
    .fix(
        "Bind it with --mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable",
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line, with_line_ctx};
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::testing::{hybrid_host, unified_host};

    const V1: &str =
        "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG";
    const V2: &str = "docker run -d --tmpfs /tmp --tmpfs /run --privileged IMG";
    const HOSTNS: &str = "docker run -d --tmpfs /tmp --tmpfs /run --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG";
    const BARE: &str = "docker run IMG";

    #[test]
    fn table_unified() {
        let cases = [
            (V1, Status::Fail),
            (V2, Status::Pass),
            (HOSTNS, Status::Pass),
            (BARE, Status::Fail),
            ("docker run --init IMG", Status::Fail),
            (
                "docker run --privileged -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
                Status::Fail,
            ),
            (
                "docker run -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG",
                Status::Fail,
            ),
            (
                "docker run --cgroupns=private --privileged -v /sys/fs/cgroup:/sys/fs/cgroup IMG",
                Status::Fail,
            ),
            (
                "docker run --privileged -v /sys/fs/cgroup/systemd:/sys/fs/cgroup/systemd IMG",
                Status::Fail,
            ),
            ("docker run --runtime=sysbox-runc IMG", Status::Pass),
            ("podman run IMG /sbin/init", Status::Pass),
            ("podman run --systemd=false IMG", Status::Fail),
        ];
        for (line, want) in cases {
            let o = run(&with_line(unified_host(), line));
            assert_eq!(o.status, want, "{line}: {}", o.message);
        }
    }

    #[test]
    fn table_v1() {
        let cases = [
            (V1, Status::Warn),
            // --privileged without a bind boots on a hybrid host (bookworm lab guest).
            (V2, Status::Pass),
            (HOSTNS, Status::Warn),
            (BARE, Status::Fail),
            ("docker run --mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=disabled IMG", Status::Fail),
            ("docker run --mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable IMG", Status::Warn),
        ];
        for (line, want) in cases {
            let o = run(&with_line(hybrid_host(), line));
            assert_eq!(o.status, want, "{line}: {}", o.message);
        }
        let o = run(&with_line(hybrid_host(), V1));
        assert!(o.message.contains("host's cgroup tree"), "{}", o.message);
    }

    #[test]
    fn host_tmpfs_side_effects_on_v1() {
        // (line, status, the message names the remount, the message names created dirs)
        let cases = [
            (V1, Status::Warn, false, false),
            (HOSTNS, Status::Warn, false, true),
            ("docker run --cap-add SYS_ADMIN --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG", Status::Warn, true, false),
            ("docker run --cap-add SYS_ADMIN --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG", Status::Warn, true, true),
            ("docker run --cap-add ALL --cap-drop SYS_ADMIN -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG", Status::Warn, false, false),
            // Docker mounts a tmpfs of the container's own: nothing shared.
            ("docker run --privileged --tmpfs /run IMG", Status::Pass, false, false),
        ];
        for (line, want, remount, dirs) in cases {
            let o = run(&with_line(hybrid_host(), line));
            assert_eq!(o.status, want, "{line}: {}", o.message);
            assert_eq!(
                o.message.contains("remounts that tmpfs read-only"),
                remount,
                "{line}: {}",
                o.message
            );
            assert_eq!(
                o.message.contains("controller directories"),
                dirs,
                "{line}: {}",
                o.message
            );
        }
        // AppArmor's docker-default profile denies mount: no remount.
        let mut f = hybrid_host();
        with_line_ctx(
            &mut f,
            "docker run --cap-add SYS_ADMIN -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
            ctx(|c| c.apparmor = Some(true)),
        );
        assert!(!run(&f).message.contains("remounts"));
        // ...but a --privileged container runs unconfined: it remounts.
        let mut f = hybrid_host();
        with_line_ctx(
            &mut f,
            "docker run --privileged -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
            ctx(|c| c.apparmor = Some(true)),
        );
        assert!(run(&f).message.contains("remounts"), "{}", run(&f).message);
        // cgroup v2 has no such tmpfs.
        let o = run(&with_line(
            unified_host(),
            "docker run --privileged --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG",
        ));
        assert!(!o.message.contains("remounts"), "{}", o.message);
    }

    #[test]
    fn docker_25_makes_ro_recursive() {
        for (version, want) in [("20.10.24+dfsg1", Status::Warn), ("28.2.2", Status::Fail)] {
            let mut f = hybrid_host();
            with_line_ctx(&mut f, V1, ctx(|c| c.engine_version = Some(version.into())));
            assert_eq!(run(&f).status, want, "{version}");
        }
    }

    #[test]
    fn daemon_facts_win() {
        // Docker Desktop: the host says v1 (or anything), the daemon says v2.
        let mut f = hybrid_host();
        with_line_ctx(&mut f, V1, ctx(|c| c.daemon_cgroup_version = Some(2)));
        assert_eq!(run(&f).status, Status::Fail);
        // A daemon that cannot grant --privileged leaves the cgroup read-only.
        let mut f = unified_host();
        with_line_ctx(&mut f, V2, ctx(|c| c.privileged_possible = Some(false)));
        assert_eq!(run(&f).status, Status::Fail);
        let mut f = unified_host();
        with_line_ctx(&mut f, BARE, ctx(|c| c.userns_remap = Some(true)));
        assert_eq!(run(&f).status, Status::Pass);
    }

    #[test]
    fn skip_and_error() {
        assert_eq!(run(&unified_host()).status, Status::Skip);
        let mut f = with_line(unified_host(), V2);
        f.host.cgroup = Probed::error("unreadable");
        assert_eq!(run(&f).status, Status::Error);
    }
}
