use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;
use crate::runline::systemd::{is_init, line_pid1, never_systemd, pid1};

pub(crate) static CHECK: Check = Check {
    id: "run.init",
    title: "systemd is PID 1",
    explain: "systemd only runs as the system manager when it is PID 1. --init (compose `init: true`) \
makes docker-init (tini) PID 1 and systemd refuses (\"Trying to run as user instance, but the system \
has not been booted with systemd.\"). So does a daemon-wide `init: true` (daemon.json, or dockerd --init), \
which /info does not show: where the daemon is local its command line and config file are read, and \
only --init=false on the line (compose `init: false`) undoes it. A command or --entrypoint that is not an init (e.g. `sleep \
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
    if s.init && s.spec.init {
        return Outcome::fail("--init makes docker-init (tini) PID 1: systemd refuses to run as the system manager")
            .evidence("systemd 252 as /sbin/init under tini (Docker 20.10.24, hybrid host, development VM): Couldn't find an alternative telinit implementation to spawn.")
            .fix("Remove --init (and `init: true` in compose).", &[]);
    }
    if s.init {
        let from = s
            .ctx
            .daemon_init_from
            .clone()
            .unwrap_or_else(|| "its configuration".into());
        return Outcome::fail(format!(
            "{} (from {from}) makes docker-init (tini) PID 1 of every container that does not say --init=false: systemd refuses to run as the system manager",
            s.init_from
        ))
        .evidence("systemd 252 as /sbin/init under tini (Docker 20.10.24, hybrid host, development VM): Couldn't find an alternative telinit implementation to spawn.")
        .fix("Add --init=false to the run line (compose: `init: false`).", &[]);
    }
    // The line's command is PID 1 itself when the image has no ENTRYPOINT.
    let argv_pid1 = line_pid1(s.spec, s.ctx.image_entrypoint.as_ref());
    if let Some(argv) = argv_pid1.filter(|a| never_systemd(a)) {
        return Outcome::fail(format!(
            "PID 1 will be `{}`, which never starts systemd",
            argv.join(" ")
        ))
        .evidence("systemd 252 and 257 images, molecule's default command `bash -c \"while true; do sleep 10000; done\"` (Docker 20.10.24, hybrid host, development VM, tests/truth_matrix.rs front-end cells): `systemctl is-system-running` says offline")
        .fix("Leave the image's own command (molecule: `command: \"\"` or `override_command: false`), or run /sbin/init (or /lib/systemd/systemd).", &[]);
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
            ("docker run --entrypoint sleep IMG infinity", Status::Fail),
        ];
        for (line, want) in cases {
            assert_eq!(run(&with_line(unified_host(), line)).status, want, "{line}");
        }
        // An image without ENTRYPOINT: the line's command is PID 1 itself.
        let img = crate::testing::bookworm_image();
        assert_eq!(img.entrypoint, None);
        let host = crate::testing::with_image(unified_host(), img.clone());
        for (cmd, want) in [
            ("bash -c 'while true; do sleep 10000; done'", Status::Fail),
            ("sleep infinity", Status::Fail),
            ("bash -c 'exec /sbin/init'", Status::Warn),
            ("/usr/local/bin/start.sh", Status::Warn),
            ("/sbin/init", Status::Pass),
        ] {
            let line = format!("docker run {} {cmd}", img.reference);
            assert_eq!(run(&with_line(host.clone(), &line)).status, want, "{line}");
        }
    }

    #[test]
    fn a_daemon_wide_init_needs_init_false_on_the_line() {
        use crate::checks::run::testing::{ctx, with_line_ctx};
        let daemon_init = || ctx(|c| c.daemon_init = Some(true));
        let mut f = unified_host();
        with_line_ctx(&mut f, "docker run -d --privileged IMG", daemon_init());
        let o = run(&f);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(
            o.message.contains("/etc/docker/daemon.json"),
            "{}",
            o.message
        );
        assert!(o.remediation.unwrap().text.contains("--init=false"));
        let mut f = unified_host();
        with_line_ctx(
            &mut f,
            "docker run -d --privileged --init=false IMG",
            daemon_init(),
        );
        assert_eq!(run(&f).status, Status::Pass);
        // The corrected line says --init=false, and passes.
        let mut f = unified_host();
        with_line_ctx(
            &mut f,
            "docker run -d --privileged --init IMG",
            daemon_init(),
        );
        let r = crate::recipe::recipe(&f).expect("a recipe");
        assert!(r.argv.contains(&"--init=false".to_owned()), "{:?}", r.argv);
        let mut again = unified_host();
        with_line_ctx(&mut again, &r.argv.join(" "), daemon_init());
        assert_eq!(run(&again).status, Status::Pass);
    }
}
