//! Compose files: each service as the `docker run` line Docker Compose would
//! make of it, so the run checks judge it like a `lint` line.

mod argv;
mod interpolate;
mod merge;
mod spans;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlLoader};

use super::systemd::{is_init, is_rtmin3, pid1};
use super::target::{Origin, Target};
use crate::facts::run::RunSpec;
pub(crate) use argv::Item;
pub(crate) use spans::ServiceSpan;

type Env = BTreeMap<String, String>;

/// One compose file as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeFile {
    /// As given on the command line (shown in messages and diffs).
    pub path: String,
    /// Its directory, absolute: relative paths start there.
    pub dir: PathBuf,
    pub text: String,
}

/// A service as written, for the fix in compose form.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    /// The file the fix goes in: the last one that defines the service.
    pub path: String,
    /// That file's text.
    pub(crate) text: String,
    /// The service's mapping there, as written (aliases resolved, nothing interpolated).
    pub(crate) node: Box<Hash>,
    /// The keys a `<<:` merge brings into it (the service's own keys win over them).
    pub(crate) merged_in: Box<Hash>,
    pub(crate) span: Box<ServiceSpan>,
    /// Per option of the run line, the key that made it.
    pub(crate) sources: Vec<Source>,
}

/// The key (and entry) of the service that made one option of its run line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) value: Option<String>,
    pub(crate) key: String,
    /// Where in `Service::node`; `None` when another file or `extends` set it.
    pub(crate) at: Option<At>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum At {
    /// The key's whole value.
    Key,
    /// The n-th entry of its list or map.
    Entry(usize),
}

/// Top-level keys of a compose file (compose-spec `schema/compose-spec.json`).
const FILE_KEYS: &[&str] = &[
    "version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs",
];

/// The service keys of compose-spec's schema (`definitions.service.properties`).
const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

fn key(k: &str) -> Yaml {
    Yaml::String(k.to_owned())
}

/// A file's top-level mapping, its keys checked.
fn load(path: &str, text: &str) -> Result<Hash, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        let m = e.marker();
        format!(
            "{path}: line {} col {}: {}",
            m.line(),
            m.col() + 1,
            e.info()
        )
    })?;
    let doc = match docs.into_iter().next() {
        Some(Yaml::Hash(h)) => h,
        None | Some(Yaml::Null) => return Err(format!("{path}: empty file: no `services:`")),
        Some(_) => {
            return Err(format!(
                "{path}: not a compose file (its top level is not a mapping)"
            ))
        }
    };
    for k in doc.keys() {
        let k = argv::scalar(k).unwrap_or_default();
        if !FILE_KEYS.contains(&k.as_str()) && !k.starts_with("x-") {
            return Err(format!("{path}: `{k}` is not a compose file key"));
        }
    }
    match doc.get(&key("services")) {
        Some(Yaml::Hash(_)) => Ok(doc),
        Some(_) => Err(format!("{path}: `services` is not a mapping of services")),
        None => Err(format!("{path}: no `services:` mapping")),
    }
}

/// The services of a loaded file: (name, as written, merge keys applied and checked).
fn services(path: &str, doc: &Hash) -> Result<Vec<(String, Hash, Hash)>, String> {
    let Some(Yaml::Hash(svcs)) = doc.get(&key("services")) else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for (name, node) in svcs {
        let name = argv::scalar(name).unwrap_or_default();
        if name.starts_with("x-") {
            continue;
        }
        let raw = match node {
            Yaml::Hash(h) => h.clone(),
            _ => return Err(format!("{path}: service '{name}' is not a mapping")),
        };
        let Yaml::Hash(merged) = merge::merge_keys(node) else {
            unreachable!("a mapping stays a mapping");
        };
        for k in merged.keys() {
            let k = argv::scalar(k).unwrap_or_default();
            if !SERVICE_KEYS.contains(&k.as_str()) && !k.starts_with("x-") {
                return Err(format!(
                    "{path}: service '{name}': `{k}` is not a compose service key"
                ));
            }
        }
        out.push((name, raw, merged));
    }
    Ok(out)
}

fn interpolated(path: &str, name: &str, h: &Hash, env: &Env) -> Result<Hash, String> {
    match interpolate::node(&Yaml::Hash(h.clone()), env) {
        Ok(Yaml::Hash(h)) => Ok(h),
        Ok(_) => unreachable!("a mapping stays a mapping"),
        Err(e) => Err(format!("{path}: service '{name}': {e}")),
    }
}

