use crate::checks::{systemd_bool, Check, Outcome};
use crate::facts::host::CgroupMode;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "host.cmdline",
    title: "kernel command line",
    explain:
        "Reads the cgroup switches on /proc/cmdline. systemd.unified_cgroup_hierarchy=0 forces \
legacy or hybrid, systemd.legacy_systemd_cgroup_controller=1 forces legacy, \
SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 keeps v1 alive on host systemd 256-257; cgroup_no_v1=all \
gives every controller to v2. A switch asking for v2 while the host still shows v1 means something \
else mounts v1 (WSL2 does).",
    sources: &[
        "systemd src/shared/cgroup-setup.c cg_is_unified_wanted(), cg_is_hybrid_wanted()",
        "systemd NEWS 252 (switches deprecated), 256 (SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE)",
        "microsoft/WSL#6662",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match facts.host.cmdline.as_result() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot read the kernel command line: {e}")),
    };
    let mode = facts.host.cgroup.ok().map(|c| c.mode);
    let mut evidence = Vec::new();
    let mut forced_v1 = Vec::new();
    let mut asks_v2 = false;
    if let Some(v) = &c.unified_cgroup_hierarchy {
        evidence.push(format!("systemd.unified_cgroup_hierarchy={v}"));
        match systemd_bool(v) {
            Some(false) => forced_v1.push(format!("systemd.unified_cgroup_hierarchy={v}")),
            Some(true) => asks_v2 = true,
            None => {}
        }
    }
    if let Some(v) = &c.legacy_systemd_cgroup_controller {
        evidence.push(format!("systemd.legacy_systemd_cgroup_controller={v}"));
        if systemd_bool(v) == Some(true) {
            forced_v1.push(format!("systemd.legacy_systemd_cgroup_controller={v}"));
        }
    }
    if let Some(v) = &c.cgroup_no_v1 {
        evidence.push(format!("cgroup_no_v1={v}"));
        asks_v2 |= v == "all";
    }
    if c.legacy_force {
        evidence.push("SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1".to_owned());
        forced_v1.push("SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1".to_owned());
    }
    let drop_cmd = "sudo editor /etc/default/grub && sudo update-grub && sudo reboot";
    let o = if !forced_v1.is_empty() {
        Outcome::warn(format!("the command line keeps the host on cgroup v1: {}", forced_v1.join(" ")))
            .fix("Remove these switches from GRUB_CMDLINE_LINUX (systemd 258 ignores them and only runs on v2).", &[drop_cmd])
    } else if asks_v2 && mode.is_some_and(CgroupMode::is_v1) {
        Outcome::warn("the command line asks for cgroup v2 but v1 hierarchies are still mounted")
            .fix("Something other than the kernel switch mounts v1 (WSL2 does): add cgroup_no_v1=all (WSL: kernelCommandLine in .wslconfig).", &[])
    } else if evidence.is_empty() {
        Outcome::pass("no cgroup switches on the kernel command line")
    } else {
        Outcome::pass(format!(
            "cgroup switches agree with cgroup v2: {}",
            evidence.join(" ")
        ))
    };
    o.evidence_all(evidence)
        .evidence(format!("/proc/cmdline: {}", c.raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::probe::host::kernel::parse_cmdline;
    use crate::testing::{hybrid_host, unified_host};

    #[test]
    fn table() {
        let with = |mut f: Facts, line: &str| {
            f.host.cmdline = Probed::Ok(parse_cmdline(line));
            f
        };
        let cases = [
            (
                with(
                    unified_host(),
                    "root=/dev/vda systemd.unified_cgroup_hierarchy=1",
                ),
                Status::Pass,
            ),
            (with(unified_host(), "root=/dev/vda"), Status::Pass),
            (
                with(hybrid_host(), "systemd.unified_cgroup_hierarchy=0"),
                Status::Warn,
            ),
            (
                with(
                    hybrid_host(),
                    "systemd.unified_cgroup_hierarchy=false SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1",
                ),
                Status::Warn,
            ),
            (
                with(hybrid_host(), "systemd.unified_cgroup_hierarchy=1"),
                Status::Warn,
            ),
            (with(hybrid_host(), "quiet"), Status::Pass),
        ];
        for (i, (facts, want)) in cases.into_iter().enumerate() {
            assert_eq!(run(&facts).status, want, "case {i}");
        }
    }
}
