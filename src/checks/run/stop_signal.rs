use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;
use crate::runline::systemd::is_rtmin3;

pub(crate) static CHECK: Check = Check {
    id: "run.stop-signal",
    title: "stop signal SIGRTMIN+3",
    explain: "`docker stop` sends the container's stop signal (--stop-signal, else the image's STOPSIGNAL, \
else SIGTERM), then SIGKILL after the timeout (10 s). systemd as PID 1 answers SIGTERM by \
re-executing itself, and halts cleanly only on SIGRTMIN+3: without it every stop ends in SIGKILL.",
    sources: &[
        "systemd(1) \"Signals\"",
        "Docker docs: docker container stop",
        "containers/podman options/systemd.md (podman sets SIGRTMIN+3 in systemd mode)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (signal, from) = match (&s.spec.stop_signal, &s.ctx.image_stop_signal) {
        (Some(sig), _) => (Some(sig.as_str()), "--stop-signal"),
        (None, Some(sig)) if !sig.is_empty() => (Some(sig.as_str()), "the image's STOPSIGNAL"),
        _ if s.podman_systemd => (Some("SIGRTMIN+3"), "podman's systemd mode"),
        _ => (None, ""),
    };
    let fix = "Add --stop-signal SIGRTMIN+3 (or STOPSIGNAL SIGRTMIN+3 in the Dockerfile).";
    match signal {
        Some(sig) if is_rtmin3(sig) => Outcome::pass(format!("{sig} (from {from}): docker stop halts systemd cleanly")),
        Some(sig) => Outcome::warn(format!(
            "docker stop sends {sig} (from {from}): systemd does not halt on it, SIGKILL follows after the timeout"
        ))
        .fix(fix, &[]),
        None => Outcome::warn(
            "no --stop-signal and the image's STOPSIGNAL is not known here: docker stop sends SIGTERM, systemd re-executes, SIGKILL follows after the timeout",
        )
        .fix(fix, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line, with_line_ctx};
    use crate::checks::Status;
    use crate::testing::unified_host;

    #[test]
    fn table() {
        let cases = [
            ("docker run IMG", None, Status::Warn),
            ("docker run --stop-signal=RTMIN+3 IMG", None, Status::Pass),
            ("docker run --stop-signal 37 IMG", None, Status::Pass),
            (
                "docker run --stop-signal SIGTERM IMG",
                Some("SIGRTMIN+3"),
                Status::Warn,
            ),
            ("docker run IMG", Some("SIGRTMIN+3"), Status::Pass),
            ("docker run IMG", Some("SIGINT"), Status::Warn),
            ("podman run IMG", None, Status::Pass),
        ];
        for (line, image, want) in cases {
            let mut f = unified_host();
            with_line_ctx(
                &mut f,
                line,
                ctx(|c| c.image_stop_signal = image.map(Into::into)),
            );
            assert_eq!(run(&f).status, want, "{line} {image:?}");
        }
        let _ = with_line;
    }
}
