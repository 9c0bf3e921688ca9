use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "run.security",
    title: "security options",
    explain: "SELinux denies container processes writes to the cgroup file system unless the \
container_manage_cgroup boolean is on (or the container runs unlabelled). AppArmor's docker-default \
profile denies mount, so CAP_SYS_ADMIN alone does not let systemd mount its tmpfs. \
no-new-privileges stops setuid and file capabilities for systemd and every service it starts; \
systempaths=unconfined unmasks /proc and makes /proc/sys writable, which CONTAINER_INTERFACE asks \
to keep read-only. seccomp=unconfined is harmless for systemd.",
    sources: &[
        "containers/podman docs/source/markdown/options/systemd.md (container_manage_cgroup)",
        "moby/moby profiles/apparmor/template.go (deny mount)",
        "systemd docs/CONTAINER_INTERFACE.md (/proc/sys read-only)",
        "Docker docs: docker run --security-opt",
    ],
    run,
};

const KNOWN: &[&str] = &[
    "seccomp",
    "apparmor",
    "label",
    "systempaths",
    "no-new-privileges",
    "proc-opts",
    "writable-cgroups",
    "mask",
    "unmask",
];

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let spec = s.spec;
    let mut warns: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    if s.ctx.selinux == Some(true) && !spec.privileged && spec.security("label") != Some("disable")
    {
        warns.push("SELinux is on: systemd's writes to the cgroup file system are denied unless container_manage_cgroup is set".into());
        fixes.push("sudo setsebool -P container_manage_cgroup true".into());
    }
    if spec.no_new_privileges() {
        warns.push("no-new-privileges: setuid programs and file capabilities stop working for every service systemd starts".into());
    }
    if spec.security("systempaths") == Some("unconfined") {
        warns.push("systempaths=unconfined: /proc/sys becomes writable and /proc is unmasked (CONTAINER_INTERFACE wants /proc/sys read-only)".into());
    }
    for o in &spec.security_opt {
        let key = o.split(['=', ':']).next().unwrap_or(o);
        if !KNOWN.contains(&key) {
            warns.push(format!(
                "unknown security option `{o}`: Docker will refuse the line"
            ));
        }
    }
    let mut notes = Vec::new();
    if let Some(v) = spec.security("seccomp") {
        notes.push(format!("seccomp={v}"));
    }
    if let Some(v) = spec.security("apparmor") {
        notes.push(format!("apparmor={v}"));
    }
    if warns.is_empty() {
        let what = if spec.privileged {
            "--privileged: no seccomp or AppArmor confinement".to_owned()
        } else if notes.is_empty() {
            "default seccomp (and AppArmor, where enabled) profiles".to_owned()
        } else {
            notes.join(", ")
        };
        return Outcome::pass(what);
    }
    Outcome::warn(warns.join("; ")).fix_owned(
        "Drop the options above unless they are needed; on SELinux hosts set the container_manage_cgroup boolean.",
        fixes,
    )
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
            ("docker run IMG", Status::Pass),
            (
                "docker run --security-opt seccomp=unconfined IMG",
                Status::Pass,
            ),
            (
                "docker run --security-opt no-new-privileges IMG",
                Status::Warn,
            ),
            (
                "docker run --security-opt systempaths=unconfined IMG",
                Status::Warn,
            ),
            ("docker run --security-opt frobnicate=1 IMG", Status::Warn),
        ];
        for (line, want) in cases {
            assert_eq!(run(&with_line(unified_host(), line)).status, want, "{line}");
        }
        let mut f = unified_host();
        with_line_ctx(&mut f, "docker run IMG", ctx(|c| c.selinux = Some(true)));
        let o = run(&f);
        assert_eq!(o.status, Status::Warn);
        assert!(o.remediation.unwrap().commands[0].contains("container_manage_cgroup"));
        let mut f = unified_host();
        with_line_ctx(
            &mut f,
            "docker run --security-opt label=disable IMG",
            ctx(|c| c.selinux = Some(true)),
        );
        assert_eq!(run(&f).status, Status::Pass);
    }
}
