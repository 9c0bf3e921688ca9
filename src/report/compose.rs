//! A run line's settings as a compose file with one service doing the same.

use crate::facts::run::{parse_bool, RunSpec};

/// A YAML scalar: JSON strings are valid YAML double-quoted scalars.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

enum ComposeValue {
    Scalar(String),
    List(Vec<String>),
    /// Raw YAML lines for long-syntax volumes and maps, indented under the key.
    Block(Vec<String>),
}

fn service_name(spec: &RunSpec) -> String {
    let from = spec
        .options
        .iter()
        .rev()
        .find(|a| a.name == "name")
        .and_then(|a| a.value.clone())
        .unwrap_or_else(|| {
            let last = spec.image.rsplit('/').next().unwrap_or(&spec.image);
            last.split([':', '@']).next().unwrap_or(last).to_owned()
        });
    let name: String = from
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "app".into()
    } else {
        name
    }
}

pub(super) fn scalar_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "name" => "container_name",
        "hostname" => "hostname",
        "domainname" => "domainname",
        "user" => "user",
        "workdir" => "working_dir",
        "restart" => "restart",
        "runtime" => "runtime",
        "cgroupns" => "cgroup",
        "cgroup-parent" => "cgroup_parent",
        "pid" => "pid",
        "ipc" => "ipc",
        "uts" => "uts",
        "userns" => "userns_mode",
        "stop-signal" => "stop_signal",
        "platform" => "platform",
        "pull" => "pull_policy",
        "memory" => "mem_limit",
        "memory-reservation" => "mem_reservation",
        "memory-swap" => "memswap_limit",
        "memory-swappiness" => "mem_swappiness",
        "cpus" => "cpus",
        "cpu-shares" => "cpu_shares",
        "cpuset-cpus" => "cpuset",
        "cpu-period" => "cpu_period",
        "cpu-quota" => "cpu_quota",
        "cpu-rt-period" => "cpu_rt_period",
        "cpu-rt-runtime" => "cpu_rt_runtime",
        "pids-limit" => "pids_limit",
        "shm-size" => "shm_size",
        "oom-score-adj" => "oom_score_adj",
        "mac-address" => "mac_address",
        "isolation" => "isolation",
        "network" | "net" => "network_mode",
        _ => return None,
    })
}

pub(super) fn list_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "publish" => "ports",
        "expose" => "expose",
        "env" => "environment",
        "env-file" => "env_file",
        "tmpfs" => "tmpfs",
        "cap-add" => "cap_add",
        "cap-drop" => "cap_drop",
        "security-opt" => "security_opt",
        "device" => "devices",
        "dns" => "dns",
        "dns-search" => "dns_search",
        "dns-option" | "dns-opt" => "dns_opt",
        "add-host" => "extra_hosts",
        "label" => "labels",
        "label-file" => "label_file",
        "group-add" => "group_add",
        "link" => "links",
        "volumes-from" => "volumes_from",
        "device-cgroup-rule" => "device_cgroup_rules",
        "sysctl" => "sysctls",
        "annotation" => "annotations",
        _ => return None,
    })
}

pub(super) fn bool_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "privileged" => "privileged",
        "init" => "init",
        "read-only" => "read_only",
        "interactive" => "stdin_open",
        "tty" => "tty",
        "oom-kill-disable" => "oom_kill_disable",
        _ => return None,
    })
}

/// `docker run` options with no meaning for a compose service.
const CLIENT_ONLY: &[&str] = &[
    "detach",
    "rm",
    "attach",
    "detach-keys",
    "sig-proxy",
    "cidfile",
    "disable-content-trust",
    "quiet",
    "help",
];

