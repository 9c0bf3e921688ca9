use crate::checks::{Check, Outcome};
use crate::facts::host::{CgroupFacts, CgroupMode};
use crate::facts::{Facts, Probed};

/// What Docker needs for limits and what a systemd container manages.
const NEEDED_V2: &[&str] = &["cpu", "memory", "pids", "io"];
const NEEDED_V1: &[&str] = &["cpu", "memory", "pids", "name=systemd"];

pub(crate) static CHECK: Check = Check {
    id: "host.controllers",
    title: "cgroup controllers",
    explain: "On unified hosts, reads cgroup.controllers and cgroup.subtree_control of the cgroup2 \
root: cpu, memory, pids and io must be available there (a controller bound to a v1 hierarchy in \
/proc/cgroups is not). It also reads the controllers of the cgroup the doctor runs in: a rootless \
daemon started from a user session gets only what user@UID.service is delegated (memory and pids by \
default). On v1 hosts, the cpu, memory, pids and name=systemd hierarchies must be mounted.",
    sources: &[
        "linux Documentation/admin-guide/cgroup-v2.rst (controllers, delegation)",
        "rootlesscontaine.rs getting-started/common/cgroup2 (Delegate=cpu cpuset io memory pids)",
        "kubernetes-sigs/kind create.go validateProvider (memory, pids, cpu required)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match facts.host.cgroup.as_result() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot read the cgroup layout: {e}")),
    };
    match c.mode {
        CgroupMode::Unified => unified(c),
        CgroupMode::Hybrid | CgroupMode::Legacy => v1(c),
        CgroupMode::None => Outcome::skip("no cgroup hierarchy to take controllers from"),
    }
}

fn missing<'a>(needed: &[&'a str], have: &[String]) -> Vec<&'a str> {
    needed
        .iter()
        .copied()
        .filter(|n| !have.iter().any(|h| h == n))
        .collect()
}

fn unified(c: &CgroupFacts) -> Outcome {
    let root = match &c.root_controllers {
        Some(Probed::Ok(v)) => v,
        Some(Probed::Err(e)) => {
            return Outcome::error(format!("cannot read the root's controllers: {}", e.error))
        }
        None => return Outcome::error("no cgroup2 root was found"),
    };
    let mut evidence = vec![format!("cgroup.controllers: {}", root.join(" "))];
    if let Some(Probed::Ok(sub)) = &c.root_subtree_control {
        evidence.push(format!("cgroup.subtree_control: {}", sub.join(" ")));
    }
    if let Probed::Ok(bound) = &c.v1_bound_controllers {
        if !bound.is_empty() {
            evidence.push(format!("bound to v1 in /proc/cgroups: {}", bound.join(" ")));
        }
    }
    let own_path = c.own_cgroup.ok().cloned().flatten();
    if let (Some(path), Some(Probed::Ok(own))) = (&own_path, &c.own_controllers) {
        evidence.push(format!("controllers of {path}: {}", own.join(" ")));
    }

    let gone = missing(NEEDED_V2, root);
    if !gone.is_empty() {
        let on_v1: Vec<&str> = match &c.v1_bound_controllers {
            Probed::Ok(b) => gone
                .iter()
                .copied()
                .filter(|g| b.iter().any(|x| x == g))
                .collect(),
            Probed::Err(_) => vec![],
        };
        let why = if on_v1.is_empty() {
            String::new()
        } else {
            format!(" ({} bound to a v1 hierarchy)", on_v1.join(", "))
        };
        return Outcome::warn(format!(
            "the cgroup2 root lacks {}{why}: limits on those resources will not work",
            gone.join(", ")
        ))
        .evidence_all(evidence)
        .fix(
            "Unmount the v1 hierarchies that hold them (or boot with cgroup_no_v1=all) so the \
kernel gives them to cgroup v2.",
            &[],
        );
    }

    // Rootless daemons live under user@UID.service and get only what it is delegated.
    if let (Some(path), Some(Probed::Ok(own))) = (&own_path, &c.own_controllers) {
        if path.contains("/user@") {
            let gone = missing(NEEDED_V2, own);
            if !gone.is_empty() {
                return Outcome::warn(format!(
                    "this session's cgroup {path} is delegated only {}: a rootless daemon started here lacks {}",
                    own.join(" "),
                    gone.join(", ")
                ))
                .evidence_all(evidence)
                .fix(
                    "Delegate the controllers to user sessions with a drop-in, then log in again (some distributions need a reboot).",
                    &[
                        "sudo mkdir -p /etc/systemd/system/user@.service.d",
                        "printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf",
                        "sudo systemctl daemon-reload",
                    ],
                );
            }
        }
    }
    Outcome::pass(format!("cgroup2 root offers {}", NEEDED_V2.join(", "))).evidence_all(evidence)
}

