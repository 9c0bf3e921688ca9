use crate::checks::image::{each_image, systemd_or_skip};
use crate::checks::{Check, Outcome};
use crate::facts::image::ImageFacts;
use crate::facts::Facts;
use crate::runline::systemd::is_rtmin3;

pub(crate) static CHECK: Check = Check {
    id: "image.stop-signal",
    title: "stop signal SIGRTMIN+3",
    explain: "docker stop sends the image's StopSignal (default SIGTERM), then SIGKILL after the \
timeout (10 s). systemd as PID 1 shuts down cleanly on SIGRTMIN+3 (signal 37 on Linux); on \
SIGTERM it serialises its state and re-executes itself, so without STOPSIGNAL SIGRTMIN+3 every \
docker stop ends in SIGKILL.",
    sources: &[
        "systemd(1) \"Signals\" (SIGTERM, SIGRTMIN+3)",
        "docs.docker.com docker container stop; Dockerfile reference STOPSIGNAL",
        "systemd.io CONTAINER_INTERFACE (clean shutdown: SIGRTMIN+3)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    each_image(facts, |img, _| judge(img))
}

fn judge(img: &ImageFacts) -> Outcome {
    if let Err(o) = systemd_or_skip(img) {
        return o;
    }
    match img.stop_signal.as_deref() {
        Some(s) if is_rtmin3(s) => Outcome::pass(format!("StopSignal {s}")),
        other => Outcome::warn(format!(
            "StopSignal is {}: systemd re-executes on SIGTERM instead of shutting down, so docker \
stop waits 10 s and kills it",
            other.unwrap_or("not set (Docker sends SIGTERM)")
        ))
        .fix(
            "Set the stop signal in the image, or per container.",
            &[
                "STOPSIGNAL SIGRTMIN+3",
                "docker run --stop-signal=SIGRTMIN+3 ...",
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::testing::{bookworm_image, unified_host, with_image};

    #[test]
    fn table() {
        let cases = [
            (Some("SIGRTMIN+3"), Status::Pass),
            (Some("RTMIN+3"), Status::Pass),
            (Some("37"), Status::Pass),
            (Some("SIGTERM"), Status::Warn),
            (None, Status::Warn),
        ];
        for (signal, want) in cases {
            let mut img = bookworm_image();
            img.stop_signal = signal.map(Into::into);
            assert_eq!(
                run(&with_image(unified_host(), img)).status,
                want,
                "{signal:?}"
            );
        }
        let mut none = bookworm_image();
        none.systemd = Probed::Ok(None);
        none.systemd_path = None;
        assert_eq!(run(&with_image(unified_host(), none)).status, Status::Skip);
    }
}
