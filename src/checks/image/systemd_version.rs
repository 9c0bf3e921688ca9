use crate::checks::image::{each_image, systemd_of};
use crate::checks::{Check, Outcome};
use crate::facts::host::CgroupMode;
use crate::facts::image::{ImageFacts, SystemdVersion};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "image.systemd-version",
    title: "image systemd vs host cgroups",
    explain: "Reads the image's systemd version without running it (DT_NEEDED \
libsystemd-shared-<tag>.so of the binary, else the library's file name, else the banner inside the \
binary; the banner or dpkg's status give the full Debian version) and holds it against the host's \
cgroup layout. Below 230 systemd cannot run on cgroup v2; 230-246 may (Docker only vouches for \
>= 247); 256 refuses cgroup v1 (legacy or hybrid) by default; 257 boots there, tainted \
(verified: Debian 13's 257.13 in a container on a hybrid host); 258 removed cgroup v1 support.",
    sources: &[
        "systemd NEWS 230 (unified hierarchy), NEWS 231 (libsystemd-shared-<version>.so)",
        "Docker Desktop 4.3.0 release notes, quoted in docker/for-mac#6073 (systemd >= 247 on v2)",
        "systemd PR #31442 / NEWS 256 (v1 refused), PR #34999 (257 warns), v258 release notes",
        "systemd-nspawn systemd_installation_has_version() (the library-name heuristic)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    each_image(facts, judge)
}

fn judge(img: &ImageFacts, facts: &Facts) -> Outcome {
    let v = match systemd_of(img) {
        Err(o) => return o,
        Ok(None) => {
            return Outcome::skip(match &img.systemd_path {
                // A Dockerfile's install: known once built.
                Some(p) => format!("systemd at {p}, its version unknown until the image is built"),
                None => "no systemd found in the image (see image.init)".into(),
            });
        }
        Ok(Some(v)) => v,
    };
    let mode = match facts.host.cgroup.as_result() {
        Ok(c) => c.mode,
        Err(e) => {
            return Outcome::error(format!(
                "systemd {} found, but the host's cgroup layout is unknown: {e}",
                v.version
            ))
        }
    };
    let o = verdict(v, mode);
    let evidence = match &v.version_from {
        Some(from) => format!(
            "major {} from {}, version {} from {from}",
            v.major,
            source_name(v),
            v.version
        ),
        None => format!("version {} from {}", v.version, source_name(v)),
    };
    o.evidence(evidence)
        .evidence(format!("host cgroup layout: {}", mode.describe()))
}

fn source_name(v: &SystemdVersion) -> &'static str {
    use crate::facts::image::VersionSource::*;
    match v.source {
        ElfNeeded => "the ELF DT_NEEDED libsystemd-shared",
        LibraryName => "the libsystemd-shared-*.so file name",
        BinaryString => "the version banner in the binary",
    }
}

const TO_V2: &str = "Move the host to cgroup v2 (see host.cgroup-mode for how)";

fn verdict(v: &SystemdVersion, mode: CgroupMode) -> Outcome {
    let s = format!("systemd {}", v.version);
    let m = v.major;
    match mode {
        CgroupMode::None => Outcome::skip(format!("{s}; the host has no usable cgroups")),
        CgroupMode::Unified if m < 230 => Outcome::fail(format!(
            "{s} is older than 230 and cannot run on a cgroup v2 host"
        ))
        .fix(
            "Use an image with systemd >= 247 (e.g. Debian 11+, Ubuntu 22.04+, CentOS Stream 9, \
Fedora), or run this one on a cgroup v1 host or VM.",
            &[],
        ),
        CgroupMode::Unified if m < 247 => Outcome::warn(format!(
            "{s} predates 247, the oldest Docker vouches for on cgroup v2 (237-245 are reported \
to work with a writable cgroup tree)"
        ))
        .fix(
            "Prefer an image with systemd >= 247 (Debian 11+, Ubuntu 22.04+).",
            &[],
        ),
        CgroupMode::Unified => Outcome::pass(format!("{s} runs on cgroup v2")),
        // v1: legacy or hybrid.
        _ if m >= 258 => Outcome::fail(format!(
            "{s} removed cgroup v1 support (258); this host is {}",
            mode.describe()
        ))
        .fix(
            format!("{TO_V2}; no switch brings v1 back in 258. Otherwise use an image with \
systemd <= 255."),
            &[],
        ),
        _ if m == 256 => Outcome::fail(format!(
            "{s} refuses cgroup v1 (legacy/hybrid) by default: \"Refusing to run under cgroup v1, \
SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 not specified on kernel command line.\""
        ))
        .fix(
            format!("{TO_V2}, or use an image with systemd <= 255. Last resort \
(UNCONFIRMED in a container, where systemd reads PID 1's argv as its command line): pass the \
override as arguments of init."),
            &["CMD [\"/sbin/init\", \"systemd.unified_cgroup_hierarchy=0\", \"SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1\"]"],
        ),
        _ if m == 257 => Outcome::warn(format!(
            "{s} boots on {} but marks the system tainted (cgroupsv1); 258 will not boot here",
            mode.describe()
        ))
        .fix(format!("{TO_V2}; v1 support is gone in systemd 258."), &[]),
        _ => Outcome::pass(format!(
            "{s} runs on {} (with the v1 recipe); it will not boot on this host once the image \
moves to systemd >= 256",
            mode.describe()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::testing::{bookworm_image, hybrid_host, systemd_mut, unified_host, with_image};

    fn case(host: Facts, major: u32) -> Status {
        let mut img = bookworm_image();
        let v = systemd_mut(&mut img);
        v.major = major;
        v.version = major.to_string();
        run(&with_image(host, img)).status
    }

    #[test]
    fn table() {
        use Status::*;
        let cases = [
            (219, Fail, Pass),
            (229, Fail, Pass),
            (230, Warn, Pass),
            (246, Warn, Pass),
            (247, Pass, Pass),
            (252, Pass, Pass),
            (255, Pass, Pass),
            (256, Pass, Fail),
            (257, Pass, Warn),
            (258, Pass, Fail),
            (259, Pass, Fail),
        ];
        for (major, unified, hybrid) in cases {
            assert_eq!(case(unified_host(), major), unified, "{major} on v2");
            assert_eq!(case(hybrid_host(), major), hybrid, "{major} on hybrid");
        }
    }

    #[test]
    fn no_systemd_skips_and_broken_probes_error() {
        let mut none = bookworm_image();
        none.systemd = Probed::Ok(None);
        assert_eq!(run(&with_image(unified_host(), none)).status, Status::Skip);
        let mut broken = bookworm_image();
        broken.systemd = Probed::error("tar: unexpected EOF");
        assert_eq!(
            run(&with_image(unified_host(), broken)).status,
            Status::Error
        );
        let mut host = unified_host();
        host.host.cgroup = Probed::error("mountinfo unreadable");
        assert_eq!(
            run(&with_image(host, bookworm_image())).status,
            Status::Error
        );
    }

    #[test]
    fn evidence_names_the_sources() {
        let o = run(&with_image(unified_host(), bookworm_image()));
        assert!(
            o.evidence[0].contains("major 252 from the ELF DT_NEEDED")
                && o.evidence[0].contains("252.39-1~deb12u2 from binary-string"),
            "{:?}",
            o.evidence
        );
        let o = run(&with_image(hybrid_host(), {
            let mut i = bookworm_image();
            systemd_mut(&mut i).major = 257;
            i
        }));
        assert!(o.message.contains("tainted"), "{}", o.message);
    }
}