/// The spec as a compose file with one service.
pub(crate) fn service(spec: &RunSpec) -> String {
    let mut keys: Vec<(&'static str, ComposeValue)> =
        vec![("image", ComposeValue::Scalar(yaml_str(&spec.image)))];
    let mut notes: Vec<String> = Vec::new();
    fn push_list(keys: &mut Vec<(&'static str, ComposeValue)>, key: &'static str, item: String) {
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ComposeValue::List(l))) => l.push(item),
            Some((_, ComposeValue::Block(b))) => b.push(format!("- {item}")),
            _ => keys.push((key, ComposeValue::List(vec![item]))),
        }
    }
    fn set(keys: &mut Vec<(&'static str, ComposeValue)>, key: &'static str, v: ComposeValue) {
        keys.retain(|(k, _)| *k != key);
        keys.push((key, v));
    }
    for a in &spec.options {
        let v = a.value.clone().unwrap_or_default();
        let name = a.name.as_str();
        if let Some(key) = bool_key(name) {
            set(&mut keys, key, ComposeValue::Scalar(a.is_on().to_string()));
        } else if let Some(key) = scalar_key(name) {
            set(&mut keys, key, ComposeValue::Scalar(yaml_str(&v)));
        } else if name == "stop-timeout" {
            set(
                &mut keys,
                "stop_grace_period",
                ComposeValue::Scalar(yaml_str(&format!("{v}s"))),
            );
        } else if name == "entrypoint" {
            set(
                &mut keys,
                "entrypoint",
                ComposeValue::Scalar(format!("[{}]", yaml_str(&v))),
            );
        } else if name == "volume" {
            push_list(&mut keys, "volumes", yaml_str(&v));
        } else if name == "mount" {
            volume_long(&mut keys, &v);
        } else if let Some(lines) = ulimit_block(&v) {
            match keys.iter_mut().find(|(k, _)| *k == "ulimits") {
                Some((_, ComposeValue::Block(b))) => b.extend(lines),
                _ => keys.push(("ulimits", ComposeValue::Block(lines))),
            }
        } else if name == "cap-add" || name == "cap-drop" {
            for c in v.split(',').filter(|c| !c.is_empty()) {
                push_list(&mut keys, list_key(name).unwrap_or("cap_add"), yaml_str(c));
            }
        } else if let Some(key) = list_key(name) {
            push_list(&mut keys, key, yaml_str(&v));
        } else if CLIENT_ONLY.contains(&name) {
        } else {
            let shown = match &a.value {
                Some(v) => format!("--{name} {v}"),
                None => format!("--{name}"),
            };
            notes.push(shown);
        }
    }
    if !spec.args.is_empty() {
        let items: Vec<String> = spec.args.iter().map(|a| yaml_str(a)).collect();
        set(
            &mut keys,
            "command",
            ComposeValue::Scalar(format!("[{}]", items.join(", "))),
        );
    }
    let mut out = String::from("services:\n");
    out.push_str(&format!("  {}:\n", service_name(spec)));
    for (k, v) in keys {
        match v {
            ComposeValue::Scalar(s) => out.push_str(&format!("    {k}: {s}\n")),
            ComposeValue::List(items) => {
                out.push_str(&format!("    {k}:\n"));
                for i in items {
                    out.push_str(&format!("      - {i}\n"));
                }
            }
            ComposeValue::Block(lines) => {
                out.push_str(&format!("    {k}:\n"));
                for l in lines {
                    out.push_str(&format!("      {l}\n"));
                }
            }
        }
    }
    for n in notes {
        out.push_str(&format!("    # no compose key for `{n}`: add it by hand\n"));
    }
    out
}

/// `--ulimit NAME=SOFT[:HARD]` as compose's `ulimits:` map entry.
fn ulimit_block(v: &str) -> Option<Vec<String>> {
    let (name, limits) = v.split_once('=')?;
    let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
    let num = |x: &str| x.parse::<i64>().ok();
    Some(vec![
        format!("{name}:"),
        format!("  soft: {}", num(soft)?),
        format!("  hard: {}", num(hard)?),
    ])
}

