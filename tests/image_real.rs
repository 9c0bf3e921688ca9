//! The image analysis over the real Debian roots that
//! scripts/build-test-images.sh debootstraps, caches and imports. The tar
//! reader reads the cached root tarball; the config comes from the imported
//! image (`docker image inspect`). Under CI=true a missing tarball or image
//! fails; elsewhere the test says why it skips.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::Command;

mod common;

use common::{image_cache, in_ci};
use sdctr_doctor::facts::image::{Pid1Kind, VersionSource};
use sdctr_doctor::probe::image::{analyze, ImageInspect, TarFiles};

/// Image, the systemd major its Debian suite ships (None: no systemd), VERSION_ID.
/// The full version is what `systemd --version` printed inside the image when
/// the build script imported it (NAME.systemd-version beside the tarball), so a
/// rebuild that picks up a Debian point release still has exact ground truth.
const IMAGES: &[(&str, Option<u32>, &str)] = &[
    ("bookworm-systemd", Some(252), "12"),
    ("trixie-systemd", Some(257), "13"),
    ("bullseye-systemd", Some(247), "11"),
    ("bookworm-nosystemd", None, "12"),
];

/// `systemd 252 (252.39-1~deb12u2)` → (252, "252.39-1~deb12u2"); `none` → None.
fn printed_version(line: &str) -> Option<(u32, String)> {
    let rest = line.trim().strip_prefix("systemd ")?;
    let (major, full) = rest.split_once(' ')?;
    let full = full.trim_start_matches('(').trim_end_matches(')');
    Some((major.parse().ok()?, full.to_owned()))
}

/// The cached tarball and the imported image's inspect JSON, or why not.
fn inputs(name: &str) -> Result<(PathBuf, String, String, String), String> {
    let tarball = image_cache().join(format!("{name}.tar"));
    let printed = image_cache().join(format!("{name}.systemd-version"));
    if !tarball.is_file() || !printed.is_file() {
        return Err(format!(
            "{} or {} missing: run scripts/build-test-images.sh",
            tarball.display(),
            printed.display()
        ));
    }
    let printed = std::fs::read_to_string(printed).map_err(|e| e.to_string())?;
    let tag = format!("sdctr-test/{name}");
    let out = Command::new("docker")
        .args(["image", "inspect", &tag])
        .output()
        .map_err(|e| format!("docker: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{tag}: {} (run scripts/build-test-images.sh)",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let inspect = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok((tarball, tag, inspect, printed))
}

#[test]
fn real_debian_images() {
    let mut skipped = Vec::new();
    for (name, want_major, version_id) in IMAGES {
        let (tarball, tag, inspect, printed) = match inputs(name) {
            Ok(i) => i,
            Err(why) if in_ci() => panic!("CI=true and {why}"),
            Err(why) => {
                skipped.push(why);
                continue;
            }
        };
        let inspect = ImageInspect::from_json(&inspect).unwrap();
        // The image was imported from this very tarball.
        let sum = std::fs::read_to_string(tarball.with_extension("tar.sha256")).unwrap();
        let label = inspect_label(&tag);
        assert_eq!(
            label.trim(),
            sum.trim(),
            "{tag} is not from {}",
            tarball.display()
        );

        let files = TarFiles::new(BufReader::new(File::open(&tarball).unwrap())).unwrap();
        let f = analyze(&tag, &inspect, &files);
        let os = f.os.ok().unwrap().clone().unwrap();
        assert_eq!(os.id.as_deref(), Some("debian"), "{tag}");
        assert_eq!(os.version_id.as_deref(), Some(*version_id), "{tag}");
        assert!(f.link_findings.is_empty(), "{tag}: {:?}", f.link_findings);
        let pid1 = f.pid1.ok().unwrap();
        let want = printed_version(&printed);
        assert_eq!(
            want.as_ref().map(|w| w.0),
            *want_major,
            "{tag} printed {printed}"
        );
        match want {
            Some((major, full)) => {
                assert_eq!(pid1.kind, Pid1Kind::Systemd, "{tag}");
                assert_eq!(f.init.as_deref(), Some("/usr/lib/systemd/systemd"), "{tag}");
                let v = f.systemd.ok().unwrap().clone().unwrap();
                assert_eq!(v.major, major, "{tag}");
                assert_eq!(v.version, full, "{tag}");
                assert_eq!(v.source, VersionSource::ElfNeeded, "{tag}");
                assert_eq!(f.stop_signal.as_deref(), Some("SIGRTMIN+3"));
                assert_eq!(f.env_container.as_deref(), Some("docker"));
            }
            None => {
                assert_eq!(pid1.kind, Pid1Kind::Shell, "{tag}");
                assert_eq!(f.init.as_deref(), Some("/usr/bin/bash"), "{tag}");
                assert_eq!(f.systemd, sdctr_doctor::facts::Probed::Ok(None), "{tag}");
            }
        }
        println!(
            "{tag}: init {:?}, systemd {}",
            f.init,
            serde_json::to_string(&f.systemd).unwrap()
        );
    }
    for why in skipped {
        println!("skipped: {why}");
    }
}

fn inspect_label(tag: &str) -> String {
    let out = Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"sdctr.tarball-sha256\"}}",
            tag,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
