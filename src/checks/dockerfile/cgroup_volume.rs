use crate::checks::dockerfile::of;
use crate::checks::{Check, Outcome};
use crate::facts::host::CgroupMode;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "dockerfile.cgroup-volume",
    title: "no VOLUME on /sys/fs/cgroup",
    explain: "`VOLUME [\"/sys/fs/cgroup\"]` (from the CentOS 7 systemd image docs, still in many \
systemd Dockerfiles) makes every container get an anonymous volume there: an empty directory from \
the volume store, mounted over the cgroup filesystem Docker gives the container, under both docker \
and podman. The v1 recipe hid it: a run that binds /sys/fs/cgroup itself replaces the image's \
volume at that path. On a cgroup v2 host the usual lines bind nothing there, so systemd finds no \
cgroup hierarchy (its exact message UNCONFIRMED). The volumes also pile up unless --rm is used. A \
Dockerfile cannot drop a VOLUME its base declares; then every run must mount /sys/fs/cgroup itself.",
    sources: &[
        "ansible/distro-test-containers#95 (\"The anonymous volume overrides the cgroup mount under both docker and podman\")",
        "moby/moby#28614 (compose gives /sys/fs/cgroup an anonymous local volume, rw)",
        "CentOS/sig-cloud-instance-images#99 (the CentOS docs' VOLUME [ \"/sys/fs/cgroup\" ])",
        "moby daemon/create_unix.go (an image VOLUME is skipped where the run mounts that path)",
    ],
    run,
};

fn is_cgroup(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p == "/sys/fs/cgroup" || p.starts_with("/sys/fs/cgroup/")
}

fn run(facts: &Facts) -> Outcome {
    let (df, image) = match of(facts) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let own: Vec<String> = df
        .volumes
        .iter()
        .filter(|v| v.value.iter().any(|p| is_cgroup(p)))
        .map(|v| format!("line {}: VOLUME {}", v.line, v.value.join(" ")))
        .collect();
    let inherited: Vec<&String> = image
        .map(|i| i.volumes.iter().filter(|p| is_cgroup(p)).collect())
        .unwrap_or_default();
    let inherited: Vec<&String> = inherited
        .into_iter()
        .filter(|p| !df.volumes.iter().any(|v| v.value.contains(p)))
        .collect();
    if own.is_empty() && inherited.is_empty() {
        return Outcome::pass("no VOLUME on /sys/fs/cgroup");
    }
    // The daemon's answer wins: on Docker Desktop the host is not where containers run.
    let v2 = match facts
        .docker
        .as_ref()
        .and_then(|d| d.cgroup_version_number())
    {
        Some(v) => Some(v == 2),
        None => facts
            .host
            .cgroup
            .ok()
            .map(|c| c.mode == CgroupMode::Unified),
    };
    let what = if own.is_empty() {
        format!("{} declares VOLUME /sys/fs/cgroup", df.base)
    } else {
        own.join("; ")
    };
    let o = if v2 == Some(false) {
        Outcome::warn(format!(
            "{what}: harmless here only while every run binds /sys/fs/cgroup (the v1 recipe \
does); on a cgroup v2 host the anonymous volume hides the cgroup filesystem"
        ))
    } else {
        Outcome::fail(format!(
            "{what}: each container gets an empty anonymous volume mounted over the cgroup \
filesystem, so systemd finds no cgroup hierarchy on this cgroup v2 host"
        ))
    };
    if own.is_empty() {
        o.fix(
            "A Dockerfile cannot drop its base's VOLUME: rebuild the base without it, or mount \
/sys/fs/cgroup at every run (which replaces the volume).",
            &["docker run --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw ..."],
        )
    } else {
        let lines: Vec<String> = df
            .volumes
            .iter()
            .filter(|v| v.value.iter().any(|p| is_cgroup(p)))
            .map(|v| v.line.to_string())
            .collect();
        o.fix_owned(
            format!(
                "Drop /sys/fs/cgroup from the VOLUME on line {} (Docker mounts the cgroup \
filesystem itself); the corrected Dockerfile below does.",
                lines.join(", ")
            ),
            vec![],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::dockerfile::testing::with_dockerfile;
    use crate::checks::Status;
    use crate::testing::{bookworm_image, fixture_docker, hybrid_host, unified_host, with_docker};

    #[test]
    fn table() {
        let bad = "FROM debian:12\nVOLUME [ \"/sys/fs/cgroup\" ]\n";
        let shell = "FROM debian:12\nVOLUME /data /sys/fs/cgroup/\n";
        let good = "FROM debian:12\nVOLUME /data\n";
        let cases = [
            (unified_host(), bad, Status::Fail),
            (unified_host(), shell, Status::Fail),
            (hybrid_host(), bad, Status::Warn),
            (unified_host(), good, Status::Pass),
            (hybrid_host(), good, Status::Pass),
        ];
        for (host, text, want) in cases {
            let o = run(&with_dockerfile(host, text, None));
            assert_eq!(o.status, want, "{text}: {o:?}");
        }
        // The daemon's cgroup version wins over the host's layout.
        let desktop = with_docker(hybrid_host(), fixture_docker("desktop-29.4-linuxkit"));
        assert_eq!(
            run(&with_dockerfile(desktop, bad, None)).status,
            Status::Fail
        );
        assert_eq!(run(&unified_host()).status, Status::Skip);
    }

    #[test]
    fn a_base_volume_cannot_be_removed_in_the_file() {
        let mut base = bookworm_image();
        base.volumes = vec!["/sys/fs/cgroup".into()];
        let o = run(&with_dockerfile(
            unified_host(),
            "FROM jrei/systemd-debian\n",
            Some(base),
        ));
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.starts_with("jrei/systemd-debian declares"),
            "{}",
            o.message
        );
        assert!(o.remediation.unwrap().commands[0].contains("--cgroupns=host"));
        let o = run(&with_dockerfile(
            unified_host(),
            "FROM a\nVOLUME [\"/sys/fs/cgroup\"]\n",
            None,
        ));
        assert!(
            o.message.contains("line 2: VOLUME /sys/fs/cgroup"),
            "{}",
            o.message
        );
    }
}
