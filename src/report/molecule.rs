//! The corrected platform entry of a molecule.yml: the entry as written,
//! with only the keys whose run-line meaning the recipe changes rewritten.

use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

use crate::facts::run::{RunArg, RunSpec};
use crate::recipe::Recipe;
use crate::runline::molecule::{platform_run, Platform};

/// Run options a platform key stands for; any other option the recipe adds
/// has no molecule key and is named in a comment.
const MAPPED: &[&str] = &[
    "privileged",
    "cgroupns",
    "volume",
    "mount",
    "tmpfs",
    "cap-add",
    "security-opt",
    "env",
    "user",
    "ulimit",
    "stop-signal",
];

fn s(v: &str) -> Yaml {
    Yaml::String(v.to_owned())
}

fn values<'a>(spec: &'a RunSpec, name: &'a str) -> impl Iterator<Item = &'a str> {
    spec.options
        .iter()
        .filter(move |a| a.name == name)
        .filter_map(|a| a.value.as_deref())
}

fn list(items: Vec<Yaml>) -> Option<Yaml> {
    (!items.is_empty()).then_some(Yaml::Array(items))
}

/// `--mount` as a docker_container `mounts` entry.
fn mount_entry(v: &str) -> Yaml {
    let mut h = Hash::new();
    for part in v.split(',') {
        let (k, val) = part.split_once('=').unwrap_or((part, "true"));
        let (key, value) = match k {
            "type" => ("type", s(val)),
            "src" | "source" => ("source", s(val)),
            "dst" | "target" | "destination" => ("target", s(val)),
            "readonly" | "ro" => ("read_only", Yaml::Boolean(val != "false" && val != "0")),
            "bind-recursive" => match val {
                "writable" => ("read_only_non_recursive", Yaml::Boolean(true)),
                "disabled" => ("non_recursive", Yaml::Boolean(true)),
                "readonly" => ("read_only_force_recursive", Yaml::Boolean(true)),
                _ => continue,
            },
            _ => continue,
        };
        h.insert(s(key), value);
    }
    Yaml::Hash(h)
}

/// The molecule keys a run line's settings come to, in create.yml's terms.
fn keys_of(spec: &RunSpec) -> Vec<(&'static str, Option<Yaml>)> {
    let strings = |name| list(values(spec, name).map(s).collect());
    let env: Hash = values(spec, "env")
        .map(|v| {
            let (k, val) = v.split_once('=').unwrap_or((v, ""));
            (s(k), s(val))
        })
        .collect();
    vec![
        ("privileged", Some(Yaml::Boolean(spec.privileged))),
        ("cgroupns_mode", spec.cgroupns.as_deref().map(s)),
        ("volumes", strings("volume")),
        (
            "mounts",
            list(values(spec, "mount").map(mount_entry).collect()),
        ),
        ("tmpfs", strings("tmpfs")),
        ("capabilities", strings("cap-add")),
        ("security_opts", strings("security-opt")),
        ("env", (!env.is_empty()).then_some(Yaml::Hash(env))),
        ("user", spec.user.as_deref().map(s)),
        (
            "ulimits",
            list(
                values(spec, "ulimit")
                    .map(|u| s(&u.replacen('=', ":", 1)))
                    .collect(),
            ),
        ),
        ("stop_signal", spec.stop_signal.as_deref().map(s)),
        (
            "command",
            Some(s(
                &shlex::try_join(spec.args.iter().map(String::as_str)).unwrap_or_default()
            )),
        ),
    ]
}

/// `key: value` as block YAML, without the document marker.
fn emit(key: &str, value: &Yaml) -> String {
    let mut h = Hash::new();
    h.insert(s(key), value.clone());
    let mut out = String::new();
    let _ = YamlEmitter::new(&mut out).dump(&Yaml::Hash(h));
    out.strip_prefix("---\n").unwrap_or(&out).to_owned()
}

fn shown(a: &RunArg) -> String {
    match &a.value {
        Some(v) => format!("--{}={v}", a.name),
        None => format!("--{}", a.name),
    }
}

