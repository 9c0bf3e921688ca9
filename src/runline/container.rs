//! An existing container's settings (`GET /containers/{id}/json`) as the
//! `docker run` line that makes them.

use crate::facts::container::ContainerConfig;

/// The `docker run` line that makes a container with these settings
/// (only what systemd cares about; ports, networks and other env are left out).
pub(crate) fn run_argv(config: &ContainerConfig, name: &str) -> Vec<String> {
    let mut a: Vec<String> = vec!["docker".into(), "run".into(), "-d".into()];
    let mut opt = |name: &str, value: &str| {
        a.push(format!("--{name}"));
        a.push(value.to_owned());
    };
    if !name.is_empty() {
        opt("name", name);
    }
    for c in &config.cap_add {
        opt("cap-add", c);
    }
    for c in &config.cap_drop {
        opt("cap-drop", c);
    }
    for s in &config.security_opt {
        // Docker adds label=disable itself to every --privileged container
        // (moby daemon/create.go generateSecurityOpt): not the user's option.
        if config.privileged && s == "label=disable" {
            continue;
        }
        opt("security-opt", s);
    }
    if !config.cgroupns_mode.is_empty() {
        opt("cgroupns", &config.cgroupns_mode);
    }
    if !config.cgroup_parent.is_empty() {
        opt("cgroup-parent", &config.cgroup_parent);
    }
    for b in &config.binds {
        opt("volume", b);
    }
    for m in &config.mounts {
        opt("mount", m);
    }
    for v in &config.image_volumes {
        opt("volume", v);
    }
    for t in &config.tmpfs {
        let value = if t.options.is_empty() {
            t.target.clone()
        } else {
            format!("{}:{}", t.target, t.options)
        };
        opt("tmpfs", &value);
    }
    if !config.user.is_empty() {
        opt("user", &config.user);
    }
    if !config.userns_mode.is_empty() {
        opt("userns", &config.userns_mode);
    }
    if !config.runtime.is_empty() && config.runtime != "runc" {
        opt("runtime", &config.runtime);
    }
    if let Some(v) = &config.env_container {
        opt("env", &format!("container={v}"));
    }
    if !config.stop_signal.is_empty() {
        opt("stop-signal", &config.stop_signal);
    }
    if let Some(e) = config.entrypoint.first() {
        opt("entrypoint", e);
    }
    for (on, flag) in [
        (config.tty, "--tty"),
        (config.privileged, "--privileged"),
        (config.init, "--init"),
        (config.readonly_rootfs, "--read-only"),
    ] {
        if on {
            a.push(flag.into());
        }
    }
    a.push(if config.image.is_empty() {
        config.image_id.clone()
    } else {
        config.image.clone()
    });
    a.extend(config.entrypoint.iter().skip(1).cloned());
    a.extend(config.cmd.iter().cloned());
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::container::testing::inspected;

    #[test]
    fn the_daemons_own_label_option_is_not_the_users() {
        // `docker run --privileged` on the development VM: SecurityOpt ["label=disable"].
        let mut c = inspected();
        c.config.privileged = true;
        c.config.security_opt = vec!["label=disable".into()];
        let argv = run_argv(&c.config, "x");
        assert!(!argv.iter().any(|a| a == "label=disable"), "{argv:?}");
        assert!(argv.iter().any(|a| a == "--privileged"));
        // Written by the user on an unprivileged container, it stays.
        c.config.privileged = false;
        let argv = run_argv(&c.config, "x");
        assert!(argv.iter().any(|a| a == "label=disable"), "{argv:?}");
    }
}
