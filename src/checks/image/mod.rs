//! Image checks: can this image boot systemd as PID 1 on this host? One
//! outcome per check covers every `--image`: the worst status wins and each
//! line names its image.

pub(crate) mod container_env;
pub(crate) mod init;
pub(crate) mod present;
pub(crate) mod stop_signal;
pub(crate) mod systemd_version;
pub(crate) mod user;

use crate::checks::{Outcome, Remediation, Status};
use crate::facts::image::{ImageFacts, SystemdVersion};
use crate::facts::Facts;

/// How bad a status is when several images are summed up.
fn rank(s: Status) -> u8 {
    match s {
        Status::Skip => 0,
        Status::Pass => 1,
        Status::Warn => 2,
        Status::Error => 3,
        Status::Fail => 4,
    }
}

/// Judge every image with `judge`, then sum up. An image the daemon could
/// not be asked about (`--no-docker`, unreachable) is skipped with the reason.
pub(crate) fn each_image(facts: &Facts, judge: impl Fn(&ImageFacts, &Facts) -> Outcome) -> Outcome {
    let outcomes: Vec<(&str, Outcome)> = facts
        .images
        .iter()
        .map(|img| {
            let outcome = match (&img.error, daemon_unavailable(facts)) {
                (Some(_), Some(why)) => Outcome::skip(why),
                _ => judge(img, facts),
            };
            (img.reference.as_str(), outcome)
        })
        .collect();
    combine(outcomes)
}

/// Why the daemon was not there to ask, when it was not.
fn daemon_unavailable(facts: &Facts) -> Option<&str> {
    use crate::facts::docker::ProbeOutcome;
    let p = facts.docker_probe.as_ref()?;
    match p.outcome {
        ProbeOutcome::Ok => None,
        ProbeOutcome::Skipped => Some(
            crate::checks::docker::not_asked(p).unwrap_or("the daemon was not asked (--no-docker)"),
        ),
        ProbeOutcome::Unreachable => Some("the daemon could not be asked (see docker.reachable)"),
    }
}

fn combine(outcomes: Vec<(&str, Outcome)>) -> Outcome {
    let Some(worst) = outcomes
        .iter()
        .map(|(_, o)| o.status)
        .max_by_key(|s| rank(*s))
    else {
        return Outcome::skip("no --image given");
    };
    let mut out = Outcome {
        status: worst,
        message: outcomes
            .iter()
            .map(|(r, o)| format!("{r}: {}", o.message))
            .collect::<Vec<_>>()
            .join("; "),
        evidence: vec![],
        remediation: None,
    };
    let several = outcomes.len() > 1;
    let mut texts = Vec::new();
    let mut commands = Vec::new();
    for (r, o) in outcomes {
        out.evidence
            .extend(o.evidence.into_iter().map(|e| format!("{r}: {e}")));
        if let Some(Remediation { text, commands: c }) = o.remediation {
            texts.push(if several {
                format!("{r}: {text}")
            } else {
                text
            });
            commands.extend(c);
        }
    }
    if !texts.is_empty() {
        out.remediation = Some(Remediation {
            text: texts.join("\n"),
            commands,
        });
    }
    out
}

/// The outcome for an image whose files could not be read, if so.
pub(crate) fn unreadable(img: &ImageFacts) -> Option<Outcome> {
    if !img.present {
        return Some(Outcome::skip("not present (see image.present)"));
    }
    img.error
        .as_ref()
        .map(|e| Outcome::error(format!("cannot inspect the image: {e}")))
}

/// The image's systemd, when it has one; otherwise the outcome to give.
pub(crate) fn systemd_of(img: &ImageFacts) -> Result<Option<&SystemdVersion>, Outcome> {
    if let Some(o) = unreadable(img) {
        return Err(o);
    }
    match img.systemd.as_result() {
        Err(e) => Err(Outcome::error(format!(
            "cannot read the image's systemd: {e}"
        ))),
        Ok(v) => Ok(v.as_ref()),
    }
}

/// As [`systemd_of`], for the checks that only matter with systemd: an image
/// without a systemd binary skips. `Ok(None)`: one whose version is unknown.
pub(crate) fn systemd_or_skip(img: &ImageFacts) -> Result<Option<&SystemdVersion>, Outcome> {
    match systemd_of(img)? {
        None if img.systemd_path.is_none() => Err(Outcome::skip("no systemd in the image")),
        v => Ok(v),
    }
}

/// Where to point a `CMD`: the image's systemd, or the usual `/sbin/init`.
pub(crate) fn systemd_command(img: &ImageFacts) -> String {
    img.systemd_path
        .clone()
        .unwrap_or_else(|| "/sbin/init".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_wins_and_lines_name_images() {
        let o = combine(vec![
            ("a", Outcome::pass("fine").evidence("e1")),
            ("b", Outcome::fail("broken").fix("do x", &["x"])),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "a: fine; b: broken");
        assert_eq!(o.evidence, ["a: e1"]);
        let fix = o.remediation.unwrap();
        assert_eq!((fix.text.as_str(), fix.commands.len()), ("b: do x", 1));
        assert_eq!(combine(vec![]).status, Status::Skip);
    }

    #[test]
    fn no_daemon_skips_with_the_reason() {
        use crate::testing::{unreachable, with_image};
        let img = ImageFacts::unavailable("debian:12", false, Some("cannot connect".into()));
        let f = with_image(unreachable("no_socket", "no such socket"), img);
        for c in crate::checks::registry()
            .iter()
            .filter(|c| c.id.starts_with("image."))
        {
            let o = (c.run)(&f);
            assert_eq!(o.status, Status::Skip, "{}", c.id);
            assert!(o.message.contains("see docker.reachable"), "{}", o.message);
        }
    }
}
