use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "host.inside-container",
    title: "where the doctor runs",
    explain: "Looks for the signs systemd's detect_container() uses (container= in PID 1's \
environment, /run/.containerenv, /.dockerenv) plus a container cgroup path and an overlay root \
filesystem. Inside a container every host fact describes the container, not the host that will run \
yours: run the doctor on the host, or mount the host's /proc and /sys into the container and pass \
--root. /.dockerenv alone, with the root on a block device, is a VM or machine built from a container \
image, not a container.",
    sources: &[
        "systemd src/basic/virt.c detect_container()",
        "systemd docs/CONTAINER_INTERFACE.md",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match facts.host.container.as_result() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot tell where the doctor runs: {e}")),
    };
    let o = if c.inside {
        Outcome::warn(if facts.host.live {
            "the doctor runs inside a container: the host results describe this container"
        } else {
            "the root given with --root is a container's view, not a host's"
        })
        .fix(
            "Run sdctr-doctor on the host, or give it the host's /proc and /sys and point --root at them.",
            &["docker run --rm -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /var/run/docker.sock:/var/run/docker.sock IMAGE sdctr-doctor --root /host"],
        )
    } else if c.signals.is_empty() {
        Outcome::pass("not inside a container")
    } else {
        Outcome::pass(format!(
            "not a container despite {}: {}",
            c.signals.join(", "),
            c.counter_signals.join(", ")
        ))
    };
    o.evidence_all(c.signals.iter().cloned())
        .evidence_all(c.counter_signals.iter().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::host::ContainerFacts;
    use crate::facts::Probed;
    use crate::testing::unified_host;

    #[test]
    fn table() {
        let with = |inside: bool, signals: &[&str]| {
            let mut f = unified_host();
            f.host.container = Probed::Ok(ContainerFacts {
                inside,
                signals: signals.iter().map(|s| (*s).to_owned()).collect(),
                counter_signals: vec!["the root filesystem is ext4 on /dev/vda".into()],
            });
            f
        };
        let mut broken = unified_host();
        broken.host.container = Probed::error("no");
        let cases = [
            (with(false, &[]), Status::Pass),
            (with(false, &["/.dockerenv exists"]), Status::Pass),
            (with(true, &["PID 1 has container=docker"]), Status::Warn),
            (broken, Status::Error),
        ];
        for (i, (facts, want)) in cases.into_iter().enumerate() {
            assert_eq!(run(&facts).status, want, "case {i}");
        }
    }
}
