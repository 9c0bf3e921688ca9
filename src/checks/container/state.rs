use super::{capital, container, label};
use crate::checks::{Check, Outcome};
use crate::diagnose::refusals;
use crate::diagnose::systemd_logs::diagnose;
use crate::facts::container::{ContainerFacts, SystemdState};
use crate::facts::{Facts, Probed};

pub(crate) static CHECK: Check = Check {
    id: "container.state",
    title: "container state and systemd inside",
    explain: "For `sdctr-doctor container NAME|ID`: the container's state from GET /containers/{id}/json. \
A running container is asked, with two bounded execs (the only time the doctor runs anything in a \
container, and only in the user's own running one), `systemctl is-system-running` and \
`systemctl --failed --no-legend --plain`: running passes, degraded warns with the failed units, \
initializing/starting warns, maintenance/offline fail, and an answer that is not a state (no \
systemctl, no bus) fails with its diagnosis. A container that exited, is restarting or never started \
fails. A daemon-side refusal (State.Error of a container whose PID 1 never ran: the OCI runtime's \
\"unable to apply caps\", a missing network or bridge, a command not in the image) is explained from \
sdctr-doctor's refusal table as the daemon's doing, not systemd's. Its logs \
are judged by container.logs, its settings by the run checks.",
    sources: &[
        "Docker Engine API: ContainerInspect, ContainerExec, ExecStart",
        "systemctl(1) is-system-running (states and their meaning)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match container(facts) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let who = label(c);
    let st = &c.state;
    let o = match st.status.as_str() {
        "running" => match &c.systemd {
            Some(Probed::Ok(s)) => systemd(&who, s),
            Some(Probed::Err(e)) => Outcome::error(format!(
                "{who} is running, but asking systemd inside failed: {}",
                e.error
            )),
            None => Outcome::error(format!("{who} is running; systemd inside was not asked")),
        },
        "paused" => Outcome::warn(format!("{who} is paused")).fix_owned(
            "Unpause it to see whether systemd runs.",
            vec![format!("docker unpause {}", c.name)],
        ),
        "created" if st.error.is_empty() => {
            Outcome::warn(format!("{who} was created but never started"))
                .fix_owned("Start it.", vec![format!("docker start {}", c.name)])
        }
        "created" => stopped(c, format!("{who} could not start")),
        "restarting" => stopped(
            c,
            format!(
                "{who} is restarting: PID 1 keeps exiting (last exit code {})",
                st.exit_code
            ),
        ),
        "exited" | "dead" => stopped(
            c,
            format!(
                "{who} {} with exit code {}{}",
                st.status,
                st.exit_code,
                if st.oom_killed {
                    " (killed: out of memory)"
                } else {
                    ""
                }
            ),
        ),
        other => Outcome::warn(format!("{who} is in state '{other}'")),
    };
    o.evidence(format!(
        "state {}, exit code {}, started {}, finished {}",
        st.status,
        st.exit_code,
        or_dash(&st.started_at),
        or_dash(&st.finished_at)
    ))
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() || s.starts_with("0001-01-01") {
        "-"
    } else {
        s
    }
}

/// Exited, dead, restarting or refused by the runtime: systemd did not stay up.
fn stopped(c: &ContainerFacts, message: String) -> Outcome {
    let error = c.state.error.trim();
    if error.is_empty() {
        return Outcome::fail(message).fix(
            "See container.logs for what systemd printed, and the run checks for the settings to change.",
            &[],
        );
    }
    // The daemon's or the runtime's own refusal: PID 1 never ran, so it is
    // neither systemd's failure nor a missing -t.
    if let Some(r) = refusals::lookup(error) {
        return Outcome::fail(format!("{}: {}", label(c), r.cause))
            .evidence(format!("daemon: {error}"))
            .evidence(format!("refusal {} ({})", r.id, r.source))
            .fix_owned(format!("{}.", capital(r.fix)), vec![]);
    }
    let o = Outcome::fail(message).evidence(format!("daemon: {error}"));
    match diagnose(error).into_iter().next() {
        Some(d) => o
            .evidence(format!("cause: {}", d.cause))
            .fix_owned(format!("{} ({})", capital(&d.fix), d.source), vec![]),
        None => o.fix(
            "The daemon's error above says why it stopped; the run checks name the settings to change.",
            &[],
        ),
    }
}

fn systemd(who: &str, s: &SystemdState) -> Outcome {
    let o = judge_systemd(who, s);
    match &s.note {
        Some(note) => o.evidence(note.clone()),
        None => o,
    }
}

fn judge_systemd(who: &str, s: &SystemdState) -> Outcome {
    let state = s.system_state.trim();
    let asked = format!("systemctl is-system-running: {state}");
    let units = || s.failed_units.join(", ");
    match s.known_state() {
        Some("running") => Outcome::pass(format!("{who}: systemd is up, all units fine")).evidence(asked),
        Some("degraded") => Outcome::warn(format!(
            "{who}: systemd booted, but {} unit(s) failed: {}",
            s.failed_units.len(),
            units()
        ))
        .evidence(asked)
        .evidence_all(s.failed_units.iter().map(|u| format!("failed: {u}")))
        .fix_owned(
            "Look at why they failed (a unit needing a device, a kernel module or a mount the container lacks can be masked in the image).",
            s.failed_units
                .iter()
                .take(3)
                .map(|u| format!("docker exec {} systemctl status {u}", who.split(' ').next().unwrap_or(who)))
                .collect(),
        ),
        Some(st @ ("initializing" | "starting")) => Outcome::warn(format!(
            "{who}: systemd is still booting ({st})"
        ))
        .evidence(asked)
        .fix("Wait for the boot to end, then ask again.", &["docker exec CONTAINER systemctl is-system-running --wait"]),
        Some("stopping") => Outcome::warn(format!("{who}: systemd is shutting down")).evidence(asked),
        Some("maintenance") => Outcome::fail(format!(
            "{who}: systemd is in maintenance (rescue or emergency mode): a unit needed for the boot failed"
        ))
        .evidence(asked)
        .evidence_all(s.failed_units.iter().map(|u| format!("failed: {u}"))),
        Some("offline") => Outcome::fail(format!(
            "{who}: systemctl answers offline: systemd is not the container's PID 1"
        ))
        .evidence(asked)
        .fix("Make systemd PID 1: CMD [\"/sbin/init\"] in the image and no --init.", &[]),
        Some(other) => Outcome::warn(format!("{who}: systemd reports '{other}'")).evidence(asked),
        None => {
            let o = Outcome::fail(format!("{who}: no systemd answers inside the container"))
                .evidence(format!("systemctl is-system-running: {state}"));
            match diagnose(state).into_iter().next() {
                Some(d) => o
                    .evidence(format!("cause: {}", d.cause))
                    .fix_owned(capital(&d.fix), vec![]),
                None => o.fix("Make systemd PID 1: CMD [\"/sbin/init\"] in the image and no --init.", &[]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::container::testing::{exited, inspected, running, with};
    use crate::checks::Status;

    #[test]
    fn table() {
        let no_systemctl = "OCI runtime exec failed: exec failed: unable to start container process: exec: \"systemctl\": executable file not found in $PATH: unknown";
        let cases = [
            (running("running", &[]), Status::Pass),
            (running("degraded", &["tmp.mount"]), Status::Warn),
            (running("starting", &[]), Status::Warn),
            (running("maintenance", &[]), Status::Fail),
            (running("offline", &[]), Status::Fail),
            (running(no_systemctl, &[]), Status::Fail),
            (exited(&[], true), Status::Fail),
            (crate::testing::hybrid_host(), Status::Skip),
        ];
        for (facts, want) in cases {
            let o = run(&facts);
            assert_eq!(o.status, want, "{}", o.message);
        }
        let o = run(&running(no_systemctl, &[]));
        assert!(o.remediation.unwrap().text.contains("Install systemd"));
        let wrapped = "timeout: failed to run command 'systemctl': No such file or directory";
        let o = run(&running(wrapped, &[]));
        assert!(o.remediation.unwrap().text.contains("Install systemd"));
        let o = run(&running(
            "degraded",
            &["tmp.mount", "systemd-remount-fs.service"],
        ));
        assert!(
            o.message
                .contains("2 unit(s) failed: tmp.mount, systemd-remount-fs.service"),
            "{}",
            o.message
        );
    }

    #[test]
    fn an_unbounded_systemctl_is_said_in_the_evidence() {
        let mut f = running("running", &[]);
        if let Some(Probed::Ok(s)) = f.container.as_mut().and_then(|c| c.systemd.as_mut()) {
            s.note = Some("the container has no `timeout`: systemctl may still run".into());
        }
        let o = run(&f);
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.evidence.iter().any(|e| e.contains("may still run")),
            "{:?}",
            o.evidence
        );
    }

    #[test]
    fn refused_by_the_daemon_is_not_blamed_on_systemd() {
        // Real State.Error texts of containers the development VM's daemon
        // (Docker 20.10.24) created but never started.
        let cases = [
            ("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown", 128, "runtime.apply-caps", "Drop --privileged"),
            ("network nosuchnet not found", 128, "network.not-found", "docker network create"),
            ("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/nonexistent\": stat /nonexistent: no such file or directory: unknown", 127, "runtime.exec-missing", "systemd-sysv"),
        ];
        for (error, code, id, fix) in cases {
            let mut c = inspected();
            c.state.status = "created".into();
            c.state.exit_code = code;
            c.state.error = error.into();
            let o = run(&with(c));
            assert_eq!(o.status, Status::Fail);
            assert!(o.message.contains("the daemon refused"), "{}", o.message);
            assert!(
                o.evidence.iter().any(|e| e.contains(id)),
                "{:?}",
                o.evidence
            );
            let text = o.remediation.unwrap().text;
            assert!(text.contains(fix), "{id}: {text}");
            assert!(!text.contains(" -t"), "{id}: {text}");
        }
    }

    #[test]
    fn exited_names_code() {
        let o = run(&exited(&[], true));
        assert!(
            o.message.contains("exited with exit code 255"),
            "{}",
            o.message
        );
    }
}
