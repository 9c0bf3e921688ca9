//! Small rules about systemd as PID 1 that the checks and the corrector share,
//! so the two can never disagree.

use crate::facts::run::{MountKind, RunSpec};
use crate::facts::version::lenient;

/// The commands podman's `--systemd=true` recognises, plus systemd's own paths.
pub(crate) const INIT_COMMANDS: &[&str] = &[
    "systemd",
    "/sbin/init",
    "/usr/sbin/init",
    "/usr/local/sbin/init",
    "/lib/systemd/systemd",
    "/usr/lib/systemd/systemd",
];

/// RLIMIT_NOFILE that rootful Podman gives a container unless `--ulimit
/// nofile=` says otherwise (podman `define.RLimitDefaultValue`; its inspect
/// shows it: `{"Name":"RLIMIT_NOFILE","Soft":1048576,"Hard":1048576}`).
pub(crate) const PODMAN_NOFILE: u64 = 1_048_576;

/// The limits that start systemd on rootful Podman 4.3 whose own process
/// cannot raise them (the development VM: Podman 4.3.1 lacking CAP_SYS_RESOURCE).
pub(crate) const LOW_ULIMITS: [&str; 2] = ["nofile=1024:1024", "nproc=4096:4096"];

/// Where unprivileged systemd needs a tmpfs it cannot mount itself.
pub(crate) const TMPFS_PATHS: [&str; 3] = ["/run", "/run/lock", "/tmp"];

/// What PID 1 will run, when the line says (`--entrypoint`, else the first argument).
pub(crate) fn pid1(spec: &RunSpec) -> Option<&str> {
    match spec.entrypoint.as_deref() {
        Some(e) if !e.is_empty() => e.split_whitespace().next(),
        _ => spec.args.first().map(String::as_str),
    }
}

pub(crate) fn is_init(cmd: &str) -> bool {
    INIT_COMMANDS.contains(&cmd)
}

/// The line's own PID 1 argv where it is certain: its `--entrypoint` with
/// the arguments, or the command when the image has no ENTRYPOINT.
pub(crate) fn line_pid1(
    spec: &RunSpec,
    image_entrypoint: Option<&Vec<String>>,
) -> Option<Vec<String>> {
    match spec.entrypoint.as_deref() {
        Some(e) if !e.is_empty() => Some(
            e.split_whitespace()
                .map(str::to_owned)
                .chain(spec.args.iter().cloned())
                .collect(),
        ),
        _ if image_entrypoint.is_some_and(Vec::is_empty) => {
            Some(spec.args.clone()).filter(|a| !a.is_empty())
        }
        _ => None,
    }
}

/// Programs that never become systemd when they are PID 1: a shell that does
/// not `exec` it (molecule's `bash -c "while true; do sleep 10000; done"`),
/// `sleep`, `tail -f`. A script of the image's own may exec systemd: not here.
pub(crate) fn never_systemd(argv: &[String]) -> bool {
    let Some(first) = argv.first() else {
        return false;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    match name {
        "sleep" | "tail" | "cat" | "true" | "yes" => true,
        "sh" | "bash" | "dash" | "ash" | "zsh" => {
            let script = argv
                .iter()
                .skip(1)
                .skip_while(|a| a.starts_with('-'))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            // Interactive or a script file: unknown. `-c` with a script that
            // never names an init: never systemd.
            argv.get(1).is_some_and(|a| a == "-c")
                && !INIT_COMMANDS.iter().any(|i| script.contains(i))
                && !script.contains("init")
        }
        _ => false,
    }
}

/// SIGRTMIN+3 as Docker accepts it: by name (with or without SIG) or number.
pub(crate) fn is_rtmin3(signal: &str) -> bool {
    let s = signal.trim().to_ascii_uppercase();
    let s = s.strip_prefix("SIG").unwrap_or(&s);
    s == "RTMIN+3" || s == "37"
}

/// `""`, `root`, `0`, `0:0`, `root:root`, `0:wheel`.
pub(crate) fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("");
    matches!(name, "" | "root") || name.parse::<u32>() == Ok(0)
}

/// Leading major version of a Docker Engine version (`20.10.24+dfsg1` → 20).
pub(crate) fn engine_major(v: &str) -> Option<u32> {
    lenient(v).and_then(|v| u32::try_from(v.major).ok())
}

/// A mount point for `path` systemd will find already there: a tmpfs, or an
/// anonymous volume (`-v /run`, seen in older READMEs).
pub(crate) fn premounted(spec: &RunSpec, path: &str) -> bool {
    spec.has_tmpfs(path)
        || spec
            .mounts
            .iter()
            .any(|m| m.kind == MountKind::Volume && m.source.is_none() && m.is_at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates() {
        assert!(is_rtmin3("SIGRTMIN+3") && is_rtmin3("RTMIN+3") && is_rtmin3("37"));
        assert!(!is_rtmin3("SIGTERM"));
        assert!(is_root("0:0") && is_root("root") && is_root("") && is_root("00:0"));
        assert!(!is_root("1000") && !is_root("ansible:ansible"));
        assert_eq!(engine_major("20.10.24+dfsg1"), Some(20));
        assert_eq!(engine_major("28.2.2"), Some(28));
    }
}