/// Compose v2's project name: lowercase letters, digits, `-` and `_`.
fn project_name(raw: &str) -> String {
    let s: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    s.trim_start_matches(['-', '_']).to_owned()
}

/// Reads a file named by `extends.file`.
pub type Reader<'a> = &'a dyn Fn(&Path) -> Result<String, String>;

/// Every service of the files (later files override earlier ones, as `-f`
/// does), with `${VAR}` interpolated from `env`.
pub fn targets(files: &[ComposeFile], env: &Env) -> Result<Vec<Target>, String> {
    targets_with(files, env, &|p: &Path| {
        Err(format!("{}: extends.file is not read here", p.display()))
    })
}

/// A carriage return not followed by a line feed (classic Mac line ends): YAML
/// reads it as a line break, line-based editing would not, so the fix could
/// not be written back. Refused with the line to look at.
pub(crate) fn lone_cr(path: &str, text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    match (0..b.len()).find(|&i| b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
        Some(i) => Err(format!(
            "{path}: line {}: a carriage return without a line feed (old Mac line ends): use LF or CRLF line ends",
            text[..i].lines().count().max(1)
        )),
        None => Ok(()),
    }
}

/// A service merged over all files: its settings, and the last file defining it.
struct Merged {
    name: String,
    node: Hash,
    file: usize,
    raw: Hash,
}

/// [`targets`], reading `extends.file` with `read`.
pub fn targets_with(
    files: &[ComposeFile],
    env: &Env,
    read: Reader<'_>,
) -> Result<Vec<Target>, String> {
    let mut merged: Vec<Merged> = Vec::new();
    let mut name_key = None;
    for (i, f) in files.iter().enumerate() {
        lone_cr(&f.path, &f.text)?;
        let doc = load(&f.path, &f.text)?;
        if let Some(n) = doc.get(&key("name")).and_then(argv::scalar) {
            name_key =
                Some(interpolate::text(&n, env).map_err(|e| format!("{}: name: {e}", f.path))?);
        }
        for (name, raw, node) in services(&f.path, &doc)? {
            let node = interpolated(&f.path, &name, &node, env)?;
            match merged.iter_mut().find(|m| m.name == name) {
                Some(m) => {
                    m.node = merge::service(&m.node, &node);
                    m.file = i;
                    m.raw = raw;
                }
                None => merged.push(Merged {
                    name,
                    node,
                    file: i,
                    raw,
                }),
            }
        }
    }
    let Some(first) = files.first() else {
        return Err("no compose file".into());
    };
    let project = env
        .get("COMPOSE_PROJECT_NAME")
        .filter(|n| !n.is_empty())
        .cloned()
        .or(name_key)
        .unwrap_or_else(|| {
            first
                .dir
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        });
    let project = project_name(&project);
    let all: Vec<(String, Hash)> = merged
        .iter()
        .map(|m| (m.name.clone(), m.node.clone()))
        .collect();
    let mut out = Vec::new();
    for m in &merged {
        let file = &files[m.file];
        let node = extended(&m.node, &all, &file.dir, env, read, 0)
            .map_err(|e| format!("{}: service '{}': {e}", file.path, m.name))?;
        out.push(target(m, &node, file, &first.dir, &project, env));
    }
    Ok(out)
}

/// The service with its `extends` chain merged under it.
fn extended(
    node: &Hash,
    all: &[(String, Hash)],
    dir: &Path,
    env: &Env,
    read: Reader<'_>,
    depth: usize,
) -> Result<Hash, String> {
    let Some(ext) = node.get(&key("extends")) else {
        return Ok(node.clone());
    };
    if depth > 16 {
        return Err("`extends` loops".into());
    }
    let (base, file) = match ext {
        Yaml::Hash(h) => (
            h.get(&key("service")).and_then(argv::scalar),
            h.get(&key("file")).and_then(argv::scalar),
        ),
        other => (argv::scalar(other), None),
    };
    let base = base.ok_or("`extends` names no service")?;
    let (base_node, base_all, base_dir) = match file {
        Some(f) => {
            let path = dir.join(&f);
            let text = read(&path)?;
            let shown = path.display().to_string();
            let doc = load(&shown, &text)?;
            let mut svcs = Vec::new();
            let dir = path.parent().map_or(dir.to_path_buf(), Path::to_path_buf);
            for (n, _, h) in services(&shown, &doc)? {
                let mut h = interpolated(&shown, &n, &h, env)?;
                argv::rebase(&mut h, &dir, env);
                svcs.push((n, h));
            }
            let found = svcs.iter().find(|(n, _)| *n == base).map(|s| s.1.clone());
            (found, svcs, dir)
        }
        None => (
            all.iter().find(|(n, _)| *n == base).map(|s| s.1.clone()),
            all.to_vec(),
            dir.to_path_buf(),
        ),
    };
    let base_node = base_node.ok_or_else(|| format!("`extends`: no service '{base}'"))?;
    let base_node = extended(&base_node, &base_all, &base_dir, env, read, depth + 1)?;
    let mut own = node.clone();
    own.remove(&key("extends"));
    Ok(merge::service(&base_node, &own))
}