fn v1(c: &CgroupFacts) -> Outcome {
    let have: Vec<String> = c
        .v1_hierarchies
        .iter()
        .flat_map(|h| h.controllers.iter().cloned())
        .collect();
    let evidence: Vec<String> = c
        .v1_hierarchies
        .iter()
        .map(|h| format!("{}: {}", h.mount_point, h.controllers.join(",")))
        .collect();
    let gone = missing(NEEDED_V1, &have);
    let systemd_ro = c
        .v1_hierarchies
        .iter()
        .find(|h| h.read_only && h.controllers.iter().any(|x| x == "name=systemd"));
    if let Some(h) = systemd_ro.filter(|_| gone.is_empty()) {
        return Outcome::warn(format!(
            "the name=systemd hierarchy on {} is read-only: systemd cannot create its cgroups there",
            h.mount_point
        ))
        .evidence_all(evidence)
        .evidence(h.line.clone())
        .fix(
            "systemd needs its own name=systemd subtree writable. On a host, remount it rw; in a \
container this is the runtime's view (Docker mounts v1 hierarchies read-only for unprivileged containers).",
            &[],
        );
    }
    if gone.is_empty() {
        Outcome::pass(format!(
            "v1 hierarchies mounted for {}",
            NEEDED_V1.join(", ")
        ))
        .evidence_all(evidence)
    } else {
        Outcome::warn(format!(
            "no v1 hierarchy is mounted for {}",
            gone.join(", ")
        ))
        .evidence_all(evidence)
        .fix(
            "Mount the missing hierarchies under /sys/fs/cgroup (a systemd host does this at \
boot), or boot the host on cgroup v2.",
            &[],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{cgroup, hybrid_host, unified_host};

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn table() {
        let mut no_io = unified_host();
        cgroup(&mut no_io).root_controllers = Some(Probed::Ok(words("cpu memory pids")));
        let mut rootless = unified_host();
        cgroup(&mut rootless).own_cgroup = Probed::Ok(Some(
            "/user.slice/user-1000.slice/user@1000.service/app.slice".into(),
        ));
        cgroup(&mut rootless).own_controllers = Some(Probed::Ok(words("memory pids")));
        let mut delegated = rootless.clone();
        cgroup(&mut delegated).own_controllers =
            Some(Probed::Ok(words("cpuset cpu io memory pids")));
        let mut unreadable = unified_host();
        cgroup(&mut unreadable).root_controllers = Some(Probed::error("permission denied"));
        let mut v1_no_systemd = hybrid_host();
        cgroup(&mut v1_no_systemd)
            .v1_hierarchies
            .retain(|h| !h.controllers.contains(&"name=systemd".to_owned()));
        let mut ro_systemd = hybrid_host();
        for h in &mut cgroup(&mut ro_systemd).v1_hierarchies {
            h.read_only = true;
        }
        let cases = [
            (ro_systemd, Status::Warn),
            (unified_host(), Status::Pass),
            (no_io, Status::Warn),
            (rootless, Status::Warn),
            (delegated, Status::Pass),
            (unreadable, Status::Error),
            (hybrid_host(), Status::Pass),
            (v1_no_systemd, Status::Warn),
        ];
        for (i, (facts, want)) in cases.into_iter().enumerate() {
            assert_eq!(run(&facts).status, want, "case {i}");
        }
    }
}
