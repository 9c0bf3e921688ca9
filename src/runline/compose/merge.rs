//! `docker compose -f a -f b` and `extends`: a later definition of a service
//! merged over an earlier one, key by key as Compose merges them.

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

use super::argv::{entries, items, scalar};

/// Lists whose entries add up (duplicates dropped).
const APPEND: &[&str] = &[
    "cap_add",
    "cap_drop",
    "security_opt",
    "tmpfs",
    "devices",
    "dns",
    "dns_search",
    "dns_opt",
    "expose",
    "ports",
    "external_links",
    "links",
    "volumes_from",
    "group_add",
    "env_file",
    "device_cgroup_rules",
    "profiles",
    "secrets",
    "configs",
];

/// `K=V` lists or maps, merged by key.
const KEYED: &[&str] = &[
    "environment",
    "labels",
    "sysctls",
    "annotations",
    "extra_hosts",
];

/// Maps merged key by key, recursively.
const MAPS: &[&str] = &[
    "ulimits",
    "build",
    "logging",
    "deploy",
    "healthcheck",
    "networks",
    "depends_on",
];

fn key(k: &str) -> Yaml {
    Yaml::String(k.to_owned())
}

/// `over` merged onto `base`.
pub(super) fn service(base: &Hash, over: &Hash) -> Hash {
    let mut out = base.clone();
    for (k, v) in over {
        let name = scalar(k).unwrap_or_default();
        let merged = match out.get(k) {
            Some(old) if APPEND.contains(&name.as_str()) => {
                let mut all = items(old);
                for i in items(v) {
                    if !all.contains(&i) {
                        all.push(i);
                    }
                }
                Yaml::Array(all)
            }
            Some(old) if name == "volumes" => volumes(old, v),
            Some(old) if KEYED.contains(&name.as_str()) => keyed(old, v, &name),
            Some(Yaml::Hash(old)) if MAPS.contains(&name.as_str()) => match v {
                Yaml::Hash(new) => Yaml::Hash(maps(old, new)),
                other => other.clone(),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

fn maps(base: &Hash, over: &Hash) -> Hash {
    let mut out = base.clone();
    for (k, v) in over {
        let merged = match (out.get(k), v) {
            (Some(Yaml::Hash(a)), Yaml::Hash(b)) => Yaml::Hash(maps(a, b)),
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

/// Both forms as one map (a later entry replaces an earlier one with the same key).
fn keyed(base: &Yaml, over: &Yaml, name: &str) -> Yaml {
    let mut out = Hash::new();
    for y in [base, over] {
        match entries(Some(y), name) {
            Ok(es) => {
                for (k, v) in es {
                    out.insert(key(&k), v.map_or(Yaml::Null, Yaml::String));
                }
            }
            Err(_) => return over.clone(),
        }
    }
    Yaml::Hash(out)
}

/// A volume's target, in either syntax.
fn target(v: &Yaml) -> Option<String> {
    match v {
        Yaml::Hash(h) => h.get(&key("target")).and_then(scalar),
        other => {
            let s = scalar(other)?;
            let mut parts = s.split(':');
            let first = parts.next()?.to_owned();
            Some(parts.next().map_or(first, str::to_owned))
        }
    }
}

/// Volumes merged by target: a later one replaces an earlier one at the same place.
fn volumes(base: &Yaml, over: &Yaml) -> Yaml {
    let mut all = items(base);
    for v in items(over) {
        let t = target(&v);
        match all.iter().position(|o| t.is_some() && target(o) == t) {
            Some(i) => all[i] = v,
            None => all.push(v),
        }
    }
    Yaml::Array(all)
}

/// YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`) applied, as Compose does.
pub(super) fn merge_keys(y: &Yaml) -> Yaml {
    match y {
        Yaml::Hash(h) => {
            let mut out = Hash::new();
            if let Some(m) = h.get(&key("<<")) {
                let sources = match m {
                    Yaml::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                // The first source wins over later ones; the mapping's own keys win over all.
                for s in sources.iter().rev() {
                    if let Yaml::Hash(sh) = merge_keys(s) {
                        for (k, v) in sh {
                            out.insert(k, v);
                        }
                    }
                }
            }
            for (k, v) in h {
                if k != &key("<<") {
                    out.insert(k.clone(), merge_keys(v));
                }
            }
            Yaml::Hash(out)
        }
        Yaml::Array(a) => Yaml::Array(a.iter().map(merge_keys).collect()),
        other => other.clone(),
    }
}
