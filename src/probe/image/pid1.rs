//! What PID 1 would be: Entrypoint + Cmd, argv[0] looked up as runc does
//! (PATH from the image's Env when it has no `/`), then every link followed
//! inside the image.

use super::files::{base_name, FileKind, ImageFiles};
use super::resolve::{resolve, ResolveError, Resolved};
use crate::facts::image::{LinkFinding, Pid1Facts, Pid1Kind};

/// Docker's PATH when the image sets none.
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "ash",
    "zsh",
    "ksh",
    "mksh",
    "busybox-sh",
];
const MINI_INITS: &[&str] = &[
    "tini",
    "tini-static",
    "docker-init",
    "dumb-init",
    "catatonit",
];
const OTHER_INITS: &[&str] = &["init", "runit", "runit-init", "s6-svscan", "openrc-init"];

/// Docker's rule: Entrypoint followed by Cmd.
pub(crate) fn argv(entrypoint: Option<&[String]>, cmd: Option<&[String]>) -> Vec<String> {
    entrypoint
        .unwrap_or_default()
        .iter()
        .chain(cmd.unwrap_or_default())
        .cloned()
        .collect()
}

/// What a name resolves to: the `systemd`, `sh` … a kind is decided on.
pub(crate) fn kind_of(argv0: &str, resolved: &str) -> Pid1Kind {
    let mut name = base_name(resolved);
    // busybox decides by the name it was called with.
    if name == "busybox" {
        name = base_name(argv0);
    }
    if name == "systemd" {
        Pid1Kind::Systemd
    } else if SHELLS.contains(&name) {
        Pid1Kind::Shell
    } else if MINI_INITS.contains(&name) {
        Pid1Kind::MiniInit
    } else if OTHER_INITS.contains(&name) {
        Pid1Kind::OtherInit
    } else {
        Pid1Kind::Other
    }
}

pub(crate) struct Pid1Probe {
    pub facts: Pid1Facts,
    pub link_findings: Vec<LinkFinding>,
}

/// Look `command` up and resolve it. `Ok(None)` = not found in the image.
fn lookup(
    files: &dyn ImageFiles,
    command: &str,
    path_env: &str,
    working_dir: &str,
    findings: &mut Vec<LinkFinding>,
) -> Result<Option<(String, Resolved)>, String> {
    let candidates: Vec<String> = if command.contains('/') {
        if command.starts_with('/') {
            vec![command.to_owned()]
        } else {
            vec![format!("{}/{command}", working_dir.trim_end_matches('/'))]
        }
    } else {
        path_env
            .split(':')
            .filter(|d| d.starts_with('/'))
            .map(|d| format!("{}/{command}", d.trim_end_matches('/')))
            .collect()
    };
    let searching = candidates.len() > 1;
    for c in candidates {
        match resolve(files, &c, true) {
            Ok(r) if r.stat.kind == FileKind::File && (r.stat.is_executable() || !searching) => {
                note_escapes(&c, &r, findings);
                return Ok(Some((c, r)));
            }
            Ok(_) => continue,
            Err(ResolveError::Read(e)) => return Err(e.to_string()),
            Err(ResolveError::Link { problem, at, hops }) => {
                // A missing PATH entry is normal; a loop or a dangling link is not.
                let dangling = !hops.is_empty();
                if !searching || dangling || problem != crate::facts::image::LinkProblem::Missing {
                    findings.push(LinkFinding {
                        path: c.clone(),
                        problem,
                        at,
                        hops,
                    });
                }
            }
        }
    }
    Ok(None)
}

pub(crate) fn note_escapes(path: &str, r: &Resolved, findings: &mut Vec<LinkFinding>) {
    for h in &r.escapes {
        findings.push(LinkFinding {
            path: path.to_owned(),
            problem: crate::facts::image::LinkProblem::EscapesRoot,
            at: h.link.clone(),
            hops: vec![h.clone()],
        });
    }
}

/// The first command a `sh -c SCRIPT` would run, without `exec`.
fn shell_command(argv: &[String]) -> Option<&str> {
    let flag = argv.get(1)?;
    if !(flag.starts_with('-') && flag.contains('c')) {
        return None;
    }
    let script = argv.get(2)?;
    let mut words = script.split_whitespace();
    let first = words.next()?;
    if first == "exec" {
        words.next()
    } else {
        Some(first)
    }
}

pub(crate) fn probe(
    files: &dyn ImageFiles,
    argv: Vec<String>,
    path_env: &str,
    working_dir: &str,
) -> Result<Pid1Probe, String> {
    let mut findings = Vec::new();
    let mut facts = Pid1Facts {
        argv: argv.clone(),
        command: None,
        resolved: None,
        kind: Pid1Kind::Missing,
        links: vec![],
        shell_execs: None,
    };
    let Some(argv0) = argv.first() else {
        return Ok(Pid1Probe {
            facts,
            link_findings: findings,
        });
    };
    let wd = if working_dir.is_empty() {
        "/"
    } else {
        working_dir
    };
    if let Some((command, r)) = lookup(files, argv0, path_env, wd, &mut findings)? {
        facts.kind = kind_of(argv0, &r.path);
        // A hard link or a renamed copy of systemd: its banner says so.
        if matches!(facts.kind, Pid1Kind::OtherInit | Pid1Kind::Other) {
            let prefix = files
                .read(&r.path, super::systemd::BINARY_CAP)
                .map_err(|e| e.to_string())?;
            if super::elf::is_elf(&prefix) && super::elf::is_systemd_manager(&prefix) {
                facts.kind = Pid1Kind::Systemd;
            }
        }
        facts.command = Some(command);
        facts.resolved = Some(r.path);
        facts.links = r.hops;
    }
    if facts.kind == Pid1Kind::Shell {
        if let Some(inner) = shell_command(&argv) {
            if let Some((_, r)) = lookup(files, inner, path_env, wd, &mut findings)? {
                if kind_of(inner, &r.path) == Pid1Kind::Systemd {
                    facts.shell_execs = Some(r.path);
                }
            }
        }
    }
    Ok(Pid1Probe {
        facts,
        link_findings: findings,
    })
}
