use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;
use crate::runline::systemd::{is_init, pid1};

pub(crate) static CHECK: Check = Check {
    id: "run.init",
    title: "systemd is PID 1",
    explain: "systemd only runs as the system manager when it is PID 1. --init (compose `init: true`) \
makes docker-init (tini) PID 1 and systemd refuses (\"Trying to run as user instance, but the system \
has not been booted with systemd.\"). A command or --entrypoint that is not an init (e.g. `sleep \
infinity`, Molecule's injected command) leaves systemd out entirely.",
    sources: &[
        "krallin/tini#175, #102",
        "systemd src/core/main.c",
        "geerlingguy/docker-centos7-ansible#12; eniocarboni/docker-rockylinux-systemd#1",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if s.spec.init {
        return Outcome::fail("--init makes docker-init (tini) PID 1: systemd refuses to run as the system manager")
            .evidence("systemd 252 as /sbin/init under tini (seen here): Couldn't find an alternative telinit implementation to spawn.")
            .fix("Remove --init (and `init: true` in compose).", &[]);
    }
    match pid1(s.spec) {
        Some(cmd) if !is_init(cmd) => Outcome::warn(format!(
            "PID 1 will be `{cmd}`, not systemd (unless the image's ENTRYPOINT execs systemd with it)"
        ))
        .fix("Run /sbin/init (or /lib/systemd/systemd) as the command, or leave the image's default.", &[]),
        Some(cmd) => Outcome::pass(format!("PID 1 will be {cmd}")),
        None => Outcome::pass("PID 1 is the image's own command (no --init, no override)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::with_line;
    use crate::checks::Status;
    use crate::testing::unified_host;

    #[test]
    fn table() {
        let cases = [
            ("docker run -d --init IMG", Status::Fail),
            ("docker run --init=true IMG /sbin/init", Status::Fail),
            ("docker run --init=false IMG", Status::Pass),
            ("docker run IMG", Status::Pass),
            ("docker run IMG /usr/sbin/init", Status::Pass),
            ("docker run IMG sleep infinity", Status::Warn),
            (
                "docker run --entrypoint /lib/systemd/systemd IMG --log-level=debug",
                Status::Pass,
            ),
            ("docker run --entrypoint bash IMG", Status::Warn),
        ];
        for (line, want) in cases {
            assert_eq!(run(&with_line(unified_host(), line)).status, want, "{line}");
        }
    }
}
