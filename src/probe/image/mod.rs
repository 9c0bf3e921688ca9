//! Image analysis without running the image: its config (from the Engine)
//! plus single, capped file reads through an [`ImageFiles`] reader.

pub(crate) mod config;
pub(crate) mod dir;
pub(crate) mod elf;
pub(crate) mod files;
pub(crate) mod layers;
pub(crate) mod os;
pub(crate) mod pid1;
pub(crate) mod resolve;
pub(crate) mod systemd;
pub(crate) mod tar_files;

pub use config::{EngineConfig, GraphDriver, ImageInspect};
pub use dir::DirFiles;
pub use files::{FileKind, ImageFiles, ReadError, Stat};
pub use layers::LayerFiles;
pub use tar_files::TarFiles;

use crate::facts::image::{ImageFacts, Pid1Kind};
use crate::facts::Probed;

/// Everything about one image: `inspect` from the daemon, files via `files`.
pub fn analyze(reference: &str, inspect: &ImageInspect, files: &dyn ImageFiles) -> ImageFacts {
    let mut facts = analyze_but_os(reference, inspect, files);
    facts.os = os::os_release(files).into();
    facts
}

/// [`analyze`] without `os`, for a caller that reads os-release elsewhere
/// at the same time (the archive API serves one container's reads one at
/// a time).
pub fn analyze_but_os(
    reference: &str,
    inspect: &ImageInspect,
    files: &dyn ImageFiles,
) -> ImageFacts {
    let config = inspect.config();
    let mut facts = ImageFacts::unavailable(reference, true, None);
    facts.id = Some(inspect.id.clone());
    facts.entrypoint = config.entrypoint.clone();
    facts.cmd = config.cmd.clone();
    facts.env_container = config.env_var("container").map(str::to_owned);
    facts.user = config.user.clone().unwrap_or_default();
    facts.working_dir = config.working_dir.clone().unwrap_or_default();
    facts.volumes = config
        .volumes
        .iter()
        .flat_map(|v| v.keys().cloned())
        .collect();
    facts.stop_signal = config.stop_signal.clone().filter(|s| !s.is_empty());

    let argv = pid1::argv(config.entrypoint.as_deref(), config.cmd.as_deref());
    let path_env = config.env_var("PATH").unwrap_or(pid1::DEFAULT_PATH);
    match pid1::probe(files, argv, path_env, &facts.working_dir) {
        Ok(p) => {
            facts.init = p.facts.resolved.clone();
            facts.link_findings = p.link_findings;
            facts.pid1 = Probed::Ok(p.facts);
        }
        Err(e) => facts.pid1 = Probed::error(e),
    }

    // systemd: what PID 1 runs when that is systemd (or a shell execs it),
    // else where images usually keep it.
    let from_pid1 = facts.pid1.ok().and_then(|p| match p.kind {
        Pid1Kind::Systemd => p.resolved.clone(),
        _ => p.shell_execs.clone(),
    });
    let path = match from_pid1 {
        Some(p) => Ok(Some(p)),
        None => systemd::find_systemd(files),
    };
    facts.systemd = match path {
        Err(e) => Probed::error(e.to_string()),
        Ok(None) => Probed::Ok(None),
        Ok(Some(p)) => {
            let v = systemd::version(files, &p, &mut facts.notes);
            facts.systemd_path = Some(p);
            v.map_err(|e| e.to_string()).into()
        }
    };
    facts
}

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