/// The corrected platform as molecule YAML (a `- name:` list entry).
pub(crate) fn corrected_platform(platform: &Platform, recipe: &Recipe) -> String {
    let Ok(was) = platform_run(platform) else {
        return format!(
            "- name: {}\n  # no molecule form: {}\n",
            platform.name,
            recipe.argv.join(" ")
        );
    };
    let before = keys_of(&was.spec);
    let after = keys_of(&recipe.spec);
    let mut edits: Vec<(&str, Option<Yaml>)> = Vec::new();
    for ((key, old), (_, new)) in before.iter().zip(&after) {
        if old == new {
            continue;
        }
        let new = match (*key, new) {
            // Not written and not wanted: no key.
            ("privileged", Some(Yaml::Boolean(false))) if platform.get(key).is_none() => None,
            _ => new.clone(),
        };
        edits.push((key, new));
    }
    let blocks: Vec<(String, String)> = platform.written.clone().unwrap_or_else(|| {
        platform
            .node
            .as_hash()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), emit(k.as_str()?, v))))
            .collect()
    });
    let mut out: Vec<String> = Vec::new();
    for (key, text) in &blocks {
        match edits.iter().find(|(k, _)| k == key) {
            Some((_, Some(v))) => out.push(emit(key, v)),
            Some((_, None)) => {}
            None => out.push(text.clone()),
        }
    }
    for (key, v) in &edits {
        if let Some(v) = v.as_ref().filter(|_| !blocks.iter().any(|(k, _)| k == key)) {
            out.push(emit(key, v));
        }
    }
    if edits.iter().any(|(k, _)| *k == "command") && platform.get("override_command").is_some() {
        out.retain(|b| !b.starts_with("override_command:"));
        out.push("override_command: true".into());
    }
    let unmapped: Vec<String> = recipe
        .spec
        .options
        .iter()
        .filter(|a| !MAPPED.contains(&a.name.as_str()))
        .filter(|a| {
            !was.spec
                .options
                .iter()
                .any(|o| o.name == a.name && o.value == a.value)
        })
        .map(shown)
        .collect();
    let mut text = String::new();
    for (i, block) in out.iter().enumerate() {
        for (j, line) in block.trim_end().lines().enumerate() {
            let lead = if i == 0 && j == 0 { "- " } else { "  " };
            text.push_str(lead);
            text.push_str(line);
            text.push('\n');
        }
    }
    if !unmapped.is_empty() {
        text.push_str(&format!(
            "  # also needed, no {} platform key for it: {}\n",
            driver_name(platform),
            unmapped.join(" ")
        ));
    }
    for n in &platform.notes {
        text.push_str(&format!("  # {n}\n"));
    }
    text
}

