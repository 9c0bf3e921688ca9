use crate::checks::image::each_image;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "image.present",
    title: "image present locally",
    explain: "Looks the --image up in the local Docker daemon. The doctor never pulls and never \
starts the image's process: an image that is not present is reported with the `docker pull` that \
fetches it, and its other image checks are skipped.",
    sources: &["Docker Engine API GET /images/{name}/json"],
    run,
};

fn run(facts: &Facts) -> Outcome {
    each_image(facts, |img, _| {
        if let Some(e) = &img.error {
            return Outcome::error(format!("cannot inspect the image: {e}"));
        }
        if !img.present {
            let pull = format!("docker pull {}", img.reference);
            return Outcome::fail("not present in the local daemon (the doctor never pulls)")
                .fix_owned("Pull it, then run the doctor again.", vec![pull]);
        }
        let os = img
            .os
            .ok()
            .and_then(|o| o.as_ref())
            .and_then(|o| o.pretty_name.clone());
        // The image a Dockerfile would build has no id until it is built.
        let Some(id) = img.id.as_deref() else {
            return Outcome::pass(
                "not built yet: judged from its Dockerfile (see dockerfile.base)",
            );
        };
        let short = id.strip_prefix("sha256:").unwrap_or(id);
        Outcome::pass(match os {
            Some(os) => format!("present ({}, {os})", &short[..short.len().min(12)]),
            None => format!("present ({})", &short[..short.len().min(12)]),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::ImageFacts;
    use crate::testing::{bookworm_image, unified_host, with_image};

    #[test]
    fn table() {
        let absent = ImageFacts::unavailable("debian:12", false, None);
        let broken = ImageFacts::unavailable("debian:12", true, Some("daemon: 500".into()));
        let cases = [
            (bookworm_image(), Status::Pass),
            (absent, Status::Fail),
            (broken, Status::Error),
        ];
        for (img, want) in cases {
            assert_eq!(run(&with_image(unified_host(), img)).status, want);
        }
        assert_eq!(run(&unified_host()).status, Status::Skip);
    }

    #[test]
    fn absent_names_docker_pull() {
        let f = with_image(
            unified_host(),
            ImageFacts::unavailable("debian:12", false, None),
        );
        let o = run(&f);
        assert_eq!(o.remediation.unwrap().commands, ["docker pull debian:12"]);
        let o = run(&with_image(unified_host(), bookworm_image()));
        assert!(
            o.message.contains("388031f8a695, Debian GNU/Linux 12"),
            "{}",
            o.message
        );
    }
}
