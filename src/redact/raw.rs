//! The raw inputs a bundle stores, redacted so that judging them gives the
//! facts the redacted report shows: the switches and variables the probes
//! read are kept verbatim, the rest goes. Each function is idempotent.

use serde_json::Value;

use super::scrub;
use super::{HOST, KEEP_ENV, NAME, REDACTED};

/// Kernel command line switches kept: the ones `probe::host::kernel` reads
/// and the cgroup ones support asks about.
pub const KEEP_CMDLINE: &[&str] = &[
    "systemd.unified_cgroup_hierarchy",
    "systemd.legacy_systemd_cgroup_controller",
    "cgroup_no_v1",
    "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE",
    "cgroup_enable",
    "cgroup_disable",
    "cgroup_memory",
    "swapaccount",
    "--",
];

/// `/proc/cmdline` with every word but the kept switches redacted:
/// `root=/dev/vda quiet cgroup_no_v1=all` → `root=<redacted> <redacted> cgroup_no_v1=all`.
/// Separators and a trailing newline are kept.
pub fn cmdline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_whitespace() {
            if !word.is_empty() {
                out.push_str(&cmdline_word(&word));
                word.clear();
            }
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.pop();
    out
}

fn cmdline_word(w: &str) -> String {
    let key = w.split_once('=').map_or(w, |(k, _)| k);
    if KEEP_CMDLINE.contains(&key) {
        w.to_owned()
    } else if w.contains('=') {
        format!("{key}={REDACTED}")
    } else {
        REDACTED.to_owned()
    }
}

