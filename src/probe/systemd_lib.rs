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

/// The leading number of a tag or version string (`254.5-2.fc39` → 254).
pub(crate) fn major(version: &str) -> Option<u32> {
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
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
    }
}
