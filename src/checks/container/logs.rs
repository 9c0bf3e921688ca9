use super::{capital, container, label};
use crate::checks::{Check, Outcome};
use crate::diagnose::systemd_logs::diagnose;
use crate::facts::container::ContainerFacts;
use crate::facts::{Facts, Probed};

/// How many of the last lines are shown when no known failure is among them.
const SHOWN: usize = 8;

pub(crate) static CHECK: Check = Check {
    id: "container.logs",
    title: "what systemd printed before it stopped",
    explain: "For a container that is not running: the last 200 lines of GET /containers/{id}/logs \
(stdout and stderr, demultiplexed when the container has no tty, colours removed), matched against \
the known systemd boot failures (sdctr-doctor's table, each with its cause, fix and source). systemd \
writes its boot messages to the console only: a container started without -t has empty logs \
(seen on the development VM with systemd 247, 252 and 257), so the doctor says so and suggests -t.",
    sources: &[
        "Docker Engine API: ContainerLogs (stream format, 8-byte frame headers without a tty)",
        "src/diagnose/systemd_logs.rs (the failure table and each line's source)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match container(facts) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let who = label(c);
    if !c.state.running && !c.state.error.trim().is_empty() && never_ran(c) {
        // The daemon refused to start it: PID 1 never ran, so no log and no
        // tty can say anything about systemd.
        return Outcome::skip(format!(
            "{who} never ran: the daemon refused to start it (container.state), so systemd printed nothing"
        ));
    }
    let tail = match &c.logs {
        None if c.state.running => {
            return Outcome::skip(format!(
                "{who} is running: systemd itself was asked (container.state)"
            ))
        }
        None => return Outcome::skip(format!("{who}: logs were not read")),
        Some(Probed::Err(e)) => {
            return Outcome::error(format!("cannot read the logs of {who}: {}", e.error))
        }
        Some(Probed::Ok(t)) => t,
    };
    let found = diagnose(&tail.lines.join("\n"));
    if !found.is_empty() {
        let first = &found[0];
        let mut o = Outcome::fail(format!("{who}: systemd stopped: {}", first.cause));
        for d in &found {
            o = o.evidence(format!("log: {}", d.line));
            o = o.evidence(format!("  cause: {} ({})", d.cause, d.source));
        }
        // The first known line is the cause; the ones after it are its consequences.
        return o.fix_owned(format!("{}.", capital(&first.fix)), vec![]);
    }
    if tail.lines.is_empty() {
        if !c.config.tty {
            return Outcome::warn(format!(
                "{who} printed nothing: systemd writes its boot messages to the console only, and the container has no tty, so docker logs stays empty"
            ))
            .fix_owned(
                "Run it again with -t (docker run -t ...) and read docker logs to see why systemd stopped.",
                vec![],
            );
        }
        return Outcome::warn(format!(
            "{who} printed nothing (PID 1 exited before writing anything)"
        ));
    }
    let shown = &tail.lines[tail.lines.len().saturating_sub(SHOWN)..];
    Outcome::warn(format!(
        "{who}: no known systemd failure in its last {} lines",
        tail.lines.len()
    ))
    .evidence_all(shown.iter().map(|l| format!("log: {l}")))
}

/// Never started by the runtime: created only, or no start time recorded.
fn never_ran(c: &ContainerFacts) -> bool {
    c.state.status == "created"
        || c.state.started_at.is_empty()
        || c.state.started_at.starts_with("0001-01-01")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::container::testing::{exited, running};
    use crate::checks::Status;

    #[test]
    fn table() {
        let cases: &[(&[&str], bool, Status, &str)] = &[
            (
                // bookworm (systemd 252), --tmpfs /tmp --tmpfs /run -v ...:ro, on the hybrid development VM (Docker 20.10.24).
                &[
                    "Failed to mount tmpfs at /run/lock: Operation not permitted",
                    "[!!!!!!] Failed to mount API filesystems.",
                    "Exiting PID 1...",
                ],
                true,
                Status::Fail,
                "--tmpfs /run/lock",
            ),
            (
                &["Couldn't find an alternative telinit implementation to spawn."],
                true,
                Status::Fail,
                "Drop --init",
            ),
            (&[], false, Status::Warn, "-t"),
            (
                &["Welcome to Debian GNU/Linux 12 (bookworm)!"],
                true,
                Status::Warn,
                "",
            ),
        ];
        for (lines, tty, want, fix) in cases {
            let o = run(&exited(lines, *tty));
            assert_eq!(o.status, *want, "{lines:?}: {}", o.message);
            if !fix.is_empty() {
                assert!(o.remediation.unwrap().text.contains(fix), "{lines:?}");
            }
        }
        assert_eq!(run(&running("running", &[])).status, Status::Skip);
        assert_eq!(run(&crate::testing::hybrid_host()).status, Status::Skip);
    }

    #[test]
    fn a_refused_start_is_not_blamed_on_a_missing_tty() {
        // `docker run --privileged` on the development VM (Docker 20.10.24):
        // created, never started, no logs, no tty.
        let mut f = exited(&[], false);
        let c = f.container.as_mut().unwrap();
        c.state.status = "created".into();
        c.state.exit_code = 128;
        c.state.started_at = "0001-01-01T00:00:00Z".into();
        c.state.error = "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown".into();
        let o = run(&f);
        assert_eq!(o.status, Status::Skip, "{}", o.message);
        assert!(o.message.contains("daemon refused"), "{}", o.message);
        assert!(o.remediation.is_none());
        // The same container, once started, with empty logs: the tty advice stands.
        let mut ran = exited(&[], false);
        ran.container.as_mut().unwrap().state.error = "some later error".into();
        assert_eq!(run(&ran).status, Status::Warn);
    }
}
