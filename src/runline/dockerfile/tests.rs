use super::*;

fn parse_ok(text: &str) -> DockerfileFacts {
    parse("Dockerfile", text).unwrap_or_else(|e| panic!("{e}"))
}

fn values<T: Clone>(s: &[Setting<T>]) -> Vec<T> {
    s.iter().map(|x| x.value.clone()).collect()
}

#[test]
fn continuations_comments_and_blank_lines() {
    let df = parse_ok(
        "FROM debian:12\n\
         # a comment\n\
         RUN apt-get update \\\n\
         # dropped inside the continuation\n\
         \n\
             && apt-get install -y \\\n\
                systemd systemd-sysv\n\
         CMD [\"/lib/systemd/systemd\"]\n",
    );
    assert_eq!(df.installs.len(), 1);
    let i = &df.installs[0];
    assert_eq!((i.line, i.last_line), (3, 7));
    assert_eq!(i.value.packages, ["systemd", "systemd-sysv"]);
    assert_eq!(df.cmd[0].line, 8);
}

#[test]
fn escape_directive_changes_the_continuation_character() {
    let df = parse_ok(
        "# escape=`\n\
         FROM debian:12\n\
         ENV DIR=C:\\path\n\
         RUN apt-get install -y `\n    systemd\n\
         USER `\n  app\n",
    );
    assert_eq!(df.env_var("DIR"), Some("C:\\path"));
    assert_eq!(df.installs[0].value.packages, ["systemd"]);
    assert_eq!(values(&df.user), ["app"]);
    // The directive only counts at the top; later it is a comment.
    let df = parse_ok("FROM debian:12\n# escape=`\nENV A=x\\\ny\n");
    assert_eq!(df.env_var("A"), Some("xy"));
    let e = parse("Dockerfile", "# escape=x\nFROM a\n").unwrap_err();
    assert_eq!(e, "Dockerfile:1: invalid escape directive 'x'");
}

#[test]
fn multi_stage_the_last_stage_is_the_image_and_inherits_its_parent() {
    let df = parse_ok(
        "FROM golang:1.22 AS build\n\
         USER builder\n\
         FROM debian:12 AS base\n\
         ENV container=docker\n\
         STOPSIGNAL SIGRTMIN+3\n\
         RUN apt-get install -y systemd-sysv\n\
         FROM base AS final\n\
         CMD [\"/sbin/init\"]\n",
    );
    assert_eq!(df.stages, 3);
    assert_eq!(df.base, "debian:12");
    assert_eq!(df.stage.as_deref(), Some("final"));
    assert!(
        df.user.is_empty(),
        "the build stage's USER is not inherited"
    );
    assert_eq!(df.env_var("container"), Some("docker"));
    assert_eq!(values(&df.stop_signal), ["SIGRTMIN+3"]);
    assert_eq!(df.installs.len(), 1);
    assert_eq!(df.final_cmd(), Some(vec!["/sbin/init".to_owned()]));
}

#[test]
fn arg_and_env_substitution_as_buildkit_does() {
    let df = parse_ok(
        "ARG DISTRO=debian\n\
         ARG TAG\n\
         ARG SIG=SIGRTMIN+3\n\
         FROM ${DISTRO}:${TAG:-12}\n\
         ARG SIG\n\
         ARG WHO=root\n\
         ENV NAME=$WHO OTHER=\"${MISSING:-fall back}\" SAME=$NAME\n\
         ENV container docker\n\
         USER ${NAME}\n\
         STOPSIGNAL $SIG\n\
         VOLUME [\"/data/$WHO\"] \n\
         CMD echo $NAME\n",
    );
    assert_eq!(df.base, "debian:12");
    assert_eq!(df.env_var("NAME"), Some("root"));
    assert_eq!(df.env_var("OTHER"), Some("fall back"));
    // Substituted with the values from before the instruction.
    // NAME is set by the same instruction: not seen yet, so left for the base.
    assert_eq!(df.env_var("SAME"), Some("${NAME}"));
    assert_eq!(df.env_var("container"), Some("docker"));
    assert_eq!(values(&df.user), ["root"]);
    assert_eq!(values(&df.stop_signal), ["SIGRTMIN+3"]);
    assert_eq!(values(&df.volumes), [vec!["/data/root".to_owned()]]);
    // CMD is not substituted: the shell does it at run time.
    assert_eq!(
        values(&df.cmd),
        [vec!["/bin/sh".to_owned(), "-c".into(), "echo $NAME".into()]]
    );
    // A global ARG is not seen inside a stage unless declared there.
    let df = parse_ok("ARG U=app\nFROM a\nUSER x$U\n");
    assert_eq!(values(&df.user), ["x"]);
    // Quotes and escapes.
    let df = parse_ok("FROM a\nENV A='$B' B=\"a \\\"q\\\"\" C=\\$D\n");
    assert_eq!(df.env_var("A"), Some("$B"));
    assert_eq!(df.env_var("B"), Some("a \"q\""));
    assert_eq!(df.env_var("C"), Some("$D"));
    let base = parse_ok("FROM a\nENV PATH=/opt/bin:$PATH D=${UNSET:-d} E=x${UNSET}\n");
    assert_eq!(base.env_var("PATH"), Some("/opt/bin:${PATH}"));
    assert_eq!(base.env_var("D"), Some("d"));
    assert_eq!(base.env_var("E"), Some("x${UNSET}"));
    assert_eq!(
        parse("Dockerfile", "FROM a\nUSER $UNSET\n").unwrap_err(),
        "Dockerfile:2: USER needs a value"
    );
}