/// One host file as a capture or bundle stores it (`rel` as the probes name
/// it, `/proc/cmdline`): the kernel command line redacted as [`cmdline`],
/// PID 1's environment reduced to its `container=` entry, other text
/// scrubbed of addresses, home-directory user names and URL credentials;
/// bytes that are not UTF-8 text are kept.
pub fn host_file(rel: &str, bytes: Vec<u8>) -> Vec<u8> {
    if rel == "/proc/1/environ" {
        return bytes
            .split(|b| *b == 0)
            .filter(|kv| kv.starts_with(b"container="))
            .flat_map(|kv| kv.iter().copied().chain([0]))
            .collect();
    }
    match String::from_utf8(bytes) {
        Ok(text) if rel == "/proc/cmdline" => cmdline(&text).into_bytes(),
        Ok(text) => scrub::patterns(&text).into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

/// `GET /info`: the daemon host's name and id, proxies, registry mirrors
/// and credentials, daemon labels, then addresses and home paths anywhere.
pub fn info(v: &mut Value) {
    if let Some(m) = v.as_object_mut() {
        for key in ["Name", "ID"] {
            if let Some(Value::String(s)) = m.get_mut(key) {
                if !s.is_empty() {
                    *s = if key == "Name" { HOST } else { REDACTED }.into();
                }
            }
        }
        for key in ["HttpProxy", "HttpsProxy"] {
            if let Some(Value::String(s)) = m.get_mut(key) {
                if !s.is_empty() {
                    *s = scrub::url(s);
                }
            }
        }
        if let Some(Value::String(s)) = m.get_mut("NoProxy") {
            if !s.is_empty() {
                *s = REDACTED.into();
            }
        }
        if let Some(labels) = m.get_mut("Labels") {
            labels_list(labels);
        }
        if let Some(reg) = m.get_mut("RegistryConfig") {
            registry(reg);
        }
    }
    strings(v);
}

/// `RegistryConfig`: mirrors and index names are URLs or hosts, possibly
/// with credentials.
fn registry(v: &mut Value) {
    let Some(m) = v.as_object_mut() else { return };
    if let Some(Value::Array(mirrors)) = m.get_mut("Mirrors") {
        for s in mirrors.iter_mut() {
            if let Value::String(u) = s {
                *u = scrub::url(u);
            }
        }
    }
    if let Some(Value::Object(index)) = m.get_mut("IndexConfigs") {
        let old = std::mem::take(index);
        for (name, mut cfg) in old {
            let public = name == "docker.io" || name.ends_with(".docker.io");
            let name = if public { name } else { scrub::url(&name) };
            if let Some(o) = cfg.as_object_mut() {
                if !public {
                    o.insert("Name".into(), Value::String(name.clone()));
                }
                if let Some(Value::Array(ms)) = o.get_mut("Mirrors") {
                    for s in ms.iter_mut() {
                        if let Value::String(u) = s {
                            *u = scrub::url(u);
                        }
                    }
                }
            }
            index.insert(name, cfg);
        }
    }
}

/// `GET /version`: nothing names the host; addresses and paths anywhere.
pub fn version(v: &mut Value) {
    strings(v);
}

/// `GET /containers/{id}/json`: name, hostname, env values but `container=`
/// (and `PATH`), labels, extra hosts and DNS, then addresses and home paths.
pub fn container_inspect(v: &mut Value) {
    if let Some(m) = v.as_object_mut() {
        if let Some(Value::String(s)) = m.get_mut("Name") {
            if !s.is_empty() {
                *s = format!("/{NAME}");
            }
        }
        if let Some(c) = m.get_mut("Config") {
            config(c);
        }
        if let Some(Value::Object(h)) = m.get_mut("HostConfig") {
            for key in ["ExtraHosts", "DnsSearch"] {
                if let Some(Value::Array(items)) = h.get_mut(key) {
                    for i in items.iter_mut() {
                        if let Value::String(s) = i {
                            *s = if key == "ExtraHosts" {
                                format!("{HOST}:{}", super::IP)
                            } else {
                                HOST.into()
                            };
                        }
                    }
                }
            }
        }
    }
    strings(v);
}

/// `GET /images/{name}/json`: env values but the ones the image probe reads
/// (`container=`, `PATH`), labels, the build container's hostname.
pub fn image_inspect(v: &mut Value) {
    if let Some(m) = v.as_object_mut() {
        for key in ["Config", "ContainerConfig", "container_config"] {
            if let Some(c) = m.get_mut(key) {
                config(c);
            }
        }
    }
    strings(v);
}

/// A container's or image's `Config`.
fn config(v: &mut Value) {
    let Some(c) = v.as_object_mut() else { return };
    for key in ["Hostname", "Domainname"] {
        if let Some(Value::String(s)) = c.get_mut(key) {
            if !s.is_empty() {
                *s = HOST.into();
            }
        }
    }
    if let Some(Value::Array(env)) = c.get_mut("Env") {
        for e in env.iter_mut() {
            if let Value::String(s) = e {
                *s = env_entry(s);
            }
        }
    }
    if let Some(Value::Object(labels)) = c.get_mut("Labels") {
        for (_, val) in labels.iter_mut() {
            if val.as_str().is_some_and(|s| !s.is_empty()) {
                *val = Value::String(REDACTED.into());
            }
        }
    }
}

/// `K=V` with V redacted unless the probes read K.
fn env_entry(s: &str) -> String {
    match s.split_once('=') {
        Some((k, v)) if !v.is_empty() && !KEEP_ENV.contains(&k) => format!("{k}={REDACTED}"),
        _ => s.to_owned(),
    }
}

/// `["k=v", …]` (daemon labels) with the values redacted.
fn labels_list(v: &mut Value) {
    if let Value::Array(items) = v {
        for i in items.iter_mut() {
            if let Value::String(s) = i {
                if let Some((k, val)) = s.split_once('=') {
                    if !val.is_empty() {
                        *s = format!("{k}={REDACTED}");
                    }
                }
            }
        }
    }
}

/// Every string (not keys) scrubbed of addresses, home paths, URL credentials.
fn strings(v: &mut Value) {
    match v {
        Value::String(s) => *s = scrub::patterns(s),
        Value::Array(items) => items.iter_mut().for_each(strings),
        Value::Object(m) => m.values_mut().for_each(strings),
        _ => {}
    }
}
