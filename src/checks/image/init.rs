use crate::checks::image::{each_image, systemd_command, unreadable};
use crate::checks::{Check, Outcome};
use crate::facts::image::link_chain as chain;
use crate::facts::image::{ImageFacts, Pid1Kind};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "image.init",
    title: "PID 1 is systemd",
    explain: "Works out what PID 1 would be without running the image: Entrypoint + Cmd from the \
image config, argv[0] looked up in the image's PATH, then every symlink followed inside the image \
(relative and absolute, `..` kept at the image root, at most 40 links, as the kernel does in the \
container). systemd must itself be PID 1: under a shell, tini (--init) or another init it refuses \
to run as the system manager (\"Trying to run as user instance, but the system has not been booted \
with systemd.\"). A link loop or a dangling /sbin/init is reported as found.",
    sources: &[
        "systemd src/core/main.c (system mode only as PID 1)",
        "krallin/tini#175 (systemd under tini)",
        "LewisGaul/systemd-containers README (ln -s /lib/systemd/systemd /sbin/init)",
        "eniocarboni/docker-rockylinux-systemd#1 (command: /usr/sbin/init)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    each_image(facts, |img, _| judge(img))
}

fn judge(img: &ImageFacts) -> Outcome {
    if let Some(o) = unreadable(img) {
        return o;
    }
    let p = match img.pid1.as_result() {
        Ok(p) => p,
        Err(e) => return Outcome::error(format!("cannot work out PID 1: {e}")),
    };
    let mut evidence = vec![format!("Entrypoint + Cmd: {:?}", p.argv)];
    if !p.links.is_empty() {
        evidence.push(format!("links: {}", chain(&p.links)));
    }
    for l in &img.link_findings {
        let via = if l.hops.is_empty() {
            String::new()
        } else {
            format!(" (via {})", chain(&l.hops))
        };
        evidence.push(format!(
            "{}: {} at {}{via}",
            l.path,
            l.problem.describe(),
            l.at
        ));
    }
    let resolved = p.resolved.as_deref().unwrap_or("?");
    let (exec_text, exec_commands) = use_exec_form(img);
    let o = match p.kind {
        Pid1Kind::Systemd => Outcome::pass(format!("PID 1 would be systemd ({resolved})")),
        Pid1Kind::Shell if p.shell_execs.is_some() => Outcome::warn(format!(
            "PID 1 would be the shell {resolved}; systemd ({}) becomes PID 1 only if the shell \
execs it",
            p.shell_execs.as_deref().unwrap_or("?")
        ))
        .fix_owned(exec_text, exec_commands),
        Pid1Kind::Missing if p.argv.is_empty() => {
            Outcome::fail("the image has neither Entrypoint nor Cmd: nothing to run as PID 1")
        }
        Pid1Kind::Missing => Outcome::fail(format!(
            "PID 1 would be {}, which does not resolve to a file in the image",
            p.argv[0]
        )),
        Pid1Kind::Shell => {
            Outcome::fail(format!("PID 1 would be the shell {resolved}, not systemd"))
        }
        Pid1Kind::MiniInit => Outcome::fail(format!(
            "PID 1 would be {resolved}, a minimal init (tini-like): systemd must itself be PID 1"
        )),
        Pid1Kind::OtherInit => Outcome::fail(format!(
            "PID 1 would be {resolved}, an init that is not systemd"
        )),
        Pid1Kind::Other => Outcome::fail(format!("PID 1 would be {resolved}, not systemd")),
    };
    let o = o.evidence_all(evidence);
    if matches!(p.kind, Pid1Kind::Systemd) || o.remediation.is_some() {
        return o;
    }
    let (text, commands) = fix(img);
    o.fix_owned(text, commands)
}

/// Make systemd PID 1: point the command at it, or install it first.
fn fix(img: &ImageFacts) -> (String, Vec<String>) {
    if img.systemd_path.is_none() {
        let os = img
            .os
            .ok()
            .and_then(|o| o.as_ref())
            .and_then(|o| o.id.clone())
            .unwrap_or_default();
        let install = match os.as_str() {
            "debian" | "ubuntu" => "RUN apt-get update && apt-get install -y systemd systemd-sysv",
            "fedora" | "centos" | "rhel" | "rocky" | "almalinux" => "RUN dnf install -y systemd",
            "opensuse-leap" | "opensuse-tumbleweed" | "sles" => "RUN zypper install -y systemd",
            "arch" => "RUN pacman -Sy --noconfirm systemd",
            _ => "RUN <install systemd with the image's package manager>",
        };
        return (
            "The image has no systemd (no /lib/systemd/systemd, /usr/lib/systemd/systemd or \
/sbin/init leading to one). Install it in a derived image and make it the command."
                .into(),
            vec![install.into(), "CMD [\"/sbin/init\"]".into()],
        );
    }
    use_exec_form(img)
}

