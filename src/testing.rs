//! Baseline facts for check table tests: the real Debian 12 cgroup v2 host
//! in fixtures/hosts/debian12-v2, as the probes describe it.

use crate::facts::host::*;
use crate::facts::{Facts, Probed};
use crate::probe::host::kernel::{kernel_facts, parse_cmdline};

pub(crate) fn unified_host() -> Facts {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    Facts {
        host: HostFacts {
            root: "/".into(),
            live: false,
            cgroup: Probed::Ok(CgroupFacts {
                mode: CgroupMode::Unified,
                detected_by: "mountinfo".into(),
                reason: "cgroup2 is mounted on /sys/fs/cgroup".into(),
                statfs: vec![],
                mountinfo_path: "/proc/self/mountinfo".into(),
                top_mount: Some("31 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot".into()),
                cgroup2: Some(Cgroup2Mount {
                    mount_point: "/sys/fs/cgroup".into(),
                    read_only: false,
                    nsdelegate: true,
                    memory_recursiveprot: true,
                    favordynmods: false,
                    super_options: words("memory_recursiveprot nsdelegate rw"),
                    line: "31 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot".into(),
                }),
                v1_hierarchies: vec![],
                root_controllers: Some(Probed::Ok(words("cpuset cpu io memory hugetlb pids rdma misc"))),
                root_subtree_control: Some(Probed::Ok(words("cpuset cpu io memory pids"))),
                v1_bound_controllers: Probed::Ok(vec![]),
                own_cgroup: Probed::Ok(Some("/system.slice/lab-test.service".into())),
                own_controllers: None,
                tmpfs: None,
            }),
            kernel: Probed::Ok(kernel_facts("6.1.0-50-amd64")),
            cmdline: Probed::Ok(parse_cmdline(
                "root=/dev/vda rw console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1",
            )),
            init: Probed::Ok(InitFacts {
                comm: "systemd".into(),
                is_systemd: true,
                systemd_version: Some("252".into()),
            }),
            container: Probed::Ok(ContainerFacts {
                inside: false,
                signals: vec![],
                counter_signals: vec!["the root filesystem is ext4 on /dev/vda".into()],
            }),
            capabilities: Probed::Ok(CapabilityFacts {
                bounding_set: "000001ffffffffff".into(),
                missing: vec![],
            }),
        },
        docker: None,
        docker_probe: None,
        container: None,
        run: None,
        images: vec![],
        dockerfile: None,
    }
}

/// Mutable access to the cgroup facts of a test host.
pub(crate) fn cgroup(f: &mut Facts) -> &mut CgroupFacts {
    match &mut f.host.cgroup {
        Probed::Ok(c) => c,
        Probed::Err(_) => panic!("test host has no cgroup facts"),
    }
}