fn target(
    m: &Merged,
    node: &Hash,
    file: &ComposeFile,
    dir: &Path,
    project: &str,
    env: &Env,
) -> Target {
    let cx = argv::Ctx {
        name: &m.name,
        project,
        dir,
        env,
    };
    let span = spans::services(&file.text)
        .into_iter()
        .find(|(n, _)| *n == m.name)
        .map(|(_, s)| s)
        .unwrap_or_default();
    let mut service = Service {
        name: m.name.clone(),
        path: file.path.clone(),
        text: file.text.clone(),
        node: Box::new(m.raw.clone()),
        merged_in: Box::new(match merge::merge_keys(&Yaml::Hash(m.raw.clone())) {
            Yaml::Hash(all) => all
                .into_iter()
                .filter(|(k, _)| !m.raw.contains_key(k))
                .collect(),
            _ => Hash::new(),
        }),
        span: Box::new(span),
        sources: vec![],
    };
    let run = argv::argv(node, &cx).and_then(|(words, placed)| {
        let run = super::from_argv(words).map_err(|e| e.to_string())?;
        // Every option but the `-d` that starts each line came from a key.
        let options: Vec<_> = run
            .spec
            .options
            .iter()
            .filter(|o| o.name != "detach")
            .collect();
        if options.len() == placed.len() {
            let here = interpolated("", "", &m.raw, env).unwrap_or_else(|_| m.raw.clone());
            service.sources = options
                .into_iter()
                .zip(placed)
                .map(|(o, p)| Source {
                    name: o.name.clone(),
                    value: o.value.clone(),
                    at: locate(&here, node, &p.key, &p.item),
                    key: p.key,
                })
                .collect();
        }
        Ok(run)
    });
    let looks_systemd = run.as_ref().is_ok_and(|r| looks_systemd(&r.spec));
    Target {
        name: m.name.clone(),
        run,
        looks_systemd,
        origin: Origin::Compose(service),
    }
}

/// Where the merged service's `key` (`item`) is in the file's own service
/// (`here`, interpolated), if it is there.
fn locate(here: &Hash, merged: &Hash, k: &str, item: &Item) -> Option<At> {
    let own = here.get(&key(k))?;
    match item {
        Item::Whole => (merged.get(&key(k)) == Some(own)).then_some(At::Key),
        Item::Seq(y) => match own {
            Yaml::Array(a) => a.iter().position(|i| i == y).map(At::Entry),
            other => (other == y).then_some(At::Key),
        },
        Item::Entry(name) => match own {
            Yaml::Hash(h) => h
                .keys()
                .position(|x| argv::scalar(x).as_deref() == Some(name))
                .map(At::Entry),
            Yaml::Array(a) => a
                .iter()
                .position(|i| argv::scalar(i).is_some_and(|s| s.split('=').next() == Some(name)))
                .map(At::Entry),
            _ => None,
        },
    }
}

/// The service's own settings say it runs systemd.
fn looks_systemd(spec: &RunSpec) -> bool {
    pid1(spec).is_some_and(|c| is_init(c) || c == "init")
        || spec.stop_signal.as_deref().is_some_and(is_rtmin3)
        || spec.cgroup_binds().next().is_some()
        || spec.env_container.is_some()
        || spec.has_tmpfs("/run")
}

/// The variables of a `.env` file, as Compose reads them.
pub fn dotenv(text: &str) -> BTreeMap<String, String> {
    interpolate::dotenv(text)
}

/// A mapping key as text.
pub(crate) fn key_name(k: &Yaml) -> String {
    argv::scalar(k).unwrap_or_default()
}

#[cfg(test)]
mod lone_cr_tests {
    use super::*;