fn driver_name(p: &Platform) -> &'static str {
    match p.client {
        crate::facts::run::Client::Docker => "docker driver",
        crate::facts::run::Client::Podman => "podman driver",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::facts::Facts;
    use crate::runline::molecule::targets;
    use crate::runline::target::{Origin, Target};
    use crate::testing::{hybrid_host, unified_host};

    const HEAD: &str = "driver:\n  name: docker\nplatforms:\n";

    fn read(yaml: &str) -> Vec<Target> {
        targets("molecule/default/molecule.yml", yaml, &BTreeMap::new()).unwrap()
    }

    fn platform(t: &Target) -> &Platform {
        match &t.origin {
            Origin::Molecule(p) => p,
            Origin::Compose(_) => panic!("not a platform"),
        }
    }

    fn corrected(facts: &Facts, t: &Target) -> (Recipe, String) {
        let mut f = facts.clone();
        f.run = t.run.clone().ok();
        let r = crate::recipe::recipe(&f).expect("a recipe");
        let text = corrected_platform(platform(t), &r);
        (r, text)
    }

    /// What the checks read from a line, its order aside.
    fn meaning(spec: &RunSpec) -> String {
        let mut mounts: Vec<String> = spec.mounts.iter().map(|m| format!("{m:?}")).collect();
        mounts.sort();
        format!(
            "{} {:?} {:?} {mounts:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            spec.privileged,
            spec.cgroupns,
            spec.cap_add,
            spec.security_opt,
            spec.env_container,
            spec.user,
            spec.stop_signal,
            spec.image,
            spec.args
        )
    }

    const SHAPES: &[&str] = &[
        // geerlingguy, older: the :ro bind, no namespace.
        "  - name: ro\n    image: \"geerlingguy/docker-${MOLECULE_DISTRO:-debian12}-ansible:latest\"\n    command: ${MOLECULE_DOCKER_COMMAND:-\"\"}\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:ro\n    privileged: true\n    pre_build_image: true\n",
        // molecule's centos example: the :rw bind and a private namespace.
        "  - name: centos\n    image: quay.io/centos/centos:stream9\n    privileged: true\n    volumes:\n      - \"/sys/fs/cgroup:/sys/fs/cgroup:rw\"\n    command: \"/usr/sbin/init\"\n    tty: true\n    env:\n      container: docker\n",
        // Unprivileged, with SYS_ADMIN and tmpfs, and a user.
        "  - name: capped\n    image: i\n    command: /sbin/init\n    capabilities:\n      - SYS_ADMIN\n    user: \"1000\"\n    tmpfs:\n      - /run\n    published_ports:\n      - 8080:80\n",
    ];

    /// The corrected entry, read back as molecule reads it, is the recipe's
    /// line again, on both cgroup layouts.
    #[test]
    fn the_corrected_platform_reads_back_as_the_recipe() {
        let mut checked = 0;
        for (host, facts) in [("unified", unified_host()), ("hybrid", hybrid_host())] {
            for shape in SHAPES {
                let t = &read(&format!("{HEAD}{shape}"))[0];
                let mut f = facts.clone();
                f.run = t.run.clone().ok();
                let Some(r) = crate::recipe::recipe(&f) else {
                    continue;
                };
                let text = corrected_platform(platform(t), &r);
                let again = read(&format!("{HEAD}{text}"));
                let spec = &again[0].run.as_ref().unwrap().spec;
                assert_eq!(meaning(spec), meaning(&r.spec), "{host}:\n{text}");
                // Only what the recipe changed: the other keys as written.
                for kept in [
                    "image:",
                    "name:",
                    "published_ports:",
                    "tty: true",
                    "pre_build_image",
                ] {
                    if shape.contains(kept) {
                        assert!(text.contains(kept), "{host}: lost {kept}:\n{text}");
                    }
                }
                checked += 1;
            }
        }
        assert!(checked >= 4, "{checked}");
    }

    #[test]
    fn only_the_changed_keys_are_rewritten() {
        let t = &read(&format!("{HEAD}{}", SHAPES[0]))[0];
        let (_, text) = corrected(&unified_host(), t);
        // On v2 the :ro bind goes; the interpolated lines stay as written.
        assert!(text.starts_with("- name: ro\n"), "{text}");
        assert!(
            text.contains(
                "\n  image: \"geerlingguy/docker-${MOLECULE_DISTRO:-debian12}-ansible:latest\"\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\n  command: ${MOLECULE_DOCKER_COMMAND:-\"\"}\n"),
            "{text}"
        );
        assert!(!text.contains(":ro"), "{text}");
        assert!(text.contains("stop_signal: SIGRTMIN+3"), "{text}");
    }

    #[test]
    fn options_without_a_key_are_named() {
        let t = &read(&format!(
            "{HEAD}  - name: a\n    image: i\n    privileged: true\n"
        ))[0];
        let mut argv = t.run.as_ref().unwrap().argv.clone();
        let image = argv.iter().position(|w| w == "i").unwrap();
        argv.insert(image, "--userns=host".into());
        let spec = crate::runline::from_argv(argv.clone()).unwrap().spec;
        let text = corrected_platform(platform(t), &Recipe { argv, spec });
        assert!(
            text.contains("# also needed, no docker driver platform key for it: --userns=host"),
            "{text}"
        );
    }
}
