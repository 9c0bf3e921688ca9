//! The image's OS (`os-release`) and its package database's systemd version.

use super::files::ImageFiles;
use super::resolve::{read_followed, ResolveError};
use crate::facts::image::OsRelease;

/// os-release files are a few hundred bytes.
const OS_RELEASE_CAP: usize = 64 << 10;
/// dpkg's status file: ~100 KB for minbase, a few MB for big images.
pub(crate) const DPKG_STATUS_CAP: usize = 16 << 20;

/// `/etc/os-release`, else `/usr/lib/os-release` (os-release(5)).
pub(crate) fn os_release(files: &dyn ImageFiles) -> Result<Option<OsRelease>, String> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match read_followed(files, path, OS_RELEASE_CAP) {
            Ok((r, data)) => return Ok(Some(parse_os_release(&r.path, &data))),
            Err(ResolveError::Read(e @ super::ReadError::Broken { .. })) => {
                return Err(e.to_string())
            }
            Err(_) => continue,
        }
    }
    Ok(None)
}

fn parse_os_release(source: &str, data: &[u8]) -> OsRelease {
    let text = String::from_utf8_lossy(data);
    let get = |key: &str| {
        text.lines().find_map(|l| {
            let v = l.trim().strip_prefix(key)?.strip_prefix('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some(v.replace("\\\"", "\"").replace("\\\\", "\\"))
        })
    };
    OsRelease {
        source: source.to_owned(),
        id: get("ID"),
        version_id: get("VERSION_ID"),
        version_codename: get("VERSION_CODENAME"),
        pretty_name: get("PRETTY_NAME"),
    }
}

/// `Version:` of the installed `systemd` package in dpkg's status file.
pub(crate) fn dpkg_systemd_version(files: &dyn ImageFiles) -> Option<String> {
    let (_, data) = read_followed(files, "/var/lib/dpkg/status", DPKG_STATUS_CAP).ok()?;
    dpkg_version(&String::from_utf8_lossy(&data), "systemd")
}

fn dpkg_version(status: &str, package: &str) -> Option<String> {
    status.split("\n\n").find_map(|stanza| {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim))
        };
        (field("Package") == Some(package)
            && field("Status").is_some_and(|s| s.ends_with(" installed")))
        .then(|| field("Version").map(str::to_owned))
        .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_quotes() {
        let o = parse_os_release(
            "/usr/lib/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID='12'\n",
        );
        assert_eq!(
            o.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(o.id.as_deref(), Some("debian"));
        assert_eq!(o.version_id.as_deref(), Some("12"));
        assert_eq!(o.version_codename, None);
    }

    #[test]
    fn dpkg_installed_only() {
        let status = "Package: systemd-sysv\nStatus: install ok installed\nVersion: 1\n\n\
Package: systemd\nStatus: deinstall ok config-files\nVersion: 2\n\n\
Package: systemd\nStatus: install ok installed\nPriority: important\nVersion: 252.39-1~deb12u1\n";
        assert_eq!(
            dpkg_version(status, "systemd").as_deref(),
            Some("252.39-1~deb12u1")
        );
        assert_eq!(dpkg_version(status, "udev"), None);
    }
}