#[test]
fn exec_and_shell_forms() {
    let df = parse_ok(
        "FROM a\n\
         SHELL [\"/bin/bash\", \"-c\"]\n\
         ENTRYPOINT exec /sbin/init\n\
         VOLUME /sys/fs/cgroup /run\n\
         VOLUME [\"/var/log\"]\n",
    );
    assert_eq!(
        values(&df.entrypoint),
        [vec![
            "/bin/bash".to_owned(),
            "-c".into(),
            "exec /sbin/init".into()
        ]]
    );
    assert_eq!(
        values(&df.volumes),
        [
            vec!["/sys/fs/cgroup".to_owned(), "/run".into()],
            vec!["/var/log".to_owned()]
        ]
    );
    // Not valid JSON: BuildKit takes it as the shell form.
    let df = parse_ok("FROM a\nCMD ['/sbin/init']\n");
    assert_eq!(df.cmd[0].value[2], "['/sbin/init']");
}

#[test]
fn entrypoint_clears_an_inherited_cmd_but_not_one_set_before_it() {
    let df = parse_ok("FROM a AS one\nCMD [\"x\"]\nFROM one\nENTRYPOINT [\"/sbin/init\"]\n");
    assert_eq!(df.final_cmd(), Some(vec![]));
    let df = parse_ok("FROM a\nCMD [\"x\"]\nENTRYPOINT [\"/sbin/init\"]\n");
    assert_eq!(df.final_cmd(), Some(vec!["x".to_owned()]));
    let df = parse_ok("FROM a\nENTRYPOINT [\"/sbin/init\"]\nCMD [\"y\"]\n");
    assert_eq!(df.final_cmd(), Some(vec!["y".to_owned()]));
    assert_eq!(parse_ok("FROM a\n").final_cmd(), None);
}

#[test]
fn systemd_install_detection() {
    let cases: &[(&str, &[&str], bool)] = &[
        ("apt-get update && apt-get install -y --no-install-recommends systemd systemd-sysv", &["systemd", "systemd-sysv"], true),
        ("DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confdef install -qy systemd=252.*", &["systemd"], true),
        ("dnf -y install systemd procps-ng && dnf clean all", &["systemd"], true),
        ("yum install -y systemd; yum clean all", &["systemd"], true),
        ("microdnf install systemd", &["systemd"], true),
        ("zypper --non-interactive in systemd", &["systemd"], true),
        ("apk add --no-cache openrc", &["openrc"], false),
        ("apk add --virtual systemd curl", &[], false),
        ("pacman -Syu --noconfirm systemd", &["systemd"], true),
        ("apt-get remove -y systemd", &[], false),
        ("echo apt-get install systemd", &[], false),
        ("apt-get install -y systemd-container", &[], false),
        ("sudo /usr/bin/apt install -y sysvinit-core", &["sysvinit-core"], false),
    ];
    for (script, packages, systemd) in cases {
        let got = init_installs(script);
        let names: Vec<&str> = got
            .iter()
            .flat_map(|i| i.packages.iter().map(String::as_str))
            .collect();
        assert_eq!(&names, packages, "{script}");
        assert_eq!(got.iter().any(|i| i.systemd), *systemd, "{script}");
    }
    // RUN's own flags, the exec form and heredocs.
    let df = parse_ok(
        "FROM a\nRUN --mount=type=cache,target=/var/cache/apt --network=none \\\n  apt-get install -y systemd\n",
    );
    assert_eq!(df.installs[0].value.packages, ["systemd"]);
    let df = parse_ok("FROM a\nRUN [\"dnf\", \"install\", \"-y\", \"systemd\"]\n");
    assert_eq!(df.installs[0].value.manager, "dnf");
    let df = parse_ok("FROM a\nRUN <<EOF\nset -e\napt-get install -y systemd\nEOF\nUSER app\n");
    assert_eq!((df.installs[0].line, df.installs[0].last_line), (2, 5));
    assert_eq!(df.user[0].line, 6);
}