/// `--mount` as a long-syntax entry under `volumes:` (mixed with short ones).
fn volume_long(keys: &mut Vec<(&'static str, ComposeValue)>, spec: &str) {
    let mut kind = "volume".to_owned();
    let (mut lines, mut bind) = (Vec::new(), Vec::new());
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = field.split_once('=').unwrap_or((field, "true"));
        match k {
            "type" => kind = v.to_owned(),
            "source" | "src" => lines.push(format!("  source: {}", yaml_str(v))),
            "destination" | "dst" | "target" => lines.push(format!("  target: {}", yaml_str(v))),
            "readonly" | "ro" => {
                lines.push(format!("  read_only: {}", parse_bool(v).unwrap_or(true)))
            }
            "bind-recursive" => bind.push(format!("    recursive: {}", yaml_str(v))),
            "bind-propagation" => bind.push(format!("    propagation: {}", yaml_str(v))),
            _ => lines.push(format!("  # {}", field.replace('\n', " "))),
        }
    }
    let mut block = vec![format!("- type: {}", yaml_str(&kind))];
    block.extend(lines);
    if !bind.is_empty() {
        block.push("  bind:".into());
        block.extend(bind);
    }
    if let Some((_, ComposeValue::Block(b))) = keys.iter_mut().find(|(k, _)| *k == "volumes") {
        b.extend(block);
        return;
    }
    // Turn short entries collected so far into block lines.
    let prior = match keys.iter().position(|(k, _)| *k == "volumes") {
        Some(i) => match keys.remove(i).1 {
            ComposeValue::List(items) => items.into_iter().map(|i| format!("- {i}")).collect(),
            _ => vec![],
        },
        None => vec![],
    };
    let mut all: Vec<String> = prior;
    all.extend(block);
    keys.push(("volumes", ComposeValue::Block(all)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::unified_host;

    #[test]
    fn compose_is_yaml_with_the_same_service() {
        use yaml_rust2::YamlLoader;
        let line = "docker run -dit --name Web.1 -p 8080:80 -p 443:443 -e container=docker -e 'MSG=a \"quoted\" value: yes' \
                    --mount type=bind,src=/srv,dst=/srv,readonly -v data:/data --restart unless-stopped --gpus all \
                    --init IMG /sbin/init";
        // A daemon that cannot grant --privileged: the recipe binds the tree.
        let mut f = unified_host();
        crate::checks::run::testing::with_line_ctx(
            &mut f,
            line,
            crate::checks::run::testing::ctx(|c| c.privileged_possible = Some(false)),
        );
        let r = crate::recipe::recipe(&f).unwrap();
        let compose = service(&r.spec);
        let docs =
            YamlLoader::load_from_str(&compose).unwrap_or_else(|e| panic!("{e}\n{}", compose));
        let svc = &docs[0]["services"]["web-1"];
        assert_eq!(svc["image"].as_str(), Some("IMG"), "{}", compose);
        assert_eq!(svc["container_name"].as_str(), Some("Web.1"));
        assert_eq!(svc["ports"][1].as_str(), Some("443:443"));
        assert_eq!(
            svc["environment"][1].as_str(),
            Some("MSG=a \"quoted\" value: yes")
        );
        assert_eq!(svc["cgroup"].as_str(), Some("host"));
        assert_eq!(svc["stop_signal"].as_str(), Some("SIGRTMIN+3"));
        assert_eq!(svc["stdin_open"].as_bool(), Some(true));
        assert!(svc["init"].is_badvalue(), "{}", compose);
        let vols = svc["volumes"].as_vec().unwrap();
        assert_eq!(vols[0]["type"].as_str(), Some("bind"));
        assert_eq!(vols[0]["read_only"].as_bool(), Some(true));
        assert_eq!(vols[1].as_str(), Some("data:/data"));
        assert_eq!(vols[2].as_str(), Some("/sys/fs/cgroup:/sys/fs/cgroup:rw"));
        let tmpfs: Vec<_> = svc["tmpfs"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        assert_eq!(tmpfs, ["/run", "/run/lock", "/tmp"]);
        assert_eq!(svc["command"][0].as_str(), Some("/sbin/init"));
        assert!(
            compose.contains("# no compose key for `--gpus all`"),
            "{}",
            compose
        );
    }
}
