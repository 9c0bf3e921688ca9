//! What a local daemon was told that `/info` does not show: its command line
//! (`/proc/PID/cmdline`) and its config file (`--config-file`, else
//! `/etc/docker/daemon.json`, read through `/proc/PID/root` first). Only `init` is read today: a daemon-wide
//! `init: true` puts docker-init in front of every container's PID 1.

use crate::facts::docker::DaemonConfig;
use crate::probe::root::HostRoot;

const DEFAULT_FILE: &str = "/etc/docker/daemon.json";

fn flag_value(args: &[String], name: &str) -> Option<String> {
    args.iter().enumerate().find_map(|(i, a)| {
        if a == name {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix(&format!("{name}=")).map(str::to_owned)
        }
    })
}

/// `--init` / `--init=BOOL` on the command line.
fn init_flag(args: &[String]) -> Option<bool> {
    args.iter().rev().find_map(|a| match a.as_str() {
        "--init" => Some(true),
        _ => a
            .strip_prefix("--init=")
            .and_then(crate::facts::run::parse_bool),
    })
}

/// The config of the dockerd process `pid` (read in the live /proc).
pub(crate) fn read(pid: i32) -> DaemonConfig {
    let live = HostRoot::live();
    let args: Vec<String> = live
        .read_bytes(&format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let (file, file_from) = match flag_value(&args, "--config-file") {
        Some(f) => (f, "--config-file on the daemon's command line".to_owned()),
        None => (
            DEFAULT_FILE.to_owned(),
            "the default (no --config-file)".to_owned(),
        ),
    };
    let mut c = DaemonConfig {
        file,
        file_from,
        ..DaemonConfig::default()
    };
    if let Some(init) = init_flag(&args) {
        c.init = Some(init);
        c.init_from = Some("the daemon's command line".into());
        return c;
    }
    // The file as the daemon sees it (its own mount namespace: right also
    // when the doctor runs in a container with the host's PID namespace),
    // else as this process sees it.
    // Own view only in the daemon's mount namespace: a doctor in a container
    // (`--pid host` without CAP_SYS_PTRACE) would read its own, empty /etc.
    let path = if live.path(&format!("/proc/{pid}/root/")).metadata().is_ok() {
        format!("/proc/{pid}/root{}", c.file)
    } else if same_mount_namespace(pid) {
        c.file.clone()
    } else {
        c.error = Some(format!(
            "{}: cannot be read as the daemon sees it (/proc/{pid}/root is not readable from this process, which runs in another mount namespace)",
            c.file
        ));
        return c;
    };
    let read = live.read_text(&path);
    match read {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => {
                c.init = Some(v.get("init").and_then(|i| i.as_bool()).unwrap_or(false));
                c.init_from = Some(c.file.clone());
            }
            Err(e) => c.error = Some(format!("{}: not JSON: {e}", c.file)),
        },
        // No file: the daemon runs on its defaults (init off).
        Err(_) if c.file == DEFAULT_FILE && !live.path(&path).exists() => {
            c.init = Some(false);
            c.init_from = Some("the default (no daemon.json)".into());
        }
        Err(e) => c.error = Some(e),
    }
    c
}

/// Whether this process and `pid` share a mount namespace (unknown: no).
fn same_mount_namespace(pid: i32) -> bool {
    let ns = |p: String| std::fs::read_link(p).ok();
    matches!(
        (ns("/proc/self/ns/mnt".into()), ns(format!("/proc/{pid}/ns/mnt"))),
        (Some(a), Some(b)) if a == b
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn command_line() {
        let a = words("/usr/sbin/dockerd -H fd:// --config-file=/srv/d.json --init");
        assert_eq!(
            flag_value(&a, "--config-file").as_deref(),
            Some("/srv/d.json")
        );
        assert_eq!(init_flag(&a), Some(true));
        let a = words("dockerd --config-file /srv/d.json --init=false");
        assert_eq!(
            flag_value(&a, "--config-file").as_deref(),
            Some("/srv/d.json")
        );
        assert_eq!(init_flag(&a), Some(false));
        assert_eq!(init_flag(&words("dockerd -H fd://")), None);
    }
}