/// The hybrid layout of the development machine (tmpfs, v1 hierarchies, cgroup2 on unified).
pub(crate) fn hybrid_host() -> Facts {
    let mut f = unified_host();
    let c = cgroup(&mut f);
    c.mode = CgroupMode::Hybrid;
    c.cgroup2 = Some(Cgroup2Mount {
        mount_point: "/sys/fs/cgroup/unified".into(),
        read_only: false,
        nsdelegate: false,
        memory_recursiveprot: false,
        favordynmods: false,
        super_options: vec!["rw".into()],
        line: "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw".into(),
    });
    c.v1_hierarchies = [
        "cpu",
        "cpuacct",
        "cpuset",
        "memory",
        "devices",
        "freezer",
        "blkio",
        "pids",
        "name=systemd",
    ]
    .iter()
    .map(|ctl| V1Hierarchy {
        mount_point: format!("/sys/fs/cgroup/{}", ctl.trim_start_matches("name=")),
        controllers: vec![(*ctl).to_owned()],
        read_only: false,
        line: String::new(),
    })
    .collect();
    c.tmpfs = Some(CgroupTmpfs {
        read_only: false,
        super_options: vec!["mode=755".into()],
        entries: c
            .v1_hierarchies
            .iter()
            .map(|h| h.mount_point.trim_start_matches("/sys/fs/cgroup/"))
            .chain(["unified"])
            .map(|name| TmpfsEntry {
                name: name.into(),
                kind: EntryKind::Dir,
                target: None,
                mounted: true,
            })
            .collect(),
    });
    c.root_controllers = Some(Probed::Ok(vec!["hugetlb".into()]));
    c.root_subtree_control = Some(Probed::Ok(vec![]));
    c.v1_bound_controllers = Probed::Ok(
        [
            "cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "pids",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
    );
    f
}

/// A recorded daemon answer from fixtures/docker/ (`{}` where only one was public).
pub(crate) fn fixture_docker(dir: &str) -> crate::facts::DockerFacts {
    use crate::facts::docker::DaemonProcess;
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/docker")
        .join(dir);
    crate::probe::docker::engine::recorded(
        &base,
        DaemonProcess {
            comm: Some("dockerd".into()),
            bounding_set: Some("000001ffffffffff".into()),
            ..DaemonProcess::new(Some(1420), 0)
        },
    )
}

/// The debian12-v2 host with its own daemon (20.10.24, cgroup v2, AppArmor).
pub(crate) fn docker_host() -> Facts {
    with_docker(unified_host(), fixture_docker("debian12-v2-20.10"))
}

pub(crate) fn with_docker(mut f: Facts, d: crate::facts::DockerFacts) -> Facts {
    use crate::facts::docker::{DockerProbe, ProbeOutcome};
    f.docker_probe = Some(DockerProbe {
        outcome: ProbeOutcome::Ok,
        endpoint: Some(d.endpoint.clone()),
        endpoint_source: Some("default".into()),
        error: None,
        dockerd_path: None,
        rootless_socket: None,
    });
    f.docker = Some(d);
    f
}

/// The daemon could not be reached for `kind`.
pub(crate) fn unreachable(kind: &str, message: &str) -> Facts {
    use crate::facts::docker::{DockerError, DockerProbe, ProbeOutcome};
    let mut f = unified_host();
    f.docker_probe = Some(DockerProbe {
        outcome: ProbeOutcome::Unreachable,
        endpoint: Some("unix:///var/run/docker.sock".into()),
        endpoint_source: Some("default".into()),
        error: Some(DockerError {
            kind: kind.into(),
            message: message.into(),
        }),
        dockerd_path: Some("/usr/sbin/dockerd".into()),
        rootless_socket: None,
    });
    f
}

/// sdctr-test/bookworm-systemd as the image analysis describes it
/// (scripts/build-test-images.sh; tests/image_real.rs checks the same values).
pub(crate) fn bookworm_image() -> crate::facts::ImageFacts {
    use crate::facts::image::*;
    ImageFacts {
        reference: "sdctr-test/bookworm-systemd".into(),
        present: true,
        error: None,
        id: Some("sha256:388031f8a69517382b7041d6a703a0a9146ad9ac44be4c4e11e586802fa4c3e0".into()),
        entrypoint: None,
        cmd: Some(vec!["/sbin/init".into()]),
        env_container: Some("docker".into()),
        user: String::new(),
        working_dir: String::new(),
        volumes: vec![],
        stop_signal: Some("SIGRTMIN+3".into()),
        os: Probed::Ok(Some(OsRelease {
            source: "/usr/lib/os-release".into(),
            id: Some("debian".into()),
            version_id: Some("12".into()),
            version_codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        })),
        init: Some("/usr/lib/systemd/systemd".into()),
        pid1: Probed::Ok(Pid1Facts {
            argv: vec!["/sbin/init".into()],
            command: Some("/sbin/init".into()),
            resolved: Some("/usr/lib/systemd/systemd".into()),
            kind: Pid1Kind::Systemd,
            links: vec![
                LinkHop {
                    link: "/sbin".into(),
                    target: "usr/sbin".into(),
                    daemon_resolved: false,
                },
                LinkHop {
                    link: "/usr/sbin/init".into(),
                    target: "/lib/systemd/systemd".into(),
                    daemon_resolved: false,
                },
                LinkHop {
                    link: "/lib".into(),
                    target: "usr/lib".into(),
                    daemon_resolved: false,
                },
            ],
            shell_execs: None,
        }),
        systemd_path: Some("/usr/lib/systemd/systemd".into()),
        systemd: Probed::Ok(Some(SystemdVersion {
            major: 252,
            version: "252.39-1~deb12u2".into(),
            source: VersionSource::ElfNeeded,
            version_from: Some("binary-string".into()),
        })),
        link_findings: vec![],
        notes: vec![],
        read_via: Some("layers".into()),
    }
}

/// `host` with `image` as its only `--image`.
pub(crate) fn with_image(mut host: Facts, image: crate::facts::ImageFacts) -> Facts {
    host.images = vec![image];
    host
}

/// Mutable access to the systemd version of a test image.
pub(crate) fn systemd_mut(
    img: &mut crate::facts::ImageFacts,
) -> &mut crate::facts::image::SystemdVersion {
    match &mut img.systemd {
        Probed::Ok(Some(v)) => v,
        _ => panic!("test image has no systemd"),
    }
}
