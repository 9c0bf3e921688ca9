//! Kernel release and the cgroup switches on its command line.

use crate::facts::host::{CmdlineFacts, KernelFacts};
use crate::facts::version::lenient;
use crate::facts::Probed;
use crate::probe::root::HostRoot;

pub(crate) fn probe_kernel(root: &HostRoot) -> Probed<KernelFacts> {
    let release = match root.read_text("/proc/sys/kernel/osrelease") {
        Ok(s) => s.trim().to_owned(),
        Err(e) if root.is_live() => match nix::sys::utsname::uname() {
            Ok(u) => u.release().to_string_lossy().into_owned(),
            Err(_) => return Probed::error(e),
        },
        Err(e) => return Probed::error(e),
    };
    if release.is_empty() {
        return Probed::error("/proc/sys/kernel/osrelease: empty");
    }
    Probed::Ok(kernel_facts(&release))
}

pub(crate) fn kernel_facts(release: &str) -> KernelFacts {
    let lower = release.to_ascii_lowercase();
    KernelFacts {
        release: release.to_owned(),
        version: parse_release(release),
        wsl: lower.contains("microsoft") || lower.contains("wsl"),
    }
}

/// `6.1.0-50-amd64` → [6, 1, 0]; `5.15` → [5, 15, 0].
pub(crate) fn parse_release(release: &str) -> Option<[u32; 3]> {
    let v = lenient(release)?;
    let n = |x: u64| u32::try_from(x).ok();
    Some([n(v.major)?, n(v.minor)?, n(v.patch)?])
}

pub(crate) fn probe_cmdline(root: &HostRoot) -> Probed<CmdlineFacts> {
    root.read_text("/proc/cmdline")
        .map(|raw| parse_cmdline(raw.trim()))
        .into()
}

/// The last occurrence of a switch wins, as in the kernel and systemd; words
/// after a lone `--` are init's arguments.
pub(crate) fn parse_cmdline(raw: &str) -> CmdlineFacts {
    let mut facts = CmdlineFacts {
        raw: raw.to_owned(),
        ..Default::default()
    };
    for word in raw.split_whitespace().take_while(|w| *w != "--") {
        let (key, value) = match word.split_once('=') {
            Some((k, v)) => (k, v.to_owned()),
            None => (word, String::new()),
        };
        match key {
            "systemd.unified_cgroup_hierarchy" => facts.unified_cgroup_hierarchy = Some(value),
            "systemd.legacy_systemd_cgroup_controller" => {
                facts.legacy_systemd_cgroup_controller = Some(value)
            }
            "cgroup_no_v1" => facts.cgroup_no_v1 = Some(value),
            "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE" => facts.legacy_force = value == "1",
            _ => {}
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        assert_eq!(parse_release("6.1.0-50-amd64"), Some([6, 1, 0]));
        assert_eq!(
            parse_release("5.15.153.1-microsoft-standard-WSL2"),
            Some([5, 15, 153])
        );
        assert_eq!(parse_release("6.18.44-fc-v657"), Some([6, 18, 44]));
        assert_eq!(parse_release("4.4"), Some([4, 4, 0]));
        assert_eq!(parse_release("garbage"), None);
        assert!(kernel_facts("5.15.153.1-microsoft-standard-WSL2").wsl);
    }

    #[test]
    fn cmdline() {
        let c = parse_cmdline("root=/dev/vda systemd.unified_cgroup_hierarchy=0 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all -- systemd.unified_cgroup_hierarchy=0");
        assert_eq!(c.unified_cgroup_hierarchy.as_deref(), Some("1"));
        assert_eq!(c.cgroup_no_v1.as_deref(), Some("all"));
        assert!(!c.legacy_force);
    }
}