fn use_exec_form(img: &ImageFacts) -> (String, Vec<String>) {
    let init = systemd_command(img);
    let mut commands = vec![format!("CMD [\"{init}\"]")];
    let text = if img.entrypoint.as_ref().is_some_and(|e| !e.is_empty()) {
        commands.insert(0, format!("ENTRYPOINT [\"{init}\"]"));
        if !img.from_dockerfile() {
            commands.push(format!(
                "docker run --entrypoint {init} ... {}",
                img.reference
            ));
        }
        format!(
            "Make systemd PID 1 in exec form: the image's ENTRYPOINT runs first, so replace it \
(in a derived image, or with --entrypoint); and drop --init. systemd is at {init}."
        )
    } else {
        if !img.from_dockerfile() {
            commands.push(format!("docker run ... {} {init}", img.reference));
        }
        format!(
            "Make systemd PID 1 in exec form (CMD [\"{init}\"], or the command after the image \
name in docker run), and drop --init."
        )
    };
    (text, commands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::image::{LinkFinding, LinkHop, LinkProblem};
    use crate::facts::{ImageFacts, Probed};
    use crate::testing::{bookworm_image, unified_host, with_image};

    fn with_kind(kind: Pid1Kind, resolved: &str) -> ImageFacts {
        let mut img = bookworm_image();
        if let Probed::Ok(p) = &mut img.pid1 {
            p.kind = kind;
            p.resolved = Some(resolved.into());
        }
        img
    }

    #[test]
    fn table() {
        let mut shell_exec = with_kind(Pid1Kind::Shell, "/usr/bin/dash");
        if let Probed::Ok(p) = &mut shell_exec.pid1 {
            p.shell_execs = Some("/usr/lib/systemd/systemd".into());
        }
        let mut looping = with_kind(Pid1Kind::Missing, "");
        looping.link_findings = vec![LinkFinding {
            path: "/sbin/init".into(),
            problem: LinkProblem::Loop,
            at: "/sbin/init".into(),
            hops: vec![LinkHop {
                link: "/sbin/init".into(),
                target: "/sbin/init".into(),
                daemon_resolved: false,
            }],
        }];
        let mut broken = bookworm_image();
        broken.pid1 = Probed::error("/sbin/init: unexpected EOF in the tar stream");
        let cases = [
            (bookworm_image(), Status::Pass),
            (shell_exec, Status::Warn),
            (with_kind(Pid1Kind::Shell, "/usr/bin/bash"), Status::Fail),
            (with_kind(Pid1Kind::MiniInit, "/usr/bin/tini"), Status::Fail),
            (with_kind(Pid1Kind::OtherInit, "/sbin/init"), Status::Fail),
            (looping, Status::Fail),
            (broken, Status::Error),
            (ImageFacts::unavailable("x", false, None), Status::Skip),
        ];
        for (img, want) in cases {
            let o = run(&with_image(unified_host(), img.clone()));
            assert_eq!(o.status, want, "{img:?}: {o:?}");
        }
    }

    #[test]
    fn remedies_name_the_real_path_or_the_install() {
        let o = run(&with_image(
            unified_host(),
            with_kind(Pid1Kind::Shell, "/usr/bin/bash"),
        ));
        let fix = o.remediation.unwrap();
        assert!(fix
            .commands
            .contains(&"CMD [\"/usr/lib/systemd/systemd\"]".into()));

        let mut tini = with_kind(Pid1Kind::MiniInit, "/usr/bin/tini");
        tini.entrypoint = Some(vec!["/usr/bin/tini".into(), "--".into()]);
        let fix = run(&with_image(unified_host(), tini)).remediation.unwrap();
        assert_eq!(fix.commands[0], "ENTRYPOINT [\"/usr/lib/systemd/systemd\"]");

        let mut none = with_kind(Pid1Kind::Shell, "/usr/bin/bash");
        none.systemd_path = None;
        let fix = run(&with_image(unified_host(), none)).remediation.unwrap();
        assert!(fix.commands[0].contains("apt-get install -y systemd systemd-sysv"));

        let mut looping = with_kind(Pid1Kind::Missing, "");
        looping.link_findings = vec![LinkFinding {
            path: "/sbin/init".into(),
            problem: LinkProblem::Loop,
            at: "/sbin/init2".into(),
            hops: vec![],
        }];
        let o = run(&with_image(unified_host(), looping));
        assert!(
            o.evidence.iter().any(|e| e.contains("symlink loop")),
            "{o:?}"
        );
    }
}
