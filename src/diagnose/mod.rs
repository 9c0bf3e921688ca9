//! Known systemd boot failures: a log line → its cause and the fix that worked;
//! and the daemon's refusals to start a container, which are not systemd's.

pub(crate) mod refusals;
pub(crate) mod systemd_logs;

use systemd_logs::PATTERNS;
pub(crate) use systemd_logs::{Kind, Pattern};

/// The one place a log line is explained: the first table entry it
/// matches. `container` and `triage` both ask here.
pub(crate) fn explain(line: &str) -> Option<&'static Pattern> {
    PATTERNS.iter().find(|p| p.matches(line))
}

/// What a known line is, from either table: systemd's own lines or the
/// daemon's and the runtime's refusals to start a container.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    pub id: &'static str,
    pub kind: Kind,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

impl From<&'static Pattern> for Entry {
    fn from(p: &'static Pattern) -> Entry {
        Entry {
            id: p.id,
            kind: p.kind,
            cause: p.cause,
            fix: p.fix,
            source: p.source,
        }
    }
}

/// A pasted line explained by systemd's table, else by the refusals'
/// (a `docker run` error is pasted as often as a log).
pub(crate) fn explain_any(line: &str) -> Option<Entry> {
    explain(line).map(Entry::from).or_else(|| {
        refusals::lookup(line).map(|r| Entry {
            id: r.id,
            kind: Kind::Failure,
            cause: r.cause,
            fix: r.fix,
            source: r.source,
        })
    })
}

/// A known line of a pasted log.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    /// 1-based, as an editor counts.
    pub number: usize,
    pub line: String,
    pub entry: Entry,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// A matched line is shown up to this many characters.
const LINE_CHARS: usize = 1000;

/// A pasted log, its known lines found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Triage {
    /// The input as the user named it (`-` for stdin).
    pub input: String,
    /// How many lines it has.
    pub lines: usize,
    pub hits: Vec<Hit>,
}

/// Every line of `text` that the table knows, in order. Lines are split on
/// `\n`; surrounding blanks (and a `\r`) are dropped.
pub(crate) fn triage(input: &str, text: &str) -> Triage {
    let mut lines = 0;
    let mut hits = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        lines = i + 1;
        let line = raw.trim();
        if let Some(entry) = explain_any(line) {
            hits.push(Hit {
                number: i + 1,
                line: line.chars().take(LINE_CHARS).collect(),
                entry,
            });
        }
    }
    Triage {
        input: input.to_owned(),
        lines,
        hits,
    }
}

impl Triage {
    /// Each entry found, once, with its line numbers: failures first, then
    /// consequences, then harmless lines, each in the order first seen.
    pub(crate) fn causes(&self) -> Vec<(Entry, Vec<usize>)> {
        let mut out: Vec<(Entry, Vec<usize>)> = Vec::new();
        for h in &self.hits {
            match out.iter_mut().find(|(p, _)| p.id == h.entry.id) {
                Some((_, numbers)) => numbers.push(h.number),
                None => out.push((h.entry, vec![h.number])),
            }
        }
        // Stable: log order within a kind.
        out.sort_by_key(|(p, _)| match p.kind {
            Kind::Failure => 0,
            Kind::Consequence => 1,
            Kind::Harmless => 2,
        });
        out
    }

    /// Whether any known line is a failure (not only harmless lines).
    pub(crate) fn has_failure(&self) -> bool {
        self.first_failure().is_some()
    }

