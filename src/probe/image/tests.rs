//! The analysis over synthetic images: layouts no Debian suite gives.

use super::testing::{elf, InRoot, TarBuilder};
use super::*;
use crate::facts::image::{LinkProblem, Pid1Kind, VersionSource};

fn inspect(entrypoint: Option<&[&str]>, cmd: Option<&[&str]>) -> ImageInspect {
    let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    ImageInspect {
        id: "sha256:test".into(),
        config: Some(EngineConfig {
            entrypoint: entrypoint.map(list),
            cmd: cmd.map(list),
            env: Some(vec!["container=docker".into()]),
            stop_signal: Some("SIGRTMIN+3".into()),
            ..EngineConfig::default()
        }),
        graph_driver: None,
    }
}

fn init() -> ImageInspect {
    inspect(None, Some(&["/sbin/init"]))
}

/// Merged-/usr Debian 12 layout: absolute and relative links on the way.
fn debian12(systemd: &[u8]) -> TarBuilder {
    TarBuilder::new()
        .dir("./")
        .symlink("./sbin", "usr/sbin")
        .symlink("./lib", "usr/lib")
        .symlink("./bin", "usr/bin")
        .dir("./usr/sbin")
        .symlink("./usr/sbin/init", "/lib/systemd/systemd")
        .exe("./usr/lib/systemd/systemd", systemd)
        .exe("./usr/bin/bash", b"\x7fELF-ish shell")
        .file(
            "./usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so",
            b"",
        )
        .symlink("./etc/os-release", "../usr/lib/os-release")
        .file(
            "./usr/lib/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        )
}

#[test]
fn debian_layout_relative_and_absolute_links() {
    let bin = elf(
        Some(&["libsystemd-shared-252.so", "libc.so.6"]),
        b"\0systemd 252.39-1~deb12u2 running in %ssystem mode (%s)\0",
    );
    let f = analyze("t", &init(), &debian12(&bin).files());
    assert_eq!(f.init.as_deref(), Some("/usr/lib/systemd/systemd"));
    let p = f.pid1.ok().unwrap();
    assert_eq!(p.kind, Pid1Kind::Systemd);
    let hops: Vec<_> = p.links.iter().map(|h| h.link.as_str()).collect();
    assert_eq!(hops, ["/sbin", "/usr/sbin/init", "/lib"]);
    let v = f.systemd.ok().unwrap().clone().unwrap();
    assert_eq!((v.major, v.source), (252, VersionSource::ElfNeeded));
    assert_eq!(v.version, "252.39-1~deb12u2");
    assert_eq!(v.version_from.as_deref(), Some("binary-string"));
    let os = f.os.ok().unwrap().clone().unwrap();
    assert_eq!(os.source, "/usr/lib/os-release");
    assert_eq!(os.version_id.as_deref(), Some("12"));
    assert!(f.link_findings.is_empty(), "{:?}", f.link_findings);
}

#[test]
fn dpkg_status_gives_the_full_version_when_the_banner_does_not() {
    let bin = elf(Some(&["libsystemd-shared-252.so"]), b"");
    let files = debian12(&bin)
        .file(
            "./var/lib/dpkg/status",
            b"Package: systemd\nStatus: install ok installed\nVersion: 252.39-1~deb12u2\n",
        )
        .files();
    let v = analyze("t", &init(), &files)
        .systemd
        .ok()
        .unwrap()
        .clone()
        .unwrap();
    assert_eq!(v.version, "252.39-1~deb12u2");
    assert_eq!(v.version_from.as_deref(), Some("dpkg-status"));
}

#[test]
fn symlink_loop_is_a_finding_not_a_hang() {
    let files = TarBuilder::new()
        .symlink("./sbin/init", "init2")
        .symlink("./sbin/init2", "/sbin/init")
        .files();
    let f = analyze("t", &init(), &files);
    let p = f.pid1.ok().unwrap();
    assert_eq!(p.kind, Pid1Kind::Missing);
    assert_eq!(f.init, None);
    let loop_ = &f.link_findings[0];
    assert_eq!(loop_.problem, LinkProblem::Loop);
    assert_eq!(loop_.path, "/sbin/init");
    assert!(loop_.hops.len() <= 3, "{:?}", loop_.hops);
}

#[test]
fn self_referencing_directory_loop() {
    // etc -> /etc inside the image: the kernel gives ELOOP, so do we.
    let files = TarBuilder::new()
        .symlink("./etc", "/etc")
        .symlink("./sbin/init", "/etc/init")
        .files();
    let f = analyze("t", &init(), &files);
    assert_eq!(f.link_findings[0].problem, LinkProblem::Loop);
    assert_eq!(f.os, crate::facts::Probed::Ok(None));
}

#[test]
fn link_out_of_the_root_is_clamped_and_reported() {
    let bin = elf(Some(&["libsystemd-shared-255.so"]), b"");
    let files = TarBuilder::new()
        .symlink("./sbin/init", "../../../../../lib/systemd/systemd")
        .exe("./lib/systemd/systemd", &bin)
        .files();
    let f = analyze("t", &init(), &files);
    assert_eq!(f.init.as_deref(), Some("/lib/systemd/systemd"));
    assert_eq!(f.link_findings.len(), 1);
    assert_eq!(f.link_findings[0].problem, LinkProblem::EscapesRoot);
    assert_eq!(f.link_findings[0].at, "/sbin/init");
}

#[test]
fn absolute_link_to_a_host_path_stays_in_the_image() {
    // /sbin/init -> /proc/self/root/... must not reach the host's /proc.
    let files = TarBuilder::new()
        .symlink("./sbin/init", "/proc/1/root/usr/lib/systemd/systemd")
        .files();
    let f = analyze("t", &init(), &files);
    assert_eq!(f.init, None);
    assert_eq!(f.link_findings[0].problem, LinkProblem::Missing);
    assert_eq!(f.link_findings[0].at, "/proc");
}

#[test]
fn no_init() {
    let bare = TarBuilder::new().exe("./bin/sh", b"#!").files();
    let f = analyze("t", &init(), &bare);
    assert_eq!(f.pid1.ok().unwrap().kind, Pid1Kind::Missing);
    assert_eq!(f.link_findings[0].problem, LinkProblem::Missing);
    assert_eq!(f.systemd, crate::facts::Probed::Ok(None));

    let f = analyze("t", &inspect(None, None), &bare);
    let p = f.pid1.ok().unwrap();
    assert!(p.argv.is_empty());
    assert_eq!(p.kind, Pid1Kind::Missing);
}

#[test]
fn centos7_era_version_only_inside_the_binary() {
    // systemd 219: no libsystemd-shared; /usr/sbin/init -> ../lib/systemd/systemd.
    let bin = elf(
        Some(&["libc.so.6", "libcap.so.2"]),
        b"\0systemd 219 running in %ssystem mode. (+PAM +AUDIT +SELINUX)\0systemd 219\0",
    );
    let files = TarBuilder::new()
        .symlink("./sbin", "usr/sbin")
        .symlink("./lib", "usr/lib")
        .symlink("./usr/sbin/init", "../lib/systemd/systemd")
        .exe("./usr/lib/systemd/systemd", &bin)
        .files();
    let f = analyze(
        "centos:7",
        &inspect(None, Some(&["/usr/sbin/init"])),
        &files,
    );
    assert_eq!(f.init.as_deref(), Some("/usr/lib/systemd/systemd"));
    let v = f.systemd.ok().unwrap().clone().unwrap();
    assert_eq!((v.major, v.version.as_str()), (219, "219"));
    assert_eq!(v.source, VersionSource::BinaryString);
}

#[test]
fn fedora_tag_from_dt_needed_and_from_the_library_name() {
    let tag = "libsystemd-shared-254.5-2.fc39.so";
    let layout = |bin: &[u8]| {
        TarBuilder::new()
            .symlink("./sbin", "usr/sbin")
            .symlink("./lib64", "usr/lib64")
            .symlink("./usr/sbin/init", "../lib/systemd/systemd")
            .exe("./usr/lib/systemd/systemd", bin)
            .file(&format!("./usr/lib64/systemd/{tag}"), b"")
            .files()
    };
    let v = analyze("f39", &init(), &layout(&elf(Some(&[tag]), b"")))
        .systemd
        .ok()
        .unwrap()
        .clone()
        .unwrap();
    assert_eq!((v.major, v.version.as_str()), (254, "254.5-2.fc39"));
    assert_eq!(v.source, VersionSource::ElfNeeded);

    // A static binary: no DT_NEEDED, the library's name is the next source.
    let f = analyze("f39", &init(), &layout(&elf(None, b"")));
    let v = f.systemd.ok().unwrap().clone().unwrap();
    assert_eq!((v.major, v.version.as_str()), (254, "254.5-2.fc39"));
    assert_eq!(v.source, VersionSource::LibraryName);
    assert!(f.notes[0].contains("PT_DYNAMIC"), "{:?}", f.notes);
}

#[test]
fn huge_files_are_never_read_whole() {
    const HUGE: u64 = 3 << 30;
    let reader = TarBuilder::new()
        .huge("./usr/lib/systemd/systemd", HUGE)
        .huge("./usr/lib/systemd/libsystemd-shared-256.so", HUGE)
        .huge("./etc/os-release", HUGE)
        .symlink("./sbin/init", "/usr/lib/systemd/systemd")
        .reader();
    let served = reader.served.clone();
    let files = TarFiles::new(reader).unwrap();
    let indexed = served.get();
    assert!(indexed < 1 << 20, "indexing read {indexed} bytes");
    let f = analyze("big", &init(), &files);
    let read = served.get() - indexed;
    assert!(
        read <= (systemd::BINARY_CAP + (64 << 10) + (1 << 20)) as u64,
        "analysis read {read} bytes"
    );
    assert_eq!(f.init.as_deref(), Some("/usr/lib/systemd/systemd"));
    // Zeros are not ELF; the library's name still tells the version.
    let v = f.systemd.ok().unwrap().clone().unwrap();
    assert_eq!((v.major, v.source), (256, VersionSource::LibraryName));
    assert!(f.notes.iter().any(|n| n.contains("not an ELF")));
}

#[test]
fn non_elf_file_named_systemd() {
    let files = TarBuilder::new()
        .exe(
            "./usr/lib/systemd/systemd",
            b"#!/bin/sh\necho 'systemd 999 running in system mode'\n",
        )
        .symlink("./sbin/init", "../usr/lib/systemd/systemd")
        .files();
    let f = analyze("t", &init(), &files);
    assert_eq!(f.pid1.ok().unwrap().kind, Pid1Kind::Systemd);
    assert_eq!(f.systemd, crate::facts::Probed::Ok(None));
    assert!(f.notes[0].contains("is not an ELF file"), "{:?}", f.notes);
}

#[test]
fn shells_tini_and_path_lookup() {
    let bin = elf(Some(&["libsystemd-shared-252.so"]), b"");
    let files = || {
        debian12(&bin)
            .exe("./usr/bin/tini", b"tini")
            .symlink("./usr/bin/sh", "dash")
            .exe("./usr/bin/dash", b"dash")
            .files()
    };
    let kind = |ep: Option<&[&str]>, cmd: Option<&[&str]>| {
        let f = analyze("t", &inspect(ep, cmd), &files());
        let p = f.pid1.ok().unwrap().clone();
        (p.kind, f.init, p.shell_execs)
    };
    assert_eq!(
        kind(None, Some(&["bash"])),
        (Pid1Kind::Shell, Some("/usr/bin/bash".into()), None)
    );
    assert_eq!(
        kind(Some(&["/usr/bin/tini", "--"]), Some(&["/sbin/init"])).0,
        Pid1Kind::MiniInit
    );
    assert_eq!(
        kind(None, Some(&["/bin/sh", "-c", "exec /sbin/init"])),
        (
            Pid1Kind::Shell,
            Some("/usr/bin/dash".into()),
            Some("/usr/lib/systemd/systemd".into())
        )
    );
    // `systemd` by name, found through PATH.
    assert_eq!(kind(None, Some(&["init"])).0, Pid1Kind::Systemd);
}

#[test]
fn hard_links_share_data() {
    let bin = elf(
        Some(&["libsystemd-shared-247.so"]),
        b"systemd 247.3-7+deb11u5 running in %ssystem mode. (+PAM)\0",
    );
    let files = TarBuilder::new()
        .exe("./lib/systemd/systemd", &bin)
        .hardlink("./sbin/init", "./lib/systemd/systemd")
        .files();
    let f = analyze("t", &init(), &files);
    // A hard link is the file itself, named init: its banner tells systemd.
    assert_eq!(f.init.as_deref(), Some("/sbin/init"));
    assert_eq!(f.pid1.ok().unwrap().kind, Pid1Kind::Systemd);
    assert_eq!(f.systemd_path.as_deref(), Some("/sbin/init"));
    let v = f.systemd.ok().unwrap().clone().unwrap();
    assert_eq!((v.major, v.version.as_str()), (247, "247.3-7+deb11u5"));
}

/// Through a reader that resolves inside the root (the archive API), a link
/// is one hop to where its chain ends, marked as resolved by the daemon; the
/// rest of the facts are the walk's.
#[test]
fn reader_resolved_chain_is_one_hop() {
    let bin = elf(
        Some(&["libsystemd-shared-252.so", "libc.so.6"]),
        b"\0systemd 252.39-1~deb12u2 running in %ssystem mode (%s)\0",
    );
    let walked = analyze("t", &init(), &debian12(&bin).files());
    let mut f = analyze("t", &init(), &InRoot(debian12(&bin).files()));
    let p = f.pid1.ok().unwrap();
    assert_eq!(p.links.len(), 1, "{:?}", p.links);
    assert_eq!(p.links[0].link, "/sbin/init");
    assert_eq!(p.links[0].target, "/usr/lib/systemd/systemd");
    assert!(p.links[0].daemon_resolved);
    assert_eq!(
        crate::facts::image::link_chain(&p.links),
        "/sbin/init -> /usr/lib/systemd/systemd (chain end, resolved by the daemon)"
    );
    if let crate::facts::Probed::Ok(p) = &mut f.pid1 {
        p.links = walked.pid1.ok().unwrap().links.clone();
    }
    assert_eq!(f, walked);
}

#[test]
fn reader_resolved_loop_and_dangling_links_are_findings() {
    let looping = TarBuilder::new()
        .symlink("./sbin/init", "init2")
        .symlink("./sbin/init2", "/sbin/init");
    let f = analyze("t", &init(), &InRoot(looping.files()));
    assert_eq!(f.pid1.ok().unwrap().kind, Pid1Kind::Missing);
    assert_eq!(f.link_findings[0].problem, LinkProblem::Loop);
    assert_eq!(f.link_findings[0].path, "/sbin/init");

    let dangling = TarBuilder::new()
        .symlink("./sbin", "usr/sbin")
        .symlink("./usr/sbin/init", "../lib/systemd/systemd");
    let f = analyze("t", &init(), &InRoot(dangling.files()));
    let l = &f.link_findings[0];
    assert_eq!(
        (l.problem, l.at.as_str()),
        (LinkProblem::Missing, "/usr/lib/systemd/systemd")
    );
    assert!(l.hops[0].daemon_resolved, "{l:?}");
}

/// The daemon keeps `..` at the root as the kernel does, and does not say it
/// did: the same file is reached, the climb is not reported.
#[test]
fn reader_resolved_link_out_of_the_root_stays_inside_unreported() {
    let bin = elf(Some(&["libsystemd-shared-255.so"]), b"");
    let files = TarBuilder::new()
        .symlink("./sbin/init", "../../../../../lib/systemd/systemd")
        .exe("./lib/systemd/systemd", &bin)
        .symlink("./etc/os-release", "../../../../usr/lib/os-release");
    let f = analyze("t", &init(), &InRoot(files.files()));
    assert_eq!(f.init.as_deref(), Some("/lib/systemd/systemd"));
    assert!(f.link_findings.is_empty(), "{:?}", f.link_findings);
    assert_eq!(f.os, crate::facts::Probed::Ok(None));
}

#[test]
fn a_version_too_large_is_an_error_with_its_text_not_no_systemd() {
    let bin = elf(Some(&["libsystemd-shared-999999999999.so"]), b"");
    let f = analyze("t", &init(), &debian12(&bin).files());
    let err = match &f.systemd {
        crate::facts::Probed::Err(e) => e.error.clone(),
        other => panic!("{other:?}"),
    };
    assert!(err.contains("'999999999999' is too large"), "{err}");
    assert_eq!(f.pid1.ok().unwrap().kind, Pid1Kind::Systemd);
    // The checks do not contradict each other: PID 1 is systemd, its version unknown.
    let facts = crate::testing::with_image(crate::testing::unified_host(), f);
    let found = crate::checks::run(&facts, &crate::checks::Selection::only(&["image"]));
    let status = |id: &str| found.iter().find(|x| x.id == id).unwrap().status;
    assert_eq!(status("image.init"), crate::checks::Status::Pass);
    assert_eq!(
        status("image.systemd-version"),
        crate::checks::Status::Error
    );
}
