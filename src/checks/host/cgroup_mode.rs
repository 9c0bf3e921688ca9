use crate::checks::{Check, Outcome};
use crate::facts::host::{CgroupFacts, CgroupMode};
use crate::facts::Facts;

/// cgroup2 appeared in Linux 4.5 (systemd NEWS 230).
const CGROUP2_KERNEL: [u32; 3] = [4, 5, 0];

pub(crate) static CHECK: Check = Check {
    id: "host.cgroup-mode",
    title: "cgroup layout",
    explain: "Decides the host's cgroup layout the way systemd does (cg_unified_cached): statfs of \
/sys/fs/cgroup on the live host (cgroup2fs = unified; tmpfs with cgroup2 on /sys/fs/cgroup/unified = \
hybrid; tmpfs with a v1 name=systemd hierarchy = legacy), mountinfo alone under --root. A systemd \
container inherits this layout. On unified hosts the recipe is `--privileged` without a \
/sys/fs/cgroup bind (Docker >= 20.10). On v1 (legacy or hybrid) hosts the old recipe with \
`-v /sys/fs/cgroup:/sys/fs/cgroup:ro` works for older images, but systemd 256 refuses v1 by default \
and 258 removed it, so new images cannot boot there.",
    sources: &[
        "systemd src/basic/cgroup-util.c cg_unified_cached(); docs/CGROUP_DELEGATION.md",
        "opencontainers/runc libcontainer/cgroups/utils.go IsCgroup2UnifiedMode()",
        "systemd NEWS 256 (v1 refused by default), systemd v258 release notes (v1 removed)",
        "microsoft/WSL#6662 (WSL2 mounts v1 and v2)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match facts.host.cgroup.as_result() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot read the cgroup layout: {e}")),
    };
    let o = match c.mode {
        CgroupMode::Unified => Outcome::pass(format!("{}: {}", c.mode.describe(), c.reason)),
        CgroupMode::Hybrid | CgroupMode::Legacy => to_v2(
            Outcome::warn(format!(
                "{}: {}; images with systemd 256 refuse to boot and those with 258 or later cannot (257 boots, tainted cgroupsv1: systemd 257.13 of Debian 13 under Docker 20.10.24 on a hybrid host), older ones need the v1 recipe",
                c.mode.describe(),
                c.reason
            )),
            facts,
        ),
        CgroupMode::None => Outcome::fail(format!("{}: {}", c.mode.describe(), c.reason)).fix(
            "systemd needs cgroup2 on /sys/fs/cgroup (or v1 hierarchies including name=systemd). \
Mount cgroup2 there, or boot the host with a systemd-based init that does it.",
            &["mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup"],
        ),
    };
    with_evidence(o, c)
}

/// The way to cgroup v2 depends on what set up this layout.
fn to_v2(o: Outcome, facts: &Facts) -> Outcome {
    let kernel = facts.host.kernel.ok();
    let init = facts.host.init.ok().map(|i| i.comm.as_str());
    if facts.host.container.ok().is_some_and(|c| c.inside) {
        return o.fix(
            "These are a container's cgroup mounts, not the host's: run the doctor on the host (or \
with --root on the host's /proc and /sys) to see what the host offers.",
            &[],
        );
    }
    if let Some(k) = kernel.filter(|k| k.version.is_some_and(|v| v < CGROUP2_KERNEL)) {
        return o.fix(
            format!(
                "Kernel {} predates cgroup v2 (Linux 4.5): only the v1 recipe with an image whose \
systemd is older than 256 can work here. Upgrade the OS to get a v2 host.",
                k.release
            ),
            &[],
        );
    }
    if kernel.is_some_and(|k| k.wsl) {
        return o.fix(
            "WSL2 mounts cgroup v1 beside v2. Disable v1 in %UserProfile%\\.wslconfig under [wsl2] \
(kernelCommandLine = cgroup_no_v1=all), then restart WSL from Windows.",
            &["wsl --shutdown"],
        );
    }
    match init {
        Some(comm) if comm != "systemd" => o.fix(
            format!(
                "PID 1 here is `{comm}`, not systemd: it (or the VM/boot image) mounted this layout. \
Configure it to mount cgroup2 alone on /sys/fs/cgroup (kernel: cgroup_no_v1=all), or use the v1 \
recipe with an image whose systemd is older than 256 (or 257, which boots tainted)."
            ),
            &[],
        ),
        _ => o.fix(
            "Boot the host on cgroup v2: add systemd.unified_cgroup_hierarchy=1 (and remove any \
=0 or SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE) in GRUB_CMDLINE_LINUX of /etc/default/grub, then \
update GRUB and reboot. Until then use the v1 recipe with an image whose systemd is older than 256 (or 257, which boots tainted).",
            &[
                "sudo sed -i 's/^GRUB_CMDLINE_LINUX=\"/&systemd.unified_cgroup_hierarchy=1 /' /etc/default/grub",
                "sudo update-grub   # Fedora/RHEL: sudo grub2-mkconfig -o /boot/grub2/grub.cfg",
                "sudo reboot",
            ],
        ),
    }
}

fn with_evidence(o: Outcome, c: &CgroupFacts) -> Outcome {
    let o = o
        .evidence(format!("detected by: {}", c.detected_by))
        .evidence_all(
            c.statfs
                .iter()
                .map(|s| format!("statfs {}: {} ({})", s.path, s.fs_type, s.magic)),
        );
    let o = match &c.top_mount {
        Some(l) => o.evidence(format!("{}: {l}", c.mountinfo_path)),
        None => o.evidence(format!("{}: nothing on /sys/fs/cgroup", c.mountinfo_path)),
    };
    match &c.cgroup2 {
        Some(m) if m.mount_point != "/sys/fs/cgroup" => {
            o.evidence(format!("{}: {}", c.mountinfo_path, m.line))
        }
        _ => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::testing::{cgroup, hybrid_host, unified_host};

    #[test]
    fn table() {
        let mut legacy = unified_host();
        cgroup(&mut legacy).mode = CgroupMode::Legacy;
        let mut none = unified_host();
        cgroup(&mut none).mode = CgroupMode::None;
        let mut broken = unified_host();
        broken.host.cgroup = Probed::error("/proc/self/mountinfo line 3: not a mountinfo entry");
        let cases = [
            (unified_host(), Status::Pass),
            (hybrid_host(), Status::Warn),
            (legacy, Status::Warn),
            (none, Status::Fail),
            (broken, Status::Error),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
    }

    #[test]
    fn remedy_follows_what_set_the_layout() {
        let mut old = hybrid_host();
        old.host.kernel = Probed::Ok(crate::probe::host::kernel::kernel_facts(
            "3.10.0-327.el7.x86_64",
        ));
        assert!(run(&old)
            .remediation
            .unwrap()
            .text
            .contains("predates cgroup v2"));
        let mut inside = hybrid_host();
        if let Probed::Ok(c) = &mut inside.host.container {
            c.inside = true;
        }
        assert!(run(&inside)
            .remediation
            .unwrap()
            .text
            .contains("container's cgroup mounts"));
    }

    #[test]
    fn wsl_gets_wslconfig_remedy() {
        let mut f = hybrid_host();
        f.host.kernel = Probed::Ok(crate::probe::host::kernel::kernel_facts(
            "5.15.167.4-microsoft-standard-WSL2",
        ));
        let fix = run(&f).remediation.unwrap();
        assert!(fix.text.contains("cgroup_no_v1=all"), "{}", fix.text);
    }
}
