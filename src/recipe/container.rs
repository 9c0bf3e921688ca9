//! `container NAME`: the container's own checks and the corrected line told
//! as one story. The settings decide the fix (they are facts about the line
//! on this host, and the corrected line is judged again by every check); a
//! log line or the daemon's error says what happened. So where a corrected
//! line exists, the container checks point at it instead of giving a fix of
//! their own that could disagree with it (a log's `--privileged` where this
//! daemon cannot grant it, a `-t` that would only show the same failure).

use super::Recipe;
use crate::checks::{Finding, Remediation, Status};
use crate::facts::Facts;

const LINE: &str =
    "the corrected run line below (made from the container's settings, judged again on this host)";

/// Rewrites the remediation of the container checks that failed or warned
/// about a container that is not running, when there is a corrected line.
pub(crate) fn merge(facts: &Facts, findings: &mut [Finding], recipe: Option<&Recipe>) {
    let (Some(c), Some(_)) = (&facts.container, recipe) else {
        return;
    };
    if c.state.running {
        return;
    }
    let refused = !c.state.error.trim().is_empty();
    for f in findings.iter_mut() {
        if !matches!(f.status, Status::Fail | Status::Warn) {
            continue;
        }
        let old = f.remediation.as_ref().map(|r| r.text.clone());
        let text = match (f.id.as_str(), f.status) {
            // The daemon's refusal keeps its own fix (often the daemon's
            // side); the line is the way around it.
            ("container.state", Status::Fail) if refused => match old {
                Some(fix) => format!("{fix} Or run {LINE}."),
                None => format!("Run {LINE}."),
            },
            ("container.state", Status::Fail) => {
                format!("Run {LINE}: it changes the settings the run checks name.")
            }
            ("container.state", Status::Warn) if c.state.status == "created" => {
                format!("Do not start it as it is: run {LINE} instead.")
            }
            ("container.logs", Status::Fail) => format!(
                "Run {LINE}: the log says what happened, the settings decide the fix (the run checks name them)."
            ),
            ("container.logs", Status::Warn) => format!(
                "Run {LINE}; should it stop too, run it with -t and read docker logs to see why."
            ),
            _ => continue,
        };
        f.remediation = Some(Remediation {
            text,
            commands: vec![],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::container::testing::exited;
    use crate::checks::{self, Selection};
    use crate::runline;

    fn line(f: &mut Facts) {
        let c = f.container.as_ref().unwrap();
        f.run = Some(runline::from_container(c).unwrap());
    }

    #[test]
    fn a_log_fix_gives_way_to_the_corrected_line() {
        // bookworm (systemd 252) with `--tmpfs /tmp --tmpfs /run -v …:ro` on
        // the hybrid development VM: the log names /run/lock.
        let mut f = exited(
            &[
                "Failed to mount tmpfs at /run/lock: Operation not permitted",
                "[!!!!!!] Failed to mount API filesystems.",
            ],
            true,
        );
        line(&mut f);
        let r = super::super::recipe(&f).expect("a corrected line for an exited container");
        let mut findings = checks::run(&f, &Selection::default());
        let before = findings.clone();
        merge(&f, &mut findings, Some(&r));
        let logs = findings.iter().find(|x| x.id == "container.logs").unwrap();
        assert_eq!(logs.status, Status::Fail);
        let text = &logs.remediation.as_ref().unwrap().text;
        assert!(text.contains("corrected run line below"), "{text}");
        // What happened stays: the log line and its cause.
        assert_eq!(
            logs.evidence,
            before
                .iter()
                .find(|x| x.id == "container.logs")
                .unwrap()
                .evidence
        );
        // No corrected line: the checks keep their own fixes.
        let mut kept = before.clone();
        merge(&f, &mut kept, None);
        assert_eq!(kept, before);
    }

    #[test]
    fn a_refusal_keeps_its_fix_and_offers_the_line() {
        let mut f = exited(&[], false);
        {
            let c = f.container.as_mut().unwrap();
            c.state.status = "created".into();
            c.state.exit_code = 128;
            c.state.error = "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown".into();
            c.config.privileged = true;
        }
        // The development VM's daemon: its bounding set lacks CAP_SYS_RESOURCE.
        let mut d = crate::testing::fixture_docker("devvm-hybrid-20.10");
        d.privileged_possible = Some(false);
        let mut f = crate::testing::with_docker(f, d);
        line(&mut f);
        let r = super::super::recipe(&f).expect("a line");
        assert!(!r.argv.iter().any(|a| a == "--privileged"), "{:?}", r.argv);
        let mut findings = checks::run(&f, &Selection::default());
        merge(&f, &mut findings, Some(&r));
        let state = findings.iter().find(|x| x.id == "container.state").unwrap();
        let text = &state.remediation.as_ref().unwrap().text;
        assert!(text.starts_with("Drop --privileged"), "{text}");
        assert!(text.contains("corrected run line below"), "{text}");
        let logs = findings.iter().find(|x| x.id == "container.logs").unwrap();
        assert_eq!(logs.status, Status::Skip);
    }

    #[test]
    fn silent_and_unstarted_containers_point_at_the_line() {
        let text = |f: &mut Facts, id: &str| {
            line(f);
            let r = super::super::recipe(f).expect("a line");
            let mut findings = checks::run(f, &Selection::default());
            merge(f, &mut findings, Some(&r));
            let x = findings.iter().find(|x| x.id == id).unwrap();
            x.remediation.as_ref().unwrap().text.clone()
        };
        // Exited without a tty: the line first, -t only to see why should it stop too.
        let t = text(&mut exited(&[], false), "container.logs");
        assert!(t.starts_with("Run the corrected run line below"), "{t}");
        assert!(t.contains("-t"), "{t}");
        // Created, never started, no error: starting it as it is would fail.
        let mut f = exited(&[], false);
        let c = f.container.as_mut().unwrap();
        c.state.status = "created".into();
        c.state.started_at = "0001-01-01T00:00:00Z".into();
        let t = text(&mut f, "container.state");
        assert!(t.starts_with("Do not start it as it is"), "{t}");
    }

    #[test]
    fn no_log_fix_the_daemon_cannot_grant_survives() {
        // cgroup v2, a daemon that cannot grant --privileged: the log's usual
        // fix ("run with --privileged") would contradict the corrected line.
        let mut f = exited(
            &["Failed to create /init.scope control group: Read-only file system"],
            true,
        );
        f.host = crate::testing::unified_host().host;
        let mut d = crate::testing::fixture_docker("debian12-v2-20.10");
        d.privileged_possible = Some(false);
        let mut f = crate::testing::with_docker(f, d);
        line(&mut f);
        let r = super::super::recipe(&f).expect("a line");
        assert!(!r.argv.iter().any(|a| a == "--privileged"), "{:?}", r.argv);
        let mut findings = checks::run(&f, &Selection::default());
        let said = |fs: &[Finding]| {
            fs.iter()
                .filter(|x| x.group == "container")
                .filter_map(|x| x.remediation.as_ref())
                .any(|r| r.text.contains("--privileged"))
        };
        assert!(said(&findings), "the log's own fix names --privileged");
        merge(&f, &mut findings, Some(&r));
        assert!(!said(&findings));
    }
}
