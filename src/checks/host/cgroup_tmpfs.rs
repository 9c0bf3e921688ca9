use crate::checks::{Check, Outcome};
use crate::facts::host::{CgroupTmpfs, EntryKind, TmpfsEntry};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "host.cgroup-tmpfs",
    title: "cgroup tmpfs as the host set it",
    explain: "On cgroup v1 and hybrid hosts /sys/fs/cgroup is a tmpfs holding the hierarchies' mount \
points. A container given the host's tree (`-v /sys/fs/cgroup:/sys/fs/cgroup`) shares this very \
tmpfs, so its systemd's v1 mount setup acts on the host's: with CAP_SYS_ADMIN (even on a `:ro` bind) \
it remounts it read-only with its own options (size=4096k,nr_inodes=1024); on a writable bind it \
creates directories and links for the hierarchies it expects (`cpu,cpuacct`, `net_cls -> \
net_cls,net_prio`, ...) that nothing is mounted on. Containers started later see that changed tree \
and behave differently. A read-only tmpfs is normal where PID 1 is systemd (it remounts it read-only \
itself); elsewhere it, and every entry no mount backs, is a change a container left behind. Under \
--root on a capture only the entries the capture holds are seen.",
    sources: &[
        "systemd src/shared/mount-setup.c mount_cgroup_controllers() (symlinks, the final MS_RDONLY remount with size=4m,nr_inodes=1k)",
        "tests/truth_matrix.rs on the development VM (Docker 20.10.24, hybrid host, PID 1 process_api): cells c and h leave cpu,cpuacct, hugetlb, net_cls,net_prio, net_cls, net_prio, perf_event; a --cap-add SYS_ADMIN container with the :ro bind left the tmpfs ro,size=4096k,nr_inodes=1024",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match facts.host.cgroup.as_result() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot read the mounts: {e}")),
    };
    let Some(t) = &c.tmpfs else {
        return Outcome::skip(format!(
            "{}: /sys/fs/cgroup is not a tmpfs",
            c.mode.describe()
        ));
    };
    let init = facts.host.init.ok();
    let judge = judge(t, init.map(|i| (i.is_systemd, i.comm.as_str())));
    let state = if t.read_only { "ro" } else { "rw" };
    let o = judge.evidence(format!(
        "tmpfs on /sys/fs/cgroup: {state},{}",
        t.super_options.join(",")
    ));
    if facts.host.live {
        o
    } else {
        o.evidence("read through --root: a capture holds only the entries its files need")
    }
}

/// An entry nothing is mounted on (a link: whose target is not mounted).
fn unbacked(t: &CgroupTmpfs) -> Vec<&TmpfsEntry> {
    let mounted = |name: &str| t.entries.iter().any(|e| e.name == name && e.mounted);
    t.entries
        .iter()
        .filter(|e| match e.kind {
            EntryKind::Dir => !e.mounted,
            EntryKind::Symlink => !e
                .target
                .as_deref()
                .is_some_and(|target| mounted(target.trim_start_matches("/sys/fs/cgroup/"))),
            EntryKind::File | EntryKind::Other => true,
        })
        .collect()
}

fn shell_path(name: &str) -> String {
    let p = format!("/sys/fs/cgroup/{name}");
    if p.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c))
    {
        p
    } else {
        format!("'{}'", p.replace('\'', "'\\''"))
    }
}

