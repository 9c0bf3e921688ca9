use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;
use crate::runline::systemd::is_root;

pub(crate) static CHECK: Check = Check {
    id: "run.user",
    title: "systemd runs as root",
    explain: "systemd as the system manager (PID 1) must run as uid 0 inside the container: it mounts \
file systems, creates cgroups and starts services under other users. -u/--user (or the image's USER) \
set to another user makes it fail early. User namespaces (userns-remap, rootless) still give it uid \
0 inside, which is fine.",
    sources: &["systemd src/core/main.c", "systemd docs/CONTAINER_INTERFACE.md"],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (user, from) = match (&s.spec.user, &s.ctx.image_user) {
        (Some(u), _) => (Some(u.as_str()), "--user"),
        (None, Some(u)) => (Some(u.as_str()), "the image's USER"),
        (None, None) => (None, ""),
    };
    match user {
        Some(u) if !is_root(u) => Outcome::fail(format!(
            "systemd would run as `{u}` (from {from}): the system manager must be uid 0"
        ))
        .fix(
            if from == "--user" {
                "Remove --user; drop privileges in the services' units (User=) instead."
            } else {
                "Add --user root; drop privileges in the services' units (User=) instead."
            },
            &[],
        ),
        Some("") => Outcome::pass(format!(
            "runs as root (the image sets no USER; from {from})"
        )),
        Some(u) => Outcome::pass(format!("runs as `{u}` (from {from})")),
        None => Outcome::pass(
            "no --user: runs as the image's user (root unless the image sets USER; not known here)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line_ctx};
    use crate::checks::Status;
    use crate::testing::unified_host;

    #[test]
    fn table() {
        let cases = [
            ("docker run IMG", None, Status::Pass),
            ("docker run -u 1000:1000 IMG", None, Status::Fail),
            ("docker run --user=root IMG", Some("ansible"), Status::Pass),
            ("docker run IMG", Some("ansible"), Status::Fail),
            ("docker run IMG", Some(""), Status::Pass),
            ("docker run -u0 IMG", None, Status::Pass),
            // uid 0 written with leading zeros is still root (image.user agrees).
            ("docker run --user 00 IMG", None, Status::Pass),
            ("docker run IMG", Some("000"), Status::Pass),
        ];
        for (line, image, want) in cases {
            let mut f = unified_host();
            with_line_ctx(&mut f, line, ctx(|c| c.image_user = image.map(Into::into)));
            let o = run(&f);
            assert_eq!(o.status, want, "{line} {image:?}");
            assert!(!o.message.contains("``"), "{}", o.message);
        }
    }
}
