//! Where systemd is in the image and which version it is, without running it:
//! DT_NEEDED of the binary, else the library's name, else the binary's banner.
//! The banner, else the package database (dpkg), refines the full version
//! when it names the same major.

use super::elf;
use super::files::{base_name, FileKind, ImageFiles, ReadError};
use super::os::dpkg_systemd_version;
use super::resolve::{resolve, ResolveError};
use crate::facts::image::{SystemdVersion, VersionSource};
use crate::probe::systemd_lib;

/// The binary's prefix that is read: the ELF program headers, dynamic section
/// and string table sit in the first few hundred KB of systemd (Debian 12: a
/// 92 KB file); CentOS 7's self-contained 219 is ~1.6 MB and its banner lies
/// within.
pub(crate) const BINARY_CAP: usize = 4 << 20;

/// Where images keep systemd, besides what PID 1 resolves to.
pub(crate) const CANDIDATES: &[&str] = &[
    "/lib/systemd/systemd",
    "/usr/lib/systemd/systemd",
    "/sbin/init",
    "/usr/sbin/init",
];

/// Multiarch triplets probed for `/usr/lib/<triplet>/systemd`; stat-ing a few
/// names is cheaper than listing `/usr/lib` through the archive API.
pub(crate) const TRIPLETS: &[&str] = &[
    "x86_64-linux-gnu",
    "aarch64-linux-gnu",
    "i386-linux-gnu",
    "arm-linux-gnueabihf",
    "arm-linux-gnueabi",
    "powerpc64le-linux-gnu",
    "s390x-linux-gnu",
    "riscv64-linux-gnu",
    "mips64el-linux-gnuabi64",
];

/// The first candidate that resolves to a file named `systemd`.
pub(crate) fn find_systemd(files: &dyn ImageFiles) -> Result<Option<String>, ReadError> {
    for c in CANDIDATES {
        match resolve(files, c, true) {
            Ok(r) if r.stat.kind == FileKind::File && base_name(&r.path) == "systemd" => {
                return Ok(Some(r.path))
            }
            Err(ResolveError::Read(e)) => return Err(e),
            _ => {}
        }
    }
    Ok(None)
}

/// systemd-nspawn's library directories, the multiarch glob expanded by name.
pub(crate) fn library_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    for d in systemd_lib::LIBRARY_DIRS {
        if d.contains('*') {
            dirs.extend(TRIPLETS.iter().map(|t| d.replace("*-linux-*", t)));
        } else {
            dirs.push((*d).to_owned());
        }
    }
    dirs
}

/// The version of the systemd binary at `path` (links already followed).
/// `notes` collects what made a source unusable.
pub(crate) fn version(
    files: &dyn ImageFiles,
    path: &str,
    notes: &mut Vec<String>,
) -> Result<Option<SystemdVersion>, ReadError> {
    let prefix = files.read(path, BINARY_CAP)?;
    let mut found = None;
    if elf::is_elf(&prefix) {
        match elf::needed(&prefix) {
            Ok(needed) => {
                found = needed
                    .iter()
                    .find_map(|n| systemd_lib::tag_from_library_name(n))
                    .map(|t| (t.to_owned(), VersionSource::ElfNeeded));
            }
            Err(e) => notes.push(format!("{path}: ELF dynamic section not read: {e}")),
        }
    } else {
        notes.push(format!("{path} is not an ELF file"));
    }
    if found.is_none() {
        found = library_tag(files)?.map(|t| (t, VersionSource::LibraryName));
    }
    if found.is_none() && elf::is_elf(&prefix) {
        found = elf::banner_version(&prefix).map(|v| (v, VersionSource::BinaryString));
    }
    let Some((tag, source)) = found else {
        return Ok(None);
    };
    if systemd_lib::too_large(&tag) {
        return Err(ReadError::broken(
            path,
            format!("systemd version '{tag}' is too large to be a version"),
        ));
    }
    let Some(major) = systemd_lib::major(&tag) else {
        notes.push(format!("systemd version '{tag}' has no leading number"));
        return Ok(None);
    };
    let mut v = SystemdVersion {
        major,
        version: tag,
        source,
        version_from: None,
    };
    // Debian's tag is the bare major: the banner in the same prefix (Debian
    // builds put the package version there), else the package database, knows
    // the rest when it names the same major.
    if source != VersionSource::BinaryString {
        let banner = elf::is_elf(&prefix)
            .then(|| elf::banner_version(&prefix))
            .flatten();
        if let Some(b) = banner.filter(|b| systemd_lib::major(b) == Some(major) && *b != v.version)
        {
            v.version = b;
            v.version_from = Some("binary-string".into());
        }
    }
    if v.version_from.is_none() && !v.version.contains(['.', '-']) {
        if let Some(pkg) = dpkg_systemd_version(files) {
            if systemd_lib::major(&pkg) == Some(major) {
                v.version = pkg;
                v.version_from = Some("dpkg-status".into());
            } else {
                notes.push(format!(
                    "dpkg says systemd {pkg}, the binary says {major}: kept the binary's"
                ));
            }
        }
    }
    Ok(Some(v))
}

/// The tag of the first `libsystemd-shared-<tag>.so` in systemd's library dirs.
fn library_tag(files: &dyn ImageFiles) -> Result<Option<String>, ReadError> {
    for dir in library_dirs() {
        let r = match resolve(files, &dir, true) {
            Ok(r) if r.stat.kind == FileKind::Dir => r,
            Err(ResolveError::Read(e)) => return Err(e),
            _ => continue,
        };
        let names = match files.list(&r.path) {
            Ok(n) => n,
            Err(e @ ReadError::Broken { .. }) => return Err(e),
            Err(_) => continue,
        };
        if let Some(tag) = names
            .iter()
            .find_map(|n| systemd_lib::tag_from_library_name(n))
        {
            return Ok(Some(tag.to_owned()));
        }
    }
    Ok(None)
}
