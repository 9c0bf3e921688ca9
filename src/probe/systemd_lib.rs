//! systemd's version from its shared library's name, as systemd-nspawn does
//! (`systemd_installation_has_version`): `libsystemd-shared-<tag>.so`.

/// Directories systemd-nspawn searches; `*-linux-*` stands for the multiarch triplet.
pub(crate) const LIBRARY_DIRS: &[&str] = &[
    "/lib/systemd",
    "/lib64/systemd",
    "/usr/lib/systemd",
    "/usr/lib64/systemd",
    "/usr/lib/*-linux-*/systemd",
];

/// The tag of `libsystemd-shared-<tag>.so` (`252`, `254.5-2.fc39`).
pub(crate) fn tag_from_library_name(name: &str) -> Option<&str> {
    let tag = name
        .strip_prefix("libsystemd-shared-")?
        .strip_suffix(".so")?;
    tag.starts_with(|c: char| c.is_ascii_digit()).then_some(tag)
}

/// The leading number of a tag or version string (`254.5-2.fc39` → 254);
/// `None` when it has none or it does not fit (see [`too_large`]).
pub(crate) fn major(version: &str) -> Option<u32> {
    leading_digits(version).parse().ok()
}

/// A leading number too large for a version (`libsystemd-shared-999999999999.so`):
/// an error to report with the text, never a wrap or "no systemd".
pub(crate) fn too_large(version: &str) -> bool {
    let d = leading_digits(version);
    !d.is_empty() && d.parse::<u32>().is_err()
}

fn leading_digits(version: &str) -> &str {
    let end = version
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(version.len());
    &version[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(
            tag_from_library_name("libsystemd-shared-252.so"),
            Some("252")
        );
        assert_eq!(
            tag_from_library_name("libsystemd-shared-254.5-2.fc39.so"),
            Some("254.5-2.fc39")
        );
        assert_eq!(tag_from_library_name("libsystemd-shared-.so"), None);
        assert_eq!(tag_from_library_name("libsystemd-core-255.so"), None);
        assert_eq!(major("254.5-2.fc39"), Some(254));
        assert_eq!(major("dev"), None);
        assert_eq!(major("999999999999"), None);
        assert!(too_large("999999999999.1"));
        assert!(!too_large("4294967295") && too_large("4294967296"));
        assert!(!too_large("dev") && !too_large("252"));
    }
}
