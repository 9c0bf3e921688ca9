//! mountinfo, parsed by procfs-core line by line so a bad line is named.

use procfs_core::process::MountInfo;

/// One mountinfo entry with its raw line, kept as evidence (procfs-core
/// loses option order).
#[derive(Debug, Clone)]
pub(crate) struct Mount {
    pub info: MountInfo,
    pub line: String,
}

impl Mount {
    pub(crate) fn mount_point(&self) -> String {
        self.info.mount_point.to_string_lossy().into_owned()
    }

    pub(crate) fn read_only(&self) -> bool {
        self.info.mount_options.contains_key("ro") || self.info.super_options.contains_key("ro")
    }

    pub(crate) fn has_super_option(&self, name: &str) -> bool {
        self.info.super_options.contains_key(name)
    }

    /// Super options as `key` or `key=value`, sorted, leaving out the keys in `skip`.
    pub(crate) fn super_options_except(&self, skip: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .info
            .super_options
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            })
            .collect();
        out.sort();
        out
    }
}

/// The mount table the host probes share, read once.
#[derive(Debug, Clone)]
pub(crate) struct MountTable {
    /// The file it was read from, relative to the root.
    pub path: &'static str,
    pub mounts: Vec<Mount>,
}

/// Reads and parses the mountinfo that describes the host (see
/// [`super::cgroup::mountinfo_path`]).
pub(crate) fn read(root: &crate::probe::root::HostRoot) -> Result<MountTable, String> {
    let path = super::cgroup::mountinfo_path(root);
    let mounts = parse(&root.read_text(path)?, path)?;
    Ok(MountTable { path, mounts })
}

/// Parses a whole mountinfo; the first line that is not one is an error
/// naming the file and line number.
pub(crate) fn parse(text: &str, file: &str) -> Result<Vec<Mount>, String> {
    let mut mounts = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let info = MountInfo::from_line(line).map_err(|_| {
            format!(
                "{file} line {}: not a mountinfo entry: {:?}",
                n + 1,
                shorten(line)
            )
        })?;
        mounts.push(Mount {
            info,
            line: line.to_owned(),
        });
    }
    if mounts.is_empty() {
        return Err(format!("{file}: empty"));
    }
    Ok(mounts)
}

/// The mount visible at `path`: the last one listed there (later mounts stack on top).
pub(crate) fn visible_at<'a>(mounts: &'a [Mount], path: &str) -> Option<&'a Mount> {
    mounts.iter().rev().find(|m| m.mount_point() == path)
}

fn shorten(line: &str) -> String {
    const MAX: usize = 120;
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbled_line_is_named() {
        let text =
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\nbogus line\n";
        let err = parse(text, "/proc/self/mountinfo").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn truncated_line_is_an_error() {
        let text = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmp";
        assert!(parse(text, "m").is_err());
    }

    #[test]
    fn later_mount_shadows_earlier() {
        let text = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
                    50 23 0:40 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
        let mounts = parse(text, "m").unwrap();
        assert_eq!(
            visible_at(&mounts, "/sys/fs/cgroup").unwrap().info.fs_type,
            "cgroup2"
        );
    }
}