/// `init`: (PID 1 is systemd, its comm), when known.
fn judge(t: &CgroupTmpfs, init: Option<(bool, &str)>) -> Outcome {
    let systemd_marks = ["size=4096k", "nr_inodes=1024"]
        .iter()
        .all(|o| t.super_options.iter().any(|s| s == o));
    let remounted = match init {
        Some((false, comm)) if t.read_only && systemd_marks => Some(comm),
        _ => None,
    };
    let extra = unbacked(t);
    if remounted.is_none() && extra.is_empty() {
        let how = match (t.read_only, init) {
            (true, Some((true, _))) => "read-only, as systemd (PID 1) leaves it",
            (true, _) => "read-only",
            (false, _) => "writable",
        };
        return Outcome::pass(format!(
            "/sys/fs/cgroup holds only the mounted hierarchies and their links ({how})"
        ));
    }
    let mut said = Vec::new();
    let mut commands = Vec::new();
    if let Some(comm) = remounted {
        said.push(format!(
            "it is read-only with systemd's own options (size=4096k,nr_inodes=1024) although PID 1 is `{comm}`: a container's systemd given CAP_SYS_ADMIN and the host's /sys/fs/cgroup remounted it"
        ));
        commands.push("sudo mount -o remount,rw /sys/fs/cgroup".to_owned());
    }
    if !extra.is_empty() {
        let shown: Vec<String> = extra
            .iter()
            .map(|e| match (&e.kind, &e.target) {
                (EntryKind::Symlink, Some(to)) => format!("{} -> {to}", e.name),
                (EntryKind::Dir, _) => format!("{}/", e.name),
                _ => e.name.clone(),
            })
            .collect();
        said.push(format!(
            "{} {} no mount backs: {} (a container's systemd on a writable bind of the host's tree makes them)",
            extra.len(),
            if extra.len() == 1 { "entry" } else { "entries" },
            shown.join(", ")
        ));
        for e in &extra {
            let verb = if e.kind == EntryKind::Dir {
                "rmdir"
            } else {
                "rm"
            };
            commands.push(format!("sudo {verb} {}", shell_path(&e.name)));
        }
    }
    Outcome::warn(format!(
        "the host's /sys/fs/cgroup tmpfs was changed: {}; containers started now see a different tree than on a fresh boot",
        said.join("; ")
    ))
    .fix_owned(
        "Put it back (no container may be using the host's /sys/fs/cgroup then; a reboot does the same; where rmdir finds a directory not empty, something took it for a hierarchy and wrote into it — Podman 4.3 with cgroupfs leaves libpod_parent/conmon/tasks there — and rm -r removes it), and keep CAP_SYS_ADMIN and writable binds of the host's tree away from systemd containers on v1 hosts (see run.cgroup-mount).",
        commands,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{hybrid_host, unified_host};

    fn entry(name: &str, kind: EntryKind, target: Option<&str>, mounted: bool) -> TmpfsEntry {
        TmpfsEntry {
            name: name.into(),
            kind,
            target: target.map(Into::into),
            mounted,
        }
    }

    /// The development VM's tmpfs as PID 1 (`process_api`) left it: one
    /// hierarchy a controller.
    fn devvm() -> CgroupTmpfs {
        let mut entries: Vec<TmpfsEntry> = [
            "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd",
            "unified",
        ]
        .iter()
        .map(|n| entry(n, EntryKind::Dir, None, true))
        .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        CgroupTmpfs {
            read_only: false,
            super_options: vec!["mode=755".into()],
            entries,
        }
    }

    #[test]
    fn fresh_hosts_pass() {
        assert_eq!(
            judge(&devvm(), Some((false, "process_api"))).status,
            Status::Pass
        );
        // A systemd host: ro with systemd's options, and links to mounted joint hierarchies.
        let mut sd = devvm();
        sd.read_only = true;
        sd.super_options = vec![
            "mode=755".into(),
            "nr_inodes=1024".into(),
            "size=4096k".into(),
        ];
        sd.entries
            .push(entry("cpu,cpuacct", EntryKind::Dir, None, true));
        sd.entries.retain(|e| e.name != "cpu");
        sd.entries
            .push(entry("cpu", EntryKind::Symlink, Some("cpu,cpuacct"), false));
        let o = judge(&sd, Some((true, "systemd")));
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.message.contains("as systemd (PID 1) leaves it"));
    }

    #[test]
    fn what_a_container_left_is_named_with_its_repair() {
        // The entries tests/truth_matrix.rs cell c leaves on the development VM.
        let mut t = devvm();
        t.read_only = true;
        t.super_options = vec![
            "mode=755".into(),
            "nr_inodes=1024".into(),
            "size=4096k".into(),
        ];
        for d in ["cpu,cpuacct", "hugetlb", "net_cls,net_prio", "perf_event"] {
            t.entries.push(entry(d, EntryKind::Dir, None, false));
        }
        t.entries.push(entry(
            "net_cls",
            EntryKind::Symlink,
            Some("net_cls,net_prio"),
            false,
        ));
        let o = judge(&t, Some((false, "process_api")));
        assert_eq!(o.status, Status::Warn);
        assert!(
            o.message.contains("PID 1 is `process_api`"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("5 entries no mount backs"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("net_cls -> net_cls,net_prio"),
            "{}",
            o.message
        );
        let cmds = o.remediation.unwrap().commands;
        assert_eq!(cmds[0], "sudo mount -o remount,rw /sys/fs/cgroup");
        assert!(
            cmds.contains(&"sudo rmdir '/sys/fs/cgroup/cpu,cpuacct'".to_owned()),
            "{cmds:?}"
        );
        assert!(
            cmds.contains(&"sudo rm /sys/fs/cgroup/net_cls".to_owned()),
            "{cmds:?}"
        );
        assert!(
            cmds.contains(&"sudo rmdir /sys/fs/cgroup/hugetlb".to_owned()),
            "{cmds:?}"
        );
        // Unknown PID 1: a read-only tmpfs alone is not blamed on a container.
        let mut ro_only = devvm();
        ro_only.read_only = true;
        ro_only.super_options = t.super_options.clone();
        assert_eq!(judge(&ro_only, None).status, Status::Pass);
        assert_eq!(
            judge(&ro_only, Some((false, "process_api"))).status,
            Status::Warn
        );
    }

    #[test]
    fn v2_hosts_skip_and_fixtures_pass() {
        assert_eq!(run(&unified_host()).status, Status::Skip);
        let o = run(&hybrid_host());
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }
}
