//! Dockerfile checks (`lint --dockerfile`): what only the file shows. The
//! image it would build is judged by the image checks like any `--image`.

pub(crate) mod base;
pub(crate) mod cgroup_volume;
pub(crate) mod systemd_installed;

use crate::checks::Outcome;
use crate::facts::dockerfile::DockerfileFacts;
use crate::facts::{Facts, ImageFacts};

/// The file, and the image it would build; every check skips without one.
pub(crate) fn of(facts: &Facts) -> Result<(&DockerfileFacts, Option<&ImageFacts>), Outcome> {
    let df = facts.dockerfile.as_ref().ok_or_else(|| {
        Outcome::skip("no Dockerfile given (sdctr-doctor lint --dockerfile FILE)")
    })?;
    let image = facts.images.iter().find(|i| i.reference == df.image_ref());
    Ok((df, image))
}

/// The RUN line that installs systemd on the base's distribution.
pub(crate) fn install_line(
    df: &DockerfileFacts,
    image: Option<&ImageFacts>,
) -> Option<&'static str> {
    let os = image
        .and_then(|i| i.os.ok())
        .and_then(|o| o.as_ref())
        .and_then(|o| o.id.clone())
        .unwrap_or_default();
    let base = df.base.to_ascii_lowercase();
    let is = |names: &[&str]| names.iter().any(|n| os == *n || base.contains(n));
    if is(&["alpine"]) {
        None // no systemd package on musl
    } else if is(&["debian", "ubuntu"]) {
        Some("RUN apt-get update && apt-get install -y systemd systemd-sysv")
    } else if is(&["fedora", "centos", "rhel", "rocky", "almalinux", "ubi"]) {
        Some("RUN dnf install -y systemd")
    } else if is(&["opensuse", "sles"]) {
        Some("RUN zypper install -y systemd")
    } else if is(&["arch"]) {
        Some("RUN pacman -Sy --noconfirm systemd")
    } else {
        Some("RUN <install systemd with the base's package manager>")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Facts with a Dockerfile, for the table tests.

    use crate::facts::{Facts, ImageFacts};
    use crate::runline::dockerfile::{image_facts, parse};

    /// `host` judging `text`, its base `base` (probed with the file's
    /// settings) or not inspected.
    pub(crate) fn with_dockerfile(mut host: Facts, text: &str, base: Option<ImageFacts>) -> Facts {
        let mut df = parse("Dockerfile", text).unwrap();
        match &base {
            Some(b) => {
                df.base_present = Some(b.present);
                df.base_has_systemd = b.readable().then_some(b.systemd_path.is_some());
            }
            None => df.base_note = Some("the daemon was not asked (--no-docker)".into()),
        }
        host.images = vec![image_facts(&df, base)];
        host.dockerfile = Some(df);
        host
    }
}