    #[test]
    fn a_lone_carriage_return_is_refused_crlf_is_not() {
        assert!(lone_cr("f", "a: 1\r\nb: 2\r\n").is_ok());
        let e = lone_cr("f", "a: 1\nb: 2\rc: 3\n").unwrap_err();
        assert!(
            e.starts_with("f: line 2: a carriage return without a line feed"),
            "{e}"
        );
        let files = [ComposeFile {
            path: "c.yml".into(),
            dir: std::path::PathBuf::from("/p"),
            text: "services:\r  s:\n    image: i\n".into(),
        }];
        assert!(targets(&files, &Env::new())
            .unwrap_err()
            .contains("carriage return"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> ComposeFile {
        ComposeFile {
            path: path.into(),
            dir: PathBuf::from("/srv/My.Proj"),
            text: text.into(),
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn one(text: &str) -> Target {
        let mut t = targets(&[file("compose.yml", text)], &env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(t.len(), 1);
        t.remove(0)
    }

    fn argv(t: &Target) -> Vec<String> {
        t.run.as_ref().unwrap().argv.clone()
    }

    #[test]
    fn keys_become_the_options_compose_sets() {
        let t = one(
            "services:\n  s:\n    image: img\n    privileged: true\n    init: false\n    cgroup: host\n    user: 0\n    read_only: true\n    security_opt: [seccomp=unconfined]\n    cap_add: [SYS_ADMIN]\n    cap_drop: [NET_RAW]\n    stop_signal: RTMIN+3\n    userns_mode: host\n    runtime: runc\n    cgroup_parent: p.slice\n    container_name: c1\n    hostname: h\n    pid: host\n    ipc: host\n    network_mode: host\n    devices: [/dev/fuse]\n    sysctls: {net.ipv4.ip_forward: 1}\n    shm_size: 64m\n    mem_limit: 1g\n    ports: [\"8080:80\", {target: 22, published: 2222, protocol: tcp}]\n    env_file: [.env, {path: conf/extra.env}]\n    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 4096}\n    tmpfs: /run\n    entrypoint: /usr/bin/env A=1\n    command: [\"/sbin/init\", \"--log-level=debug\"]\n",
        );
        let s = &t.run.as_ref().unwrap().spec;
        assert!(s.privileged && !s.init && s.read_only);
        assert_eq!(s.cgroupns.as_deref(), Some("host"));
        assert_eq!(s.user.as_deref(), Some("0"));
        assert_eq!(s.security_opt, ["seccomp=unconfined"]);
        assert_eq!(
            (s.cap_add.as_slice(), s.cap_drop.as_slice()),
            (&["SYS_ADMIN".to_owned()][..], &["NET_RAW".to_owned()][..])
        );
        assert_eq!(s.stop_signal.as_deref(), Some("RTMIN+3"));
        assert_eq!(s.userns.as_deref(), Some("host"));
        assert_eq!(s.cgroup_parent.as_deref(), Some("p.slice"));
        assert!(s.has_tmpfs("/run"));
        assert_eq!(
            s.env_files,
            ["/srv/My.Proj/.env", "/srv/My.Proj/conf/extra.env"]
        );
        assert_eq!(s.entrypoint.as_deref(), Some("/usr/bin/env"));
        assert_eq!(s.image, "img");
        assert_eq!(s.args, ["A=1", "/sbin/init", "--log-level=debug"]);
        let a = argv(&t).join(" ");
        for want in [
            "--name c1",
            "--hostname h",
            "--pid host",
            "--ipc host",
            "--network host",
            "--device /dev/fuse",
            "--sysctl net.ipv4.ip_forward=1",
            "--shm-size 64m",
            "--memory 1g",
            "--publish 8080:80",
            "--publish 2222:22/tcp",
            "--ulimit nofile=1024:2048",
            "--ulimit nproc=4096",
            "--runtime runc",
            "--init=false",
        ] {
            assert!(a.contains(want), "{want} not in {a}");
        }
    }

    #[test]
    fn short_and_long_volumes() {
        let t = one(
            "services:\n  s:\n    image: img\n    volumes:\n      - ./data:/data:ro\n      - ../up:/up\n      - ~/cache:/cache\n      - named:/named\n      - /anon\n      - /sys/fs/cgroup:/sys/fs/cgroup:rw\n      - type: bind\n        source: ./conf\n        target: /etc/x\n        read_only: true\n        bind:\n          propagation: rslave\n      - type: tmpfs\n        target: /run\n        tmpfs:\n          size: 65536\n      - {type: volume, source: v, target: /v}\n",
        );
        let a = argv(&t);
        let vols: Vec<&str> = a
            .windows(2)
            .filter(|w| w[0] == "--volume" || w[0] == "--mount")
            .map(|w| w[1].as_str())
            .collect();
        assert_eq!(
            vols,
            [
                "/srv/My.Proj/data:/data:ro",
                "/srv/up:/up",
                "/home/u/cache:/cache",
                "named:/named",
                "/anon",
                "/sys/fs/cgroup:/sys/fs/cgroup:rw",
                "type=bind,source=/srv/My.Proj/conf,target=/etc/x,readonly,bind-propagation=rslave",
                "type=tmpfs,target=/run,tmpfs-size=65536",
                "type=volume,source=v,target=/v",
            ]
        );
        let s = &t.run.as_ref().unwrap().spec;
        assert!(s.has_tmpfs("/run"));
        assert_eq!(s.cgroup_binds().count(), 1);
        assert!(s.mounts.iter().any(|m| m.target == "/etc/x" && m.read_only));
    }

    #[test]
    fn environment_forms_and_interpolation() {
        let text = "services:\n  s:\n    image: ${REG:-docker.io}/img:${TAG:?set TAG}\n    environment:\n      - container=docker\n      - FROM_ENV\n      - NOT_SET\n      - PRICE=$$5\n    command: sh -c 'echo \"a b\"'\n";
        let e = env(&[("TAG", "12"), ("FROM_ENV", "x y")]);
        let t = &targets(&[file("c.yml", text)], &e).unwrap()[0];
        let a = argv(t);
        assert_eq!(t.image(), Some("docker.io/img:12"));
        let envs: Vec<&str> = a
            .windows(2)
            .filter(|w| w[0] == "--env")
            .map(|w| w[1].as_str())
            .collect();
        assert_eq!(envs, ["container=docker", "FROM_ENV=x y", "PRICE=$5"]);
        assert_eq!(a[a.len() - 3..], ["sh", "-c", "echo \"a b\""]);
        let err = targets(&[file("c.yml", text)], &Env::new()).unwrap_err();
        assert_eq!(
            err,
            "c.yml: service 's': required variable TAG is missing a value: set TAG"
        );
        let map = one("services:\n  s:\n    image: i\n    environment:\n      container: podman\n      EMPTY:\n");
        assert_eq!(
            map.run.unwrap().spec.env_container.as_deref(),
            Some("podman")
        );
    }

    #[test]
    fn build_without_image_names_the_image_as_compose_v2() {
        let t = one("services:\n  Web_1:\n    build: .\n");
        assert_eq!(t.image(), Some("myproj-Web_1"));
        let named = targets(
            &[file(
                "c.yml",
                "name: Other\nservices:\n  w:\n    build: .\n",
            )],
            &Env::new(),
        )
        .unwrap();
        assert_eq!(named[0].image(), Some("other-w"));
        let none = one("services:\n  w:\n    restart: always\n");
        assert!(none
            .run
            .unwrap_err()
            .contains("neither `image` nor `build`"));
    }

    #[test]
    fn refusals_are_one_line() {
        let bad_yaml = targets(
            &[file("c.yml", "services:\n  s:\n    image: [a\n")],
            &Env::new(),
        )
        .unwrap_err();
        assert!(bad_yaml.starts_with("c.yml: line "), "{bad_yaml}");
        assert!(bad_yaml.contains(" col "), "{bad_yaml}");
        assert!(!bad_yaml.contains('\n'));
        let no_services =
            targets(&[file("c.yml", "volumes:\n  v: {}\n")], &Env::new()).unwrap_err();
        assert_eq!(no_services, "c.yml: no `services:` mapping");
        let key = targets(
            &[file(
                "c.yml",
                "services:\n  s:\n    image: i\n    privilged: true\n",
            )],
            &Env::new(),
        )
        .unwrap_err();
        assert_eq!(
            key,
            "c.yml: service 's': `privilged` is not a compose service key"
        );
        let top = targets(&[file("c.yml", "service:\n  s: {}\n")], &Env::new()).unwrap_err();
        assert_eq!(top, "c.yml: `service` is not a compose file key");
        // Extensions are allowed everywhere.
        let ok = targets(
            &[file(
                "c.yml",
                "x-a: 1\nservices:\n  x-b: {}\n  s:\n    image: i\n    x-c: 2\n",
            )],
            &Env::new(),
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
    }

    #[test]
    fn later_files_merge_over_earlier_ones() {
        let base = file("a.yml", "services:\n  s:\n    image: old\n    privileged: true\n    cap_add: [SYS_ADMIN]\n    tmpfs: /tmp\n    volumes: [\"/sys/fs/cgroup:/sys/fs/cgroup:ro\", \"d:/d\"]\n    environment: {A: \"1\", B: \"2\"}\n    command: [old]\n  other:\n    image: o\n");
        let over = file("b.yml", "services:\n  s:\n    image: new\n    cap_add: [NET_ADMIN, SYS_ADMIN]\n    tmpfs: [/run]\n    volumes: [\"/sys/fs/cgroup:/sys/fs/cgroup:rw\"]\n    environment: [B=3, container=docker]\n    command: /sbin/init\n");
        let t = targets(&[base, over], &Env::new()).unwrap();
        assert_eq!(
            t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["s", "other"]
        );
        let a = argv(&t[0]).join(" ");
        assert_eq!(
            a,
            "docker run -d --privileged --tmpfs /tmp --tmpfs /run --cap-add SYS_ADMIN --cap-add NET_ADMIN \
             --volume /sys/fs/cgroup:/sys/fs/cgroup:rw --volume d:/d --env A=1 --env B=3 --env container=docker new /sbin/init"
        );
        let Origin::Compose(s) = &t[0].origin else {
            panic!()
        };
        assert_eq!(s.path, "b.yml");
        // privileged came from a.yml: not in b.yml's own service.
        let privileged = s.sources.iter().find(|x| x.key == "privileged").unwrap();
        assert_eq!(privileged.at, None);
        let run = s
            .sources
            .iter()
            .find(|x| x.value.as_deref() == Some("/run"))
            .unwrap();
        assert_eq!(run.at, Some(At::Entry(0)));
        let tmp = s
            .sources
            .iter()
            .find(|x| x.value.as_deref() == Some("/tmp"))
            .unwrap();
        assert_eq!(tmp.at, None);
    }

    #[test]
    fn extends_and_merge_keys() {
        let text = "x-sd: &sd\n  stop_signal: SIGRTMIN+3\n  tmpfs: [/run]\nservices:\n  base:\n    image: b\n    cap_add: [SYS_ADMIN]\n    command: /sbin/init\n  child:\n    <<: *sd\n    extends: base\n    image: c\n  far:\n    extends: {service: remote, file: sub/other.yml}\n";
        let read = |p: &Path| {
            assert_eq!(p, Path::new("/srv/My.Proj/sub/other.yml"));
            Ok("services:\n  remote:\n    image: r\n    volumes: [./x:/x]\n    extends: root\n  root:\n    privileged: true\n".to_owned())
        };
        let t = targets_with(&[file("c.yml", text)], &Env::new(), &read).unwrap();
        let child = argv(&t[1]).join(" ");
        assert_eq!(
            child,
            "docker run -d --stop-signal SIGRTMIN+3 --tmpfs /run --cap-add SYS_ADMIN c /sbin/init"
        );
        // extends.file: paths there start at that file's directory.
        let far = argv(&t[2]).join(" ");
        assert_eq!(
            far,
            "docker run -d --privileged --volume /srv/My.Proj/sub/x:/x r"
        );
        let missing = targets(
            &[file("c.yml", "services:\n  a:\n    extends: nope\n")],
            &Env::new(),
        )
        .unwrap_err();
        assert_eq!(missing, "c.yml: service 'a': `extends`: no service 'nope'");
        let cycle = targets(
            &[file(
                "c.yml",
                "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
            )],
            &Env::new(),
        )
        .unwrap_err();
        assert!(cycle.ends_with("`extends` loops"), "{cycle}");
    }

    #[test]
    fn looks_systemd_by_its_own_settings() {
        for (svc, want) in [
            ("command: /sbin/init", true),
            ("command: [/lib/systemd/systemd, --system]", true),
            ("entrypoint: /usr/lib/systemd/systemd", true),
            ("command: init", true),
            ("command: systemd", true),
            ("stop_signal: SIGRTMIN+3", true),
            ("stop_signal: RTMIN+3", true),
            ("volumes: [/sys/fs/cgroup:/sys/fs/cgroup:ro]", true),
            ("environment: [container=docker]", true),
            ("tmpfs: [/run]", true),
            ("tmpfs: [/tmp]", false),
            ("command: redis-server --appendonly yes", false),
            ("stop_signal: SIGTERM", false),
        ] {
            let t = one(&format!("services:\n  s:\n    image: i\n    {svc}\n"));
            assert_eq!(t.looks_systemd, want, "{svc}");
        }
    }
}
