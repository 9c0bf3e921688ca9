use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::docker::DockerFacts;
use crate::facts::version::lenient;
use crate::facts::Facts;
use semver::Version;

pub(crate) static CHECK: Check = Check {
    id: "docker.runtime",
    title: "OCI runtime and containerd",
    explain: "On cgroup v2 Docker needs runc >= 1.0.0-rc91 and containerd >= 1.4 (versions from \
/version Components; Podman reports its runtime as \"OCI Runtime (crun|runc)\"; crun supports v2 \
throughout). A registered sysbox-runc runtime runs systemd without --privileged \
(--runtime=sysbox-runc).",
    sources: &[
        "Docker docs: Runtime metrics (cgroup v2: containerd >= 1.4, runc >= 1.0.0-rc91)",
        "opencontainers/runc docs/cgroup-v2.md",
        "nestybox/sysbox README (systemd in unprivileged containers)",
    ],
    run,
};

/// runc 1.0.0-rc91 and later (`rc91` reads as `rc.91`, so rc100 > rc91).
fn runc_ok(v: &Version) -> bool {
    *v >= Version::parse("1.0.0-rc.91").expect("a valid version")
}

fn oci_runtime(d: &DockerFacts) -> Option<(String, String)> {
    if let Some(v) = d.component("runc") {
        return Some(("runc".into(), v.to_owned()));
    }
    d.components
        .iter()
        .find(|c| c.name.starts_with("OCI Runtime"))
        .map(|c| {
            (
                c.name
                    .trim_start_matches("OCI Runtime")
                    .trim_matches(|ch: char| ch == ' ' || ch == '(' || ch == ')')
                    .to_owned(),
                c.version.clone(),
            )
        })
}

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let v2 = d.cgroup_version_number() == Some(2);
    let mut ev = vec![format!(
        "DefaultRuntime {}, Runtimes {}",
        d.default_runtime.as_deref().unwrap_or("?"),
        d.runtimes.join(" ")
    )];
    let mut problems = vec![];
    let rt = oci_runtime(d);
    if let Some((name, ver)) = &rt {
        ev.push(format!("{name} {ver}"));
        if name == "runc" && v2 {
            match lenient(ver) {
                Some(v) if !runc_ok(&v) => problems.push(format!(
                    "runc {ver} predates cgroup v2 support (1.0.0-rc91)"
                )),
                None => problems.push(format!(
                    "runc version '{ver}' cannot be compared with 1.0.0-rc91"
                )),
                _ => {}
            }
        }
    }
    if let Some(c) = d.component("containerd") {
        ev.push(format!("containerd {c}"));
        if v2 && lenient(c).is_some_and(|v| v < Version::new(1, 4, 0)) {
            problems.push(format!("containerd {c} predates cgroup v2 support (1.4)"));
        }
    }
    let sysbox = d.runtimes.iter().any(|r| r.starts_with("sysbox"));
    if !problems.is_empty() {
        return Outcome::fail(problems.join("; ")).evidence_all(ev).fix(
            "Upgrade containerd and runc (the containerd.io package ships both).",
            &["sudo apt-get install --only-upgrade containerd.io runc"],
        );
    }
    let rt_name = rt.map_or("the runtime".to_owned(), |(n, v)| format!("{n} {v}"));
    let msg = if sysbox {
        format!("{rt_name} is fine; sysbox-runc is registered: --runtime=sysbox-runc runs systemd without --privileged")
    } else {
        format!("{rt_name} supports this daemon's cgroup version")
    };
    Outcome::pass(msg).evidence_all(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::docker::Component;
    use crate::testing::{docker_host, fixture_docker, unified_host, with_docker};

    fn with_runc(v: &str) -> Facts {
        let mut f = docker_host();
        let d = f.docker.as_mut().unwrap();
        d.components.retain(|c| c.name != "runc");
        d.components.push(Component {
            name: "runc".into(),
            version: v.into(),
        });
        f
    }

    #[test]
    fn table() {
        let mut sysbox = docker_host();
        sysbox
            .docker
            .as_mut()
            .unwrap()
            .runtimes
            .push("sysbox-runc".into());
        let cases = [
            (docker_host(), Status::Pass),
            (with_runc("1.0.0-rc92"), Status::Pass),
            (with_runc("1.0.0-rc10"), Status::Fail),
            // Debian spells a pre-release with `~`: rc6 is not 1.0.0.
            (with_runc("1.0.0~rc6+dfsg1"), Status::Fail),
            (with_runc("1.0.0~rc93+ds1"), Status::Pass),
            (with_runc("1.0.0"), Status::Pass),
            (with_runc("1.1.8"), Status::Pass),
            (with_runc("0.1.1"), Status::Fail),
            (
                with_docker(unified_host(), fixture_docker("podman-3.2-version")),
                Status::Pass,
            ),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
        assert!(run(&sysbox).message.contains("sysbox-runc"));
    }
}