#[test]
fn errors_name_the_line() {
    let cases = [
        (
            "FROM a\nFRUM b\n",
            "Dockerfile:2: unknown instruction 'FRUM'",
        ),
        ("RUN x\nFROM a\n", "Dockerfile:1: RUN before the first FROM"),
        (
            "# only a comment\n",
            "Dockerfile:1: no FROM instruction: not a Dockerfile",
        ),
        ("FROM a\nENV\n", "Dockerfile:2: ENV names no variable"),
        (
            "FROM a\n\nENV A\n",
            "Dockerfile:3: ENV A has no value (use ENV A=)",
        ),
        (
            "FROM a\nRUN <<EOF\necho\n",
            "Dockerfile:2: heredoc <<EOF is never closed",
        ),
        (
            "FROM a b c d\n",
            "Dockerfile:1: FROM takes `image [AS name]`, not 'a b c d'",
        ),
        ("FROM a\nUSER \"x\n", "Dockerfile:2: unmatched \" quote"),
        (
            "FROM a\n{\"k\": 1}\n",
            "Dockerfile:2: '{\"k\":' is not an instruction",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse("Dockerfile", text).unwrap_err(), want, "{text:?}");
    }
}

#[test]
fn image_facts_without_a_base() {
    let mut df = parse_ok(
        "FROM debian:12\nRUN apt-get install -y systemd systemd-sysv\nENV container=docker\n\
         STOPSIGNAL SIGRTMIN+3\nCMD [\"/sbin/init\"]\n",
    );
    df.base_note = Some("--no-docker".into());
    let img = image_facts(&df, None);
    assert_eq!(img.reference, "Dockerfile:Dockerfile");
    assert!(img.readable());
    let p = img.pid1.ok().unwrap();
    assert_eq!(p.kind, Pid1Kind::Systemd);
    assert_eq!(img.systemd_path.as_deref(), Some("/lib/systemd/systemd"));
    assert_eq!(img.systemd, Probed::Ok(None));
    assert_eq!(img.stop_signal.as_deref(), Some("SIGRTMIN+3"));
    assert_eq!(img.env_container.as_deref(), Some("docker"));

    // systemd without systemd-sysv: Debian has no /sbin/init then.
    let df = parse_ok("FROM debian:12\nRUN apt-get install -y systemd\nCMD [\"/sbin/init\"]\n");
    assert_eq!(
        image_facts(&df, None).pid1.ok().unwrap().kind,
        Pid1Kind::Missing
    );
    // openrc's init is not systemd.
    let df = parse_ok("FROM alpine\nRUN apk add openrc\nCMD [\"/sbin/init\"]\n");
    let img = image_facts(&df, None);
    assert_eq!(img.pid1.ok().unwrap().kind, Pid1Kind::OtherInit);
    // Nothing installed, no command, base unknown: no guess.
    let df = parse_ok("FROM jrei/systemd-debian:12\nENV container=docker\n");
    let img = image_facts(&df, None);
    assert!(img.pid1.as_result().is_err() && img.systemd.as_result().is_err());
    // bash is a shell whatever the base.
    let df = parse_ok("FROM debian:12\nCMD [\"bash\"]\n");
    assert_eq!(
        image_facts(&df, None).pid1.ok().unwrap().kind,
        Pid1Kind::Shell
    );
}

#[test]
fn image_facts_over_a_base_without_systemd() {
    let df = parse_ok(
        "FROM debian:12\nRUN apt-get install -y systemd systemd-sysv\nCMD [\"/sbin/init\"]\n",
    );
    // The base probed with the file's CMD: /sbin/init is not in debian:12.
    let mut base = crate::testing::bookworm_image();
    base.reference = "debian:12".into();
    base.systemd = Probed::Ok(None);
    base.systemd_path = None;
    if let Probed::Ok(p) = &mut base.pid1 {
        p.kind = Pid1Kind::Missing;
        p.resolved = None;
        p.links.clear();
    }
    let img = image_facts(&df, Some(base.clone()));
    assert_eq!(img.reference, "Dockerfile:Dockerfile");
    assert_eq!(img.id, base.id, "the base's id and files stay");
    assert_eq!(img.pid1.ok().unwrap().kind, Pid1Kind::Systemd);
    assert_eq!(img.systemd_path.as_deref(), Some("/lib/systemd/systemd"));
    assert!(
        img.notes
            .iter()
            .any(|n| n.contains("line 2: apt-get installs systemd systemd-sysv")),
        "{:?}",
        img.notes
    );
    // A base with systemd keeps its own version.
    let img = image_facts(&df, Some(crate::testing::bookworm_image()));
    assert_eq!(img.systemd.ok().unwrap().as_ref().unwrap().major, 252);
}
