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

/// Reads the mountinfo that describes the host (see
/// [`super::cgroup::mountinfo_path`]), line by line.
pub(crate) fn read(root: &crate::probe::root::HostRoot) -> Result<MountTable, String> {
    let path = super::cgroup::mountinfo_path(root);
    let mounts = parse_from(root.open_table(path)?, path)?;
    Ok(MountTable { path, mounts })
}

/// Parses a whole mountinfo (tests and fuzzing).
#[cfg(test)]
pub(crate) fn parse(text: &str, file: &str) -> Result<Vec<Mount>, String> {
    parse_from(text.as_bytes(), file)
}

/// The mounts the probes need — `/` and what is at or below `/sys/fs/cgroup`
/// — from a mountinfo streamed in large chunks, so a host with hundreds of
/// containers (100 000 lines) costs about one scan and little memory: a line
/// the probes do not need is only checked for the shape of its first fields
/// (`ID PARENT MAJ:MIN ROOT MOUNT_POINT`), a needed one is parsed whole. The
/// first line that is not an entry is an error naming the file and line.
pub(crate) fn parse_from(mut r: impl std::io::Read, file: &str) -> Result<Vec<Mount>, String> {
    let mut mounts = Vec::new();
    // About L2-sized: the kernel copies into it, memchr reads it back warm.
    let mut buf = vec![0u8; 128 << 10];
    let (mut start, mut end) = (0usize, 0usize);
    let (mut n, mut entries) = (0usize, 0usize);
    let mut eof = false;
    while !eof {
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end == buf.len() {
            // One line longer than the buffer: grow (the reader is capped).
            buf.resize(buf.len() * 2, 0);
        }
        let got = loop {
            match r.read(&mut buf[end..]) {
                Ok(g) => break g,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("{file}: {}", crate::probe::root::io_reason(&e))),
            }
        };
        end += got;
        eof = got == 0;
        loop {
            let rest = &buf[start..end];
            let line = match memchr::memchr(b'\n', rest) {
                Some(i) => &rest[..i],
                // The last line may lack its newline.
                None if eof && !rest.is_empty() => rest,
                None => break,
            };
            start += (line.len() + 1).min(rest.len());
            n += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bad = || {
                format!(
                    "{file} line {n}: not a mountinfo entry: {:?}",
                    shorten(&String::from_utf8_lossy(line))
                )
            };
            let mount_point = head(line).ok_or_else(bad)?;
            entries += 1;
            if needed(mount_point) {
                let text = String::from_utf8_lossy(line).into_owned();
                let info = MountInfo::from_line(&text).map_err(|_| bad())?;
                mounts.push(Mount { info, line: text });
            }
        }
    }
    if entries == 0 {
        return Err(format!("{file}: empty"));
    }
    Ok(mounts)
}

/// The mount point of a line that starts like mountinfo's (`ID PARENT
/// MAJ:MIN ROOT MOUNT_POINT OPTIONS`), else `None`. Reads only those fields.
fn head(line: &[u8]) -> Option<&[u8]> {
    // The first six spaces: the rest of a long line is not read. (A plain
    // loop: these fields are short, SIMD set-up costs more than it saves.)
    let mut cut = [0usize; 6];
    let mut found = 0;
    for (i, b) in line.iter().enumerate() {
        if *b == b' ' {
            cut[found] = i;
            found += 1;
            if found == cut.len() {
                break;
            }
        }
    }
    if found < cut.len() {
        return None;
    }
    let field = |i: usize| &line[if i == 0 { 0 } else { cut[i - 1] + 1 }..cut[i]];
    let numeric = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let dev = field(2);
    let colon = memchr::memchr(b':', dev)?;
    if !numeric(field(0))
        || !numeric(field(1))
        || !numeric(&dev[..colon])
        || !numeric(&dev[colon + 1..])
    {
        return None;
    }
    let (root, mount_point) = (field(3), field(4));
    // OPTIONS follows; ROOT is a path, or `net:[…]` for nsfs: only its presence counts.
    (!root.is_empty() && mount_point.starts_with(b"/") && cut[5] > cut[4] + 1)
        .then_some(mount_point)
}

fn needed(mount_point: &[u8]) -> bool {
    mount_point == b"/"
        || mount_point == b"/sys/fs/cgroup"
        || mount_point.starts_with(b"/sys/fs/cgroup/")
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
    fn only_the_needed_mounts_are_kept_but_every_line_is_checked() {
        let text = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n\
                    2 1 0:5 / /proc rw - proc proc rw\n\
                    31 1 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n\
                    32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        let m = parse(text, "m").unwrap();
        let points: Vec<String> = m.iter().map(Mount::mount_point).collect();
        assert_eq!(points, ["/", "/sys/fs/cgroup", "/sys/fs/cgroup/memory"]);
        let bad = format!("{text}3 1 zz / /mnt rw - tmpfs tmpfs rw\n");
        assert!(parse(&bad, "m").unwrap_err().contains("line 5"));
        assert!(parse("x\n", "m").unwrap_err().contains("line 1"));
        assert!(parse("\n\n", "m").unwrap_err().ends_with("m: empty"));
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
