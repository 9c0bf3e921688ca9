use crate::checks::image::{each_image, systemd_or_skip};
use crate::checks::{Check, Outcome};
use crate::facts::image::ImageFacts;
use crate::facts::Facts;
use crate::runline::systemd::is_root;

pub(crate) static CHECK: Check = Check {
    id: "image.user",
    title: "runs as root",
    explain:
        "Config.User sets the uid of PID 1. systemd is the system manager only as root (uid 0 \
in the container, which may be mapped under user namespaces): it mounts the API filesystems and \
manages cgroups. With a USER other than root it cannot be the system manager (exact error \
UNCONFIRMED). Services can still drop privileges in their units.",
    sources: &[
        "systemd src/core/main.c (system manager as PID 1, root)",
        "Dockerfile reference USER; docker run --user",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    each_image(facts, |img, _| judge(img, run_user(facts, img)))
}

/// `--user` of the run line that starts this image: it wins over USER.
fn run_user<'a>(facts: &'a Facts, img: &ImageFacts) -> Option<&'a str> {
    let run = facts.run.as_ref()?;
    (run.spec.image == img.reference)
        .then_some(run.spec.user.as_deref())
        .flatten()
}

fn judge(img: &ImageFacts, run_user: Option<&str>) -> Outcome {
    if let Err(o) = systemd_or_skip(img) {
        return o;
    }
    if is_root(&img.user) {
        let shown = if img.user.is_empty() {
            "root (default)"
        } else {
            &img.user
        };
        return Outcome::pass(format!("User {shown}"));
    }
    if let Some(u) = run_user.filter(|u| is_root(u)) {
        return Outcome::pass(format!(
            "User {}, overridden by --user {u} on the run line",
            img.user
        ));
    }
    Outcome::fail(format!(
        "User {}: systemd cannot be the system manager as a non-root user",
        img.user
    ))
    .fix(
        "Run PID 1 as root (the services can still run as other users through their units).",
        &["USER root", "docker run --user 0 ..."],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{bookworm_image, unified_host, with_image};

    #[test]
    fn table() {
        let cases = [
            ("", Status::Pass),
            ("root", Status::Pass),
            ("0:0", Status::Pass),
            ("root:wheel", Status::Pass),
            ("1000", Status::Fail),
            ("app:app", Status::Fail),
            ("00", Status::Pass),
            ("10", Status::Fail),
        ];
        // --user 0 on the run line of this image wins over its USER.
        let mut img = bookworm_image();
        img.user = "app".into();
        let mut f = with_image(unified_host(), img.clone());
        let line = format!("docker run --user 0 {}", img.reference);
        f.run = Some(crate::runline::from_line(&[line]).unwrap());
        assert_eq!(run(&f).status, Status::Pass);
        f.run = Some(
            crate::runline::from_line(&[format!("docker run --user 1000 {}", img.reference)])
                .unwrap(),
        );
        assert_eq!(run(&f).status, Status::Fail);
        for (user, want) in cases {
            let mut img = bookworm_image();
            img.user = user.into();
            assert_eq!(
                run(&with_image(unified_host(), img)).status,
                want,
                "{user:?}"
            );
        }
    }
}
