use crate::checks::dockerfile::of;
use crate::checks::{Check, Outcome, Status};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "dockerfile.base",
    title: "base image inspected",
    explain: "The image a Dockerfile builds is its final stage: the FROM image (after following \
`FROM <stage>` and substituting ARGs) with the file's settings on top. The doctor looks the base \
up in the local daemon (never pulls) and reads its config and files, so PID 1 is resolved and the \
systemd version read as for an --image. When the daemon lacks it, or was not asked, the file's own \
instructions are judged alone: PID 1 by its name, systemd's version unknown.",
    sources: &[
        "Dockerfile reference: FROM, multi-stage builds, ARG scope",
        "Docker Engine API GET /images/{name}/json",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let (df, image) = match of(facts) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let stage = match &df.stage {
        Some(name) => format!("final stage '{name}' of {}", df.stages),
        None => format!("final stage of {}", df.stages),
    };
    let o = if df.base == "scratch" {
        Outcome::pass("FROM scratch: the image holds only what the file adds")
    } else {
        match df.base_present {
            Some(true) if image.is_some_and(|i| i.id.is_some()) => {
                let img = image.expect("checked");
                let id = img.id.as_deref().unwrap_or("?");
                let id = id.strip_prefix("sha256:").unwrap_or(id);
                let os = img
                    .os
                    .ok()
                    .and_then(|o| o.as_ref())
                    .and_then(|o| o.pretty_name.clone())
                    .map(|o| format!(", {o}"))
                    .unwrap_or_default();
                Outcome::pass(format!(
                    "FROM {}: present ({}{os}); judged with its config and files",
                    df.base,
                    &id[..id.len().min(12)]
                ))
            }
            Some(false) => Outcome::warn(format!(
                "FROM {}: not in the local daemon (the doctor never pulls); judged from the \
file's own instructions: PID 1 by its name, systemd's version unknown",
                df.base
            ))
            .fix_owned(
                "Pull the base, then run the doctor again to judge its systemd.",
                vec![format!("docker pull {}", df.base)],
            ),
            Some(true) => Outcome::error(format!(
                "FROM {}: present, but {}; judged from the file's own instructions",
                df.base,
                df.base_note.as_deref().unwrap_or("not read")
            )),
            _ => Outcome::skip(format!(
                "FROM {}: {}; judged from the file's own instructions",
                df.base,
                df.base_note.as_deref().unwrap_or("not inspected")
            )),
        }
    };
    let mut o = o.evidence(stage);
    if let Some(note) = df.base_note.as_ref().filter(|_| o.status != Status::Skip) {
        o = o.evidence(note.clone());
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::dockerfile::testing::with_dockerfile;
    use crate::facts::ImageFacts;
    use crate::testing::{bookworm_image, unified_host};

    #[test]
    fn table() {
        let text = "FROM sdctr-test/bookworm-systemd AS final\nSTOPSIGNAL SIGRTMIN+3\n";
        let present = with_dockerfile(unified_host(), text, Some(bookworm_image()));
        let o = run(&present);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(
            o.message.contains("388031f8a695, Debian GNU/Linux 12"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence, ["final stage 'final' of 1"]);

        let absent = ImageFacts::unavailable("sdctr-test/bookworm-systemd", false, None);
        let o = run(&with_dockerfile(unified_host(), text, Some(absent)));
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.remediation.unwrap().commands,
            ["docker pull sdctr-test/bookworm-systemd"]
        );

        let o = run(&with_dockerfile(unified_host(), text, None));
        assert_eq!(o.status, Status::Skip);
        assert!(o.message.contains("--no-docker"), "{}", o.message);

        let broken = ImageFacts::unavailable("debian:12", true, Some("archive: EOF".into()));
        let mut f = with_dockerfile(unified_host(), "FROM debian:12\n", Some(broken));
        f.dockerfile.as_mut().unwrap().base_note =
            Some("could not be inspected: archive: EOF".into());
        let o = run(&f);
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert!(o.message.contains("archive: EOF"), "{}", o.message);

        let o = run(&with_dockerfile(unified_host(), "FROM scratch\n", None));
        assert_eq!(o.status, Status::Pass);
        assert_eq!(run(&unified_host()).status, Status::Skip);
    }
}
