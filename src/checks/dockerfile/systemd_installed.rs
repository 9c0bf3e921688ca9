use crate::checks::dockerfile::{install_line, of};
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "dockerfile.systemd-installed",
    title: "systemd installed",
    explain: "Looks for systemd in the image the file builds: in the base image's files (when the \
daemon has it), or in the file's RUN lines (apt-get/apt install systemd or systemd-sysv, dnf/yum/\
microdnf install systemd, zypper, pacman -S; `apk add openrc` and other inits are not systemd). On \
Debian and Ubuntu, systemd-sysv provides /sbin/init; without it only /lib/systemd/systemd exists. \
Installed by a RUN line, systemd's version is the one the base's distribution ships, known once \
the image is built (then judge it with --image).",
    sources: &[
        "Debian packages systemd and systemd-sysv (/sbin/init -> /lib/systemd/systemd)",
        "j8r/dockerfiles systemd/debian/12.Dockerfile (apt-get install -y systemd systemd-sysv)",
        "geerlingguy/docker-debian12-ansible Dockerfile",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let (df, image) = match of(facts) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let others: Vec<String> = df
        .installs
        .iter()
        .filter(|i| !i.value.systemd)
        .map(|i| {
            format!(
                "line {}: {} installs {}",
                i.line,
                i.value.manager,
                i.value.packages.join(" ")
            )
        })
        .collect();
    if let Some(i) = df.systemd_installs().next() {
        let what = format!(
            "line {}: {} installs {}",
            i.line,
            i.value.manager,
            i.value.packages.join(" ")
        );
        let o = match df.base_has_systemd {
            Some(true) => Outcome::pass(format!("{what} ({} has systemd already)", df.base)),
            _ => {
                let distro = image
                    .and_then(|i| i.os.ok())
                    .and_then(|o| o.as_ref())
                    .and_then(|o| o.pretty_name.clone())
                    .unwrap_or_else(|| format!("{}'s distribution", df.base));
                Outcome::pass(format!(
                    "{what}; its version is the one {distro} ships (known once built)"
                ))
            }
        };
        let apt = i.value.manager.starts_with("apt");
        let sysv = df
            .systemd_installs()
            .any(|i| i.value.packages.iter().any(|p| p == "systemd-sysv"));
        return if apt && !sysv && df.base_has_systemd != Some(true) {
            o.evidence(
                "systemd-sysv is not installed: there is no /sbin/init, only /lib/systemd/systemd",
            )
        } else {
            o
        };
    }
    if df.base_has_systemd == Some(true) {
        let path = image
            .and_then(|i| i.systemd_path.clone())
            .unwrap_or_default();
        let version = image
            .and_then(|i| i.systemd.ok())
            .and_then(|v| v.as_ref())
            .map(|v| format!(" {}", v.version))
            .unwrap_or_default();
        return Outcome::pass(format!("{} has systemd{version} ({path})", df.base));
    }
    let fix = |o: Outcome| {
        match install_line(df, image) {
        Some(line) => o.fix_owned(
            "Install systemd (and make it the command).",
            vec![line.to_owned(), "CMD [\"/sbin/init\"]".to_owned()],
        ),
        None => o.fix(
            "Alpine has no systemd (musl): build from a glibc distribution (Debian, Ubuntu, Fedora) instead.",
            &["FROM debian:12"],
        ),
    }
    };
    let instead = if others.is_empty() {
        String::new()
    } else {
        format!(" (it installs another init: {})", others.join("; "))
    };
    let o = if df.base == "scratch" || df.base_has_systemd == Some(false) {
        let base = if df.base == "scratch" {
            "FROM scratch has nothing".to_owned()
        } else {
            format!("{} has no systemd", df.base)
        };
        Outcome::fail(format!("{base} and no RUN line installs it{instead}"))
    } else if !others.is_empty() {
        Outcome::fail(format!("no RUN line installs systemd{instead}"))
    } else {
        Outcome::warn(format!(
            "no RUN line installs systemd, and whether {} has it is unknown ({})",
            df.base,
            df.base_note.as_deref().unwrap_or("not inspected")
        ))
    };
    fix(o.evidence_all(others))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::dockerfile::testing::with_dockerfile;
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::testing::{bookworm_image, unified_host};

    fn no_systemd() -> crate::facts::ImageFacts {
        let mut b = bookworm_image();
        b.reference = "debian:12".into();
        b.systemd = Probed::Ok(None);
        b.systemd_path = None;
        b
    }

    #[test]
    fn table() {
        let install =
            "FROM debian:12\nRUN apt-get update && apt-get install -y systemd systemd-sysv\n";
        let bare = "FROM debian:12\nRUN apt-get install -y curl\n";
        let cases = [
            (install, None, Status::Pass),
            (install, Some(no_systemd()), Status::Pass),
            (bare, Some(bookworm_image()), Status::Pass),
            (bare, Some(no_systemd()), Status::Fail),
            (bare, None, Status::Warn),
            (
                "FROM alpine:3\nRUN apk add --no-cache openrc\n",
                None,
                Status::Fail,
            ),
            ("FROM scratch\n", None, Status::Fail),
        ];
        for (text, base, want) in cases {
            let o = run(&with_dockerfile(unified_host(), text, base));
            assert_eq!(o.status, want, "{text}: {o:?}");
        }
        assert_eq!(run(&unified_host()).status, Status::Skip);
    }

    #[test]
    fn messages_name_the_line_the_package_and_the_fix() {
        let o = run(&with_dockerfile(
            unified_host(),
            "FROM debian:12\nRUN apt-get install -y systemd\n",
            Some(no_systemd()),
        ));
        assert!(
            o.message.starts_with("line 2: apt-get installs systemd;"),
            "{}",
            o.message
        );
        assert!(
            o.message
                .contains("the one Debian GNU/Linux 12 (bookworm) ships"),
            "{}",
            o.message
        );
        assert!(
            o.evidence[0].contains("systemd-sysv is not installed"),
            "{:?}",
            o.evidence
        );

        let o = run(&with_dockerfile(
            unified_host(),
            "FROM debian:12\n",
            Some(no_systemd()),
        ));
        assert_eq!(
            o.remediation.unwrap().commands[0],
            "RUN apt-get update && apt-get install -y systemd systemd-sysv"
        );
        let o = run(&with_dockerfile(
            unified_host(),
            "FROM alpine:3\nRUN apk add openrc\n",
            None,
        ));
        assert!(
            o.message.contains("line 2: apk installs openrc"),
            "{}",
            o.message
        );
        assert_eq!(o.remediation.unwrap().commands, ["FROM debian:12"]);
        let o = run(&with_dockerfile(unified_host(), "FROM fedora:41\n", None));
        assert_eq!(
            o.remediation.unwrap().commands[0],
            "RUN dnf install -y systemd"
        );
    }
}