    /// The first failure in log order: the one to act on first.
    pub(crate) fn first_failure(&self) -> Option<&Hit> {
        self.hits.iter().find(|h| h.entry.kind == Kind::Failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_explains_its_own_example() {
        let mut ids = Vec::new();
        for p in PATTERNS {
            assert!(!ids.contains(&p.id), "duplicate id {}", p.id);
            ids.push(p.id);
            assert!(
                p.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                p.id
            );
            assert!(!p.source.is_empty() && !p.cause.is_empty() && !p.fix.is_empty());
            // An earlier, more general entry would shadow it.
            assert_eq!(
                explain(p.example).map(|e| e.id),
                Some(p.id),
                "{}",
                p.example
            );
        }
    }

    #[test]
    fn every_domain_notes_symptom_maps_to_its_cause() {
        // ../shared/notes/domain-facts.md §5, each symptom exactly as quoted there.
        let cases: &[(&str, &str)] = &[
            ("Failed to create /init.scope control group: Read-only file system", "cgroup-readonly"),
            ("Failed to allocate manager object: Read-only file system", "cgroup-readonly"),
            ("[!!!!!!] Failed to allocate manager object.", "manager-object"),
            ("Exiting PID 1...", "pid1-stopped"),
            ("Failed to create /init.scope control group: No such file or directory", "cgroup-path-missing"),
            ("[!!!!!!] Failed to mount API filesystems, freezing.", "api-filesystems"),
            ("Failed to mount cgroup at /sys/fs/cgroup/systemd: Operation not permitted", "cgroup-v1-mount-denied"),
            ("Failed to create root cgroup hierarchy: Permission denied", "cgroup-root-hierarchy-denied"),
            ("Failed to allocate manager object, freezing.", "manager-object"),
            ("Failed to create /user.slice/user-1000.slice/session-8.scope/init.scope control group: Permission denied", "cgroup-permission-denied"),
            ("Cannot determine cgroup we are running in: No medium found", "no-systemd-hierarchy"),
            ("Failed to allocate manager object: No medium found", "no-systemd-hierarchy"),
            ("Failed to mount tmpfs at /run: Operation not permitted", "tmpfs-run"),
            ("[!!!!!!] Failed to mount API filesystems.", "api-filesystems"),
            ("Failed to mount tmpfs at /run: Permission denied", "mount-denied-by-lsm"),
            ("Refusing to run under cgroup v1, SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 not specified on kernel command line.", "cgroup-v1-refused"),
            ("Freezing execution.", "pid1-stopped"),
            ("System has not been booted with systemd as init system (PID 1). Can't operate.", "not-booted-with-systemd"),
            ("Failed to connect to bus: Host is down", "no-bus"),
            ("Couldn't find an alternative telinit implementation to spawn.", "not-pid1"),
            ("cgroup namespaces aren't enabled in the kernel", "cgroupns-unsupported"),
        ];
        for (line, id) in cases {
            assert_eq!(explain(line).map(|p| p.id), Some(*id), "{line}");
        }
    }

    #[test]
    fn permission_denied_and_not_permitted_are_told_apart() {
        // EACCES: a security module's policy; EPERM: a missing capability.
        let lsm = explain("Failed to mount tmpfs at /run/lock: Permission denied").unwrap();
        let cap = explain("Failed to mount tmpfs at /run/lock: Operation not permitted").unwrap();
        assert_eq!((lsm.id, cap.id), ("mount-denied-by-lsm", "tmpfs-run-lock"));
        assert!(lsm.fix.contains("apparmor"));
    }

    #[test]
    fn triage_numbers_every_known_line_and_groups_causes() {
        // journalctl lines carry a prefix; a pasted log may have CRLF ends.
        let text = "Dec 02 10:00:01 host systemd[1]: Failed to create /init.scope control group: Read-only file system\r\n\
hello\r\n\
Dec 02 10:00:01 host systemd[1]: Failed to allocate manager object: Read-only file system\r\n\
Dec 02 10:00:01 host systemd[1]: Freezing execution.\r\n";
        let t = triage("journal.txt", text);
        assert_eq!(t.lines, 4);
        let got: Vec<(usize, &str)> = t.hits.iter().map(|h| (h.number, h.entry.id)).collect();
        assert_eq!(
            got,
            [
                (1, "cgroup-readonly"),
                (3, "cgroup-readonly"),
                (4, "pid1-stopped")
            ]
        );
        assert!(t.hits[0].line.ends_with("Read-only file system"));
        let causes: Vec<(&str, Vec<usize>)> =
            t.causes().into_iter().map(|(p, l)| (p.id, l)).collect();
        assert_eq!(
            causes,
            [("cgroup-readonly", vec![1, 3]), ("pid1-stopped", vec![4])]
        );
        assert_eq!(t.first_failure().unwrap().number, 1);
    }

    #[test]
    fn unknown_text_and_harmless_lines() {
        let t = triage("-", "Welcome to Debian GNU/Linux 12 (bookworm)!\n");
        assert!(t.hits.is_empty() && !t.has_failure());
        let t = triage(
            "-",
            "Failed to create symlink /sys/fs/cgroup/cpu: File exists\n",
        );
        assert_eq!(t.hits.len(), 1);
        assert!(!t.has_failure());
    }
}
