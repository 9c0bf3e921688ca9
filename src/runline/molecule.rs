//! molecule.yml: each platform as the run line its driver makes.
//!
//! The mapping follows molecule-plugins v26.7.15: the docker driver's
//! `playbooks/create.yml` (community.docker.docker_container) and its
//! `schema/driver.json`; the podman driver's `create.yml` and schema.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{Yaml, YamlLoader};

use super::target::{Origin, Target};
use crate::facts::run::Client;

/// What create.yml runs when `override_command` is on and `command` is absent.
pub const DEFAULT_COMMAND: &str = "bash -c \"while true; do sleep 10000; done\"";

/// The platform keys of the docker driver's schema (additionalProperties: false).
pub(crate) const DOCKER_KEYS: &[&str] = &[
    "buildargs",
    "cacert_path",
    "cache_from",
    "capabilities",
    "cert_path",
    "cgroupns_mode",
    "command",
    "command_handling",
    "container_default_behavior",
    "devices",
    "dns_servers",
    "docker_host",
    "docker_networks",
    "dockerfile",
    "env",
    "etc_hosts",
    "exposed_ports",
    "force",
    "force_kill",
    "groups",
    "hostname",
    "image",
    "keep_volumes",
    "key_path",
    "kill_signal",
    "labels",
    "links",
    "memory",
    "memory_swap",
    "mounts",
    "name",
    "network_mode",
    "networks",
    "networks_cli_compatible",
    "override_command",
    "pid_mode",
    "platform",
    "pre_build_image",
    "privileged",
    "published_ports",
    "pull",
    "purge_networks",
    "registry",
    "restart_policy",
    "restart_retries",
    "runtime",
    "security_opts",
    "shm_size",
    "stop_signal",
    "sysctls",
    "tls_verify",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "volumes",
];

/// The platform keys of the podman driver's schema.
pub(crate) const PODMAN_KEYS: &[&str] = &[
    "buildargs",
    "capabilities",
    "cert_path",
    "cgroup_manager",
    "command",
    "detach",
    "devices",
    "dns_servers",
    "dockerfile",
    "env",
    "etc_hosts",
    "exposed_ports",
    "extra_opts",
    "groups",
    "hostname",
    "image",
    "ip",
    "name",
    "network",
    "override_command",
    "pid_mode",
    "pre_build_image",
    "privileged",
    "published_ports",
    "pull",
    "registry",
    "restart_policy",
    "restart_retries",
    "rootless",
    "security_opts",
    "storage_driver",
    "storage_opt",
    "systemd",
    "tls_verify",
    "tmpfs",
    "tty",
    "ulimits",
    "volumes",
];

/// A platform entry as written, for the fix in molecule form.
#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    pub name: String,
    /// The molecule.yml it came from.
    pub path: String,
    /// Which driver makes it: docker or podman.
    pub client: Client,
    /// The entry as molecule reads it (after `${VAR}` interpolation).
    pub node: Yaml,
    /// Each key's text as written (before interpolation, comments and
    /// quoting kept), re-indented to a `- ` list entry; `None` when the
    /// entry cannot be cut into one block per key (flow style).
    pub written: Option<Vec<(String, String)>>,
    /// What the report should say besides the checks.
    pub notes: Vec<String>,
}

impl Platform {
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.node
            .as_hash()
            .and_then(|h| h.get(&Yaml::String(key.to_owned())))
    }
}

/// Every platform of a molecule.yml, with `${VAR}` taken from `env` (molecule
/// interpolates the file's text before reading it as YAML).
pub fn targets(
    path: &str,
    text: &str,
    env: &BTreeMap<String, String>,
) -> Result<Vec<Target>, String> {
    let mut env = env.clone();
    // Set by molecule itself (over the environment) for its second read.
    let scenario_dir = std::path::Path::new(path)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let scenario = std::path::Path::new(&scenario_dir)
        .file_name()
        .map_or_else(|| "default".into(), |n| n.to_string_lossy().into_owned());
    for (k, v) in [
        ("MOLECULE_SCENARIO_NAME", scenario),
        ("MOLECULE_SCENARIO_DIRECTORY", scenario_dir),
        ("MOLECULE_FILE", path.to_owned()),
    ] {
        env.insert(k.into(), v);
    }
    super::compose::lone_cr(path, text)?;
    let read = interpolate(text, &env).map_err(|e| format!("{path}: {e}"))?;
    let doc = load(&read).map_err(|e| format!("{path}: {e}"))?;
    let client = driver(&doc).map_err(|e| format!("{path}: {e}"))?;
    let Some(platforms) = doc["platforms"].as_vec().filter(|v| !v.is_empty()) else {
        return Err(format!(
            "{path}: no `platforms` list: a molecule.yml names at least one platform"
        ));
    };
    // The entries as written, when the raw text is YAML with the same shape.
    let written = written_entries(text).filter(|w| w.len() == platforms.len());
    let platforms: Vec<Yaml> = platforms.iter().cloned().map(merge_keys).collect();
    let mut out = Vec::new();
    for (i, node) in platforms.iter().enumerate() {
        let written = written
            .as_ref()
            .and_then(|w| w[i].clone())
            .filter(|w| same_keys(w, node));
        out.push(target(path, client, node, written)?);
    }
    Ok(out)
}

/// YAML 1.1 merge keys (`<<: *base`), which molecule's PyYAML applies and
/// yaml-rust2 does not: the entry's own keys win, then the first map merged.
fn merge_keys(y: Yaml) -> Yaml {
    match y {
        Yaml::Hash(h) => {
            let merge = Yaml::String("<<".into());
            let mut out = yaml_rust2::yaml::Hash::new();
            let bases: Vec<Yaml> = match h.get(&merge) {
                Some(Yaml::Hash(_)) => vec![h[&merge].clone()],
                Some(Yaml::Array(a)) => a.clone(),
                _ => vec![],
            };
            for base in bases.into_iter().rev().map(merge_keys) {
                if let Yaml::Hash(b) = base {
                    out.extend(b);
                }
            }
            for (k, v) in h {
                if k != merge || !matches!(v, Yaml::Hash(_) | Yaml::Array(_)) {
                    out.insert(k, merge_keys(v));
                }
            }
            Yaml::Hash(out)
        }
        Yaml::Array(a) => Yaml::Array(a.into_iter().map(merge_keys).collect()),
        other => other,
    }
}

fn same_keys(written: &[(String, String)], node: &Yaml) -> bool {
    let Some(h) = node.as_hash() else {
        return false;
    };
    h.len() == written.len()
        && h.keys()
            .zip(written)
            .all(|(k, (w, _))| k.as_str() == Some(w.as_str()))
}

/// One YAML document; a parse error with its line and column.
pub(crate) fn load(text: &str) -> Result<Yaml, String> {
    let mut docs = YamlLoader::load_from_str(text).map_err(|e| {
        format!(
            "not YAML: {} at line {} column {}",
            e.info(),
            e.marker().line(),
            e.marker().col() + 1
        )
    })?;
    if docs.is_empty() {
        return Err("empty file".into());
    }
    Ok(docs.swap_remove(0))
}

fn driver(doc: &Yaml) -> Result<Client, String> {
    if doc.as_hash().is_none() {
        return Err("not a molecule.yml: the top level is not a mapping".into());
    }
    match doc["driver"]["name"].as_str() {
        Some("docker") => Ok(Client::Docker),
        Some("podman") => Ok(Client::Podman),
        Some(other) => Err(format!(
            "driver '{other}': only docker and podman platforms are containers the doctor can judge"
        )),
        None => Err(
            "no `driver: name:`: molecule's default driver is not a container driver (set `driver: {name: docker}`)"
                .into(),
        ),
    }
}

/// A scalar as docker_container receives it (YAML ints and bools as text).
fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

struct Entry<'a> {
    name: &'a str,
    node: &'a Yaml,
}

impl Entry<'_> {
    fn get(&self, key: &str) -> Option<&Yaml> {
        self.node
            .as_hash()
            .and_then(|h| h.get(&Yaml::String(key.to_owned())))
    }

    fn bad(&self, key: &str, what: &str) -> String {
        format!("platform '{}': `{key}` must be {what}", self.name)
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        self.get(key)
            .map(|y| scalar(y).ok_or_else(|| self.bad(key, "a string")))
            .transpose()
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Yaml::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(self.bad(key, "true or false")),
        }
    }

    fn list(&self, key: &str) -> Result<Vec<String>, String> {
        match self.get(key) {
            None => Ok(vec![]),
            Some(Yaml::Array(a)) => a
                .iter()
                .map(|y| scalar(y).ok_or_else(|| self.bad(key, "a list of strings")))
                .collect(),
            Some(_) => Err(self.bad(key, "a list")),
        }
    }

    fn map(&self, key: &str) -> Result<Vec<(String, String)>, String> {
        match self.get(key) {
            None => Ok(vec![]),
            Some(Yaml::Hash(h)) => h
                .iter()
                .map(|(k, v)| match (scalar(k), scalar(v)) {
                    (Some(k), Some(v)) => Ok((k, v)),
                    _ => Err(self.bad(key, "a mapping of strings")),
                })
                .collect(),
            Some(_) => Err(self.bad(key, "a mapping")),
        }
    }
}

fn target(
    path: &str,
    client: Client,
    node: &Yaml,
    written: Option<Vec<(String, String)>>,
) -> Result<Target, String> {
    let Some(hash) = node.as_hash() else {
        return Err(format!("{path}: a platform is not a mapping"));
    };
    let Some(name) = hash
        .get(&Yaml::String("name".into()))
        .and_then(scalar)
        .filter(|n| !n.is_empty())
    else {
        return Err(format!("{path}: a platform has no `name`"));
    };
    let known = match client {
        Client::Docker => DOCKER_KEYS,
        Client::Podman => PODMAN_KEYS,
    };
    for k in hash.keys() {
        let k = scalar(k).unwrap_or_default();
        if !known.contains(&k.as_str()) {
            let driver = if client == Client::Docker {
                "docker"
            } else {
                "podman"
            };
            return Err(format!(
                "{path}: platform '{name}': unknown key '{k}' (the molecule {driver} driver's schema does not allow it, and molecule refuses the file)"
            ));
        }
    }
    let e = Entry { name: &name, node };
    let argv = run_argv(&e, client).map_err(|m| format!("{path}: {m}"))?;
    let mut notes = Vec::new();
    let run = super::from_argv(argv).map_err(|err| err.to_string());
    if !e.boolean("pre_build_image")?.unwrap_or(false) {
        let image = e.string("image")?.unwrap_or_default();
        notes.push(format!(
            "pre_build_image is false: molecule runs molecule_local/{image}, built from {} FROM {}; judged here: that base image",
            e.string("dockerfile")?.unwrap_or_else(|| "Dockerfile.j2".into()),
            judged_image(&e)?,
        ));
    }
    let looks_systemd = run.as_ref().is_ok_and(|r| looks_systemd(&r.spec));
    Ok(Target {
        name: name.clone(),
        run,
        looks_systemd,
        origin: Origin::Molecule(Platform {
            name,
            path: path.to_owned(),
            client,
            node: node.clone(),
            written,
            notes,
        }),
    })
}

/// The run line of a platform as read (for the render back to compare with).
pub(crate) fn platform_run(p: &Platform) -> Result<crate::facts::run::RunFacts, String> {
    let e = Entry {
        name: &p.name,
        node: &p.node,
    };
    let argv = run_argv(&e, p.client)?;
    super::from_argv(argv).map_err(|err| err.to_string())
}

/// A hint only: every platform is judged. The image's own CMD (no command)
/// is a systemd image's usual way to boot.
fn looks_systemd(spec: &crate::facts::run::RunSpec) -> bool {
    spec.args.is_empty()
        || spec
            .args
            .first()
            .is_some_and(|a| super::systemd::is_init(a))
        || spec.cgroup_binds().next().is_some()
        || spec.has_tmpfs("/run")
        || spec.env_container.is_some()
}

/// The command create.yml gives docker_container, split as its
/// `command_handling: compatibility` does (an empty one leaves the image's CMD).
fn command(e: &Entry<'_>, client: Client) -> Result<Vec<String>, String> {
    if !e.boolean("override_command")?.unwrap_or(true) {
        return Ok(vec![]);
    }
    let text = match e.get("command") {
        None => DEFAULT_COMMAND.to_owned(),
        Some(Yaml::Array(a)) if client == Client::Podman => {
            let words: Option<Vec<String>> = a.iter().map(scalar).collect();
            return words.ok_or_else(|| e.bad("command", "a string or a list of strings"));
        }
        Some(Yaml::Null) => String::new(),
        Some(y) => scalar(y).ok_or_else(|| e.bad("command", "a string"))?,
    };
    shlex::split(&text).ok_or_else(|| {
        format!(
            "platform '{}': `command` cannot be split into words (unbalanced quotes?): {text}",
            e.name
        )
    })
}

/// The run line the driver's create.yml makes.
fn run_argv(e: &Entry<'_>, client: Client) -> Result<Vec<String>, String> {
    let mut a: Vec<String> = match client {
        Client::Docker => vec!["docker".into()],
        // create.yml passes it among podman's own options.
        Client::Podman => match e.string("cgroup_manager")? {
            Some(m) => vec!["podman".into(), format!("--cgroup-manager={m}")],
            None => vec!["podman".into()],
        },
    };
    a.extend(["run".into(), "-d".into()]);
    let mut opt = |name: &str, value: String| {
        a.push(format!("--{name}"));
        a.push(value);
    };
    opt("name", e.name.to_owned());
    opt(
        "hostname",
        e.string("hostname")?.unwrap_or_else(|| e.name.to_owned()),
    );
    if let Some(m) = e.string("cgroupns_mode")? {
        opt("cgroupns", m);
    }
    for v in e.list("volumes")? {
        opt("volume", v);
    }
    for m in mounts(e)? {
        opt("mount", m);
    }
    for t in e.list("tmpfs")? {
        opt("tmpfs", t);
    }
    for c in e.list("capabilities")? {
        opt("cap-add", c);
    }
    for s in e.list("security_opts")? {
        opt("security-opt", s);
    }
    for (k, v) in e.map("env")? {
        opt("env", format!("{k}={v}"));
    }
    if let Some(u) = e.string("user")? {
        opt("user", u);
    }
    for u in e.list("ulimits")? {
        opt(
            "ulimit",
            ulimit(&u).ok_or_else(|| e.bad("ulimits", "NAME:SOFT[:HARD] items"))?,
        );
    }
    for p in e.list("exposed_ports")? {
        opt("expose", p);
    }
    for p in e.list("published_ports")? {
        opt("publish", p);
    }
    if let Some(n) = e.string("network_mode")?.or(e.string("network")?) {
        opt("network", n);
    }
    if let Some(Yaml::Array(nets)) = e.get("networks") {
        for n in nets {
            if let Some(name) = n["name"].as_str() {
                opt("network", name.to_owned());
            }
        }
    }
    if let Some(Yaml::Hash(_)) = e.get("etc_hosts") {
        for (h, ip) in e.map("etc_hosts")? {
            opt("add-host", format!("{h}:{ip}"));
        }
    }
    for d in e.list("dns_servers")? {
        opt("dns", d);
    }
    for d in e.list("devices")? {
        opt("device", d);
    }
    for (key, flag) in [
        ("pid_mode", "pid"),
        ("runtime", "runtime"),
        ("shm_size", "shm-size"),
        ("memory", "memory"),
        ("memory_swap", "memory-swap"),
        ("stop_signal", "stop-signal"),
        ("ip", "ip"),
        ("systemd", "systemd"),
    ] {
        if let Some(v) = e.string(key)? {
            opt(flag, v);
        }
    }
    for (k, v) in e.map("sysctls")? {
        opt("sysctl", format!("{k}={v}"));
    }
    if let Some(p) = e.string("restart_policy")? {
        let v = match e.string("restart_retries")? {
            Some(n) if p == "on-failure" => format!("{p}:{n}"),
            _ => p,
        };
        opt("restart", v);
    }
    if e.boolean("privileged")? == Some(true) {
        a.push("--privileged".into());
    }
    if e.boolean("tty")? == Some(true) {
        a.push("--tty".into());
    }
    for x in e.list("extra_opts")? {
        a.extend(shlex::split(&x).unwrap_or_else(|| vec![x.clone()]));
    }
    a.push(judged_image(e)?);
    a.extend(command(e, client)?);
    Ok(a)
}

/// The image the container runs, or for a built one (`pre_build_image` not
/// true) the base its Dockerfile.j2 starts `FROM`: `registry.url/image` when
/// a registry is given, as the driver's template writes it.
fn judged_image(e: &Entry<'_>) -> Result<String, String> {
    let Some(image) = e.string("image")?.filter(|i| !i.is_empty()) else {
        return Err(format!("platform '{}': no `image`", e.name));
    };
    let built = !e.boolean("pre_build_image")?.unwrap_or(false);
    match e.get("registry").map(|r| &r["url"]).and_then(scalar) {
        Some(url) if built => Ok(format!("{}/{image}", url.trim_end_matches('/'))),
        _ => Ok(image),
    }
}

/// docker_container's `NAME:SOFT[:HARD]` as `--ulimit NAME=SOFT:HARD`.
fn ulimit(u: &str) -> Option<String> {
    let mut p = u.split(':');
    let name = p.next().filter(|n| !n.is_empty())?;
    let soft = p.next()?;
    let hard = p.next().unwrap_or(soft);
    if p.next().is_some() {
        return None;
    }
    Some(format!("{name}={soft}:{hard}"))
}

/// docker_container `mounts` entries as `--mount` values.
fn mounts(e: &Entry<'_>) -> Result<Vec<String>, String> {
    let Some(list) = e.get("mounts") else {
        return Ok(vec![]);
    };
    let Some(list) = list.as_vec() else {
        return Err(e.bad("mounts", "a list"));
    };
    let mut out = Vec::new();
    for m in list {
        let Some(target) = m["target"].as_str() else {
            return Err(e.bad("mounts", "a list of mappings with a `target`"));
        };
        let kind = m["type"].as_str().unwrap_or("volume");
        let mut v = format!("type={kind}");
        if let Some(src) = scalar(&m["source"]) {
            v.push_str(&format!(",src={src}"));
        }
        v.push_str(&format!(",dst={target}"));
        if m["read_only"].as_bool() == Some(true) {
            v.push_str(",readonly");
        }
        // community.docker >= 4.8.0 spells the API's bind options so.
        for (key, mode) in [
            ("non_recursive", "disabled"),
            ("read_only_non_recursive", "writable"),
            ("read_only_force_recursive", "readonly"),
        ] {
            if m[key].as_bool() == Some(true) {
                v.push_str(&format!(",bind-recursive={mode}"));
            }
        }
        out.push(v);
    }
    Ok(out)
}

/// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR` and `$$`, as
/// molecule's `TemplateWithDefaults` (Python's `string.Template`) does on the
/// whole file: unset is empty, and a `$` that starts none of these is an error.
pub(crate) fn interpolate(text: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (id, r) = if let Some(inner) = after.strip_prefix('{') {
            match ident(inner).filter(|n| inner[n.len()..].starts_with('}')) {
                Some(n) => (n, &inner[n.len() + 1..]),
                None => return Err(invalid(text, text.len() - rest.len() + i)),
            }
        } else {
            match ident(after) {
                Some(n) => (n, &after[n.len()..]),
                None => return Err(invalid(text, text.len() - rest.len() + i)),
            }
        };
        out.push_str(&resolve(id, env));
        rest = r;
    }
    out.push_str(rest);
    Ok(out)
}

/// `[_a-z][_a-z0-9]*(?::?-[^}]+)?`, case-insensitive: the longest match.
fn ident(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let mut n = 1 + b[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    let dash = if s[n..].starts_with(":-") {
        2
    } else if s[n..].starts_with('-') {
        1
    } else {
        0
    };
    if dash > 0 {
        let default = s[n + dash..].find('}').unwrap_or(s.len() - n - dash);
        if default > 0 {
            n += dash + default;
        }
    }
    Some(&s[..n])
}

fn resolve(named: &str, env: &BTreeMap<String, String>) -> String {
    let lookup = |d: &str| match d.strip_prefix('$') {
        Some(var) => env.get(var).cloned().unwrap_or_default(),
        None => d.to_owned(),
    };
    if let Some((var, default)) = named.split_once(":-") {
        return match env.get(var) {
            Some(v) if !v.is_empty() => v.clone(),
            _ => lookup(default),
        };
    }
    if let Some((var, default)) = named.split_once('-') {
        return env.get(var).cloned().unwrap_or_else(|| lookup(default));
    }
    env.get(named).cloned().unwrap_or_default()
}

fn invalid(text: &str, at: usize) -> String {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("invalid placeholder at line {line} column {col} (write `$$` for a literal `$`)")
}

/// An entry's keys and each key's text as written.
type Written = Vec<(String, String)>;

/// The events of the raw text with their positions.
#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.0.push((ev, mark));
    }
}

/// Each platform's keys and their text as written, cut at the positions
/// the YAML parser reports (`None` for an entry that is not a block mapping).
fn written_entries(text: &str) -> Option<Vec<Option<Written>>> {
    let mut ev = Events::default();
    Parser::new_from_str(text).load(&mut ev, false).ok()?;
    let ev = ev.0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // `platforms:` at the top level, then its sequence.
    let top = ev
        .iter()
        .position(|(e, _)| matches!(e, Event::MappingStart(..)))?;
    let mut j = top + 1;
    let mut start = None;
    while j < ev.len() && !matches!(ev[j].0, Event::MappingEnd) {
        let value = skip(&ev, j);
        if matches!(&ev[j].0, Event::Scalar(k, ..) if k == "platforms") {
            start = Some(value);
            break;
        }
        j = skip(&ev, value);
    }
    let start = start?;
    if !matches!(ev.get(start)?.0, Event::SequenceStart(..)) {
        return None;
    }
    let mut out = Vec::new();
    let mut j = start + 1;
    while j < ev.len() && !matches!(ev[j].0, Event::SequenceEnd) {
        let end = skip(&ev, j);
        out.push(entry_blocks(&ev[j..end], &lines, ev.get(end).map(|e| &e.1)));
        j = end;
    }
    Some(out)
}

/// The index after the node starting at `i`.
fn skip(ev: &[(Event, Marker)], i: usize) -> usize {
    let mut depth = 0;
    let mut j = i;
    loop {
        match ev[j].0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            _ => {}
        }
        j += 1;
        if depth == 0 {
            return j;
        }
    }
}

fn entry_blocks(
    node: &[(Event, Marker)],
    lines: &[&str],
    after: Option<&Marker>,
) -> Option<Vec<(String, String)>> {
    if !matches!(node.first()?.0, Event::MappingStart(..)) {
        return None;
    }
    // Each key: its scalar event's position.
    let mut keys: Vec<(String, &Marker)> = Vec::new();
    let mut j = 1;
    while j + 1 < node.len() {
        let Event::Scalar(k, ..) = &node[j].0 else {
            return None;
        };
        keys.push((k.clone(), &node[j].1));
        j = skip(node, j + 1);
    }
    let col = keys.first()?.1.col();
    // Block style: one key per line, all in one column.
    if keys.iter().any(|(_, m)| m.col() != col)
        || keys.windows(2).any(|w| w[0].1.line() == w[1].1.line())
    {
        return None;
    }
    let end_line = after.map_or(lines.len() + 1, Marker::line);
    let mut out = Vec::new();
    for (n, (k, m)) in keys.iter().enumerate() {
        let from = m.line();
        let to = keys.get(n + 1).map_or(end_line, |x| x.1.line());
        let mut chunk: Vec<String> = Vec::new();
        for (l, line) in lines
            .iter()
            .enumerate()
            .take(to.saturating_sub(1))
            .skip(from - 1)
        {
            let line = line.trim_end_matches(['\n', '\r']);
            let body = if l + 1 == from {
                line.chars().skip(col).collect::<String>()
            } else {
                let indent = line.len() - line.trim_start_matches(' ').len();
                line[indent.min(col)..].to_owned()
            };
            chunk.push(body);
        }
        // Comments and blank lines after the last value belong to what follows.
        while chunk
            .last()
            .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            && chunk.len() > 1
        {
            chunk.pop();
        }
        out.push((k.clone(), chunk.join("\n")));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn read(yaml: &str) -> Result<Vec<Target>, String> {
        targets("molecule/default/molecule.yml", yaml, &env(&[]))
    }

    /// One docker platform with these keys, indented under `- name: p`.
    fn one(keys: &str) -> Result<Target, String> {
        let body: String = keys.lines().map(|l| format!("    {l}\n")).collect();
        let yaml = format!("driver:\n  name: docker\nplatforms:\n  - name: p\n{body}");
        read(&yaml).map(|mut t| t.remove(0))
    }

    fn argv(keys: &str) -> Vec<String> {
        one(keys).unwrap().run.unwrap().argv
    }

    /// The words after the image.
    fn args(keys: &str) -> Vec<String> {
        one(keys).unwrap().run.unwrap().spec.args
    }

    fn has(argv: &[String], pair: &[&str]) -> bool {
        argv.windows(pair.len()).any(|w| w == pair)
    }

    const GEERLINGGUY: &str =
        include_str!("../../fixtures/molecule/geerlingguy-docker/molecule.yml");

    #[test]
    fn interpolation_follows_molecules_template() {
        let e = env(&[("SET", "v"), ("EMPTY", "")]);
        let i = |t: &str| interpolate(t, &e).unwrap();
        assert_eq!(i("${SET}-${UNSET}"), "v-");
        assert_eq!(i("${UNSET:-d} ${EMPTY:-d} ${SET:-d}"), "d d v");
        // Without the colon only an unset variable takes the default.
        assert_eq!(i("${UNSET-d}|${EMPTY-d}"), "d|");
        assert_eq!(i("${UNSET:-$SET}"), "v");
        assert_eq!(i("$SET and $$SET"), "v and $SET");
        assert_eq!(
            i(r#"command: ${MOLECULE_DOCKER_COMMAND:-""}"#),
            r#"command: """#
        );
        // string.Template's quirk: an unbraced default runs to the next `}`.
        assert_eq!(i("a: $UNSET-x y\nb: 1"), "a: x y\nb: 1");
        let err = interpolate("a: 1\nb: cost $5\n", &e).unwrap_err();
        assert!(err.contains("line 2 column 9"), "{err}");
        assert!(interpolate("${}", &e).is_err());
    }

    #[test]
    fn geerlingguy_shape_is_the_line_its_driver_makes() {
        let t = read(GEERLINGGUY).unwrap();
        assert_eq!(t.len(), 1);
        let run = t[0].run.as_ref().unwrap();
        assert_eq!(
            run.argv.join(" "),
            "docker run -d --name instance --hostname instance --cgroupns host --volume /sys/fs/cgroup:/sys/fs/cgroup:rw --privileged geerlingguy/docker-rockylinux8-ansible:latest"
        );
        // `command: ""` leaves the image's CMD: nothing after the image.
        assert!(run.spec.args.is_empty());
        assert!(t[0].looks_systemd);
        let with = targets(
            "m.yml",
            GEERLINGGUY,
            &env(&[
                ("MOLECULE_DISTRO", "debian12"),
                ("MOLECULE_DOCKER_COMMAND", "/lib/systemd/systemd"),
            ]),
        )
        .unwrap();
        let run = with[0].run.as_ref().unwrap();
        assert_eq!(run.spec.image, "geerlingguy/docker-debian12-ansible:latest");
        assert_eq!(run.spec.args, ["/lib/systemd/systemd"]);
    }

    #[test]
    fn override_command_and_the_default_keep_alive() {
        let keep_alive = ["bash", "-c", "while true; do sleep 10000; done"];
        assert_eq!(args("image: i"), keep_alive);
        assert_eq!(args("image: i\noverride_command: true"), keep_alive);
        assert!(args("image: i\noverride_command: false").is_empty());
        assert!(args("image: i\noverride_command: false\ncommand: /sbin/init").is_empty());
        assert_eq!(
            args("image: i\ncommand: /usr/sbin/init"),
            ["/usr/sbin/init"]
        );
        assert_eq!(
            args("image: i\ncommand: sleep infinity\noverride_command: true"),
            ["sleep", "infinity"]
        );
        assert!(args("image: i\ncommand: \"\"").is_empty());
        assert!(args("image: i\ncommand:").is_empty());
        // The keep-alive shell is not systemd; the image's CMD may be.
        assert!(!one("image: i").unwrap().looks_systemd);
        assert!(
            one("image: i\noverride_command: false")
                .unwrap()
                .looks_systemd
        );
    }

    #[test]
    fn each_key_maps_to_its_option() {
        let cases: &[(&str, &[&str])] = &[
            ("privileged: true", &["--privileged"]),
            ("cgroupns_mode: private", &["--cgroupns", "private"]),
            ("volumes:\n  - /sys/fs/cgroup:/sys/fs/cgroup:ro", &["--volume", "/sys/fs/cgroup:/sys/fs/cgroup:ro"]),
            ("tmpfs:\n  - /run\n  - /tmp:exec", &["--tmpfs", "/run", "--tmpfs", "/tmp:exec"]),
            ("capabilities:\n  - SYS_ADMIN", &["--cap-add", "SYS_ADMIN"]),
            ("security_opts:\n  - seccomp=unconfined", &["--security-opt", "seccomp=unconfined"]),
            ("env:\n  container: docker", &["--env", "container=docker"]),
            ("user: root", &["--user", "root"]),
            ("ulimits:\n  - nofile:262144:262144", &["--ulimit", "nofile=262144:262144"]),
            ("ulimits:\n  - nproc:4096", &["--ulimit", "nproc=4096:4096"]),
            ("exposed_ports:\n  - 53/udp", &["--expose", "53/udp"]),
            ("published_ports:\n  - 6443", &["--publish", "6443"]),
            ("networks:\n  - name: foo", &["--network", "foo"]),
            ("network_mode: host", &["--network", "host"]),
            ("hostname: box", &["--hostname", "box"]),
            ("etc_hosts:\n  host1.example.com: 10.3.1.5", &["--add-host", "host1.example.com:10.3.1.5"]),
            ("dns_servers:\n  - 8.8.8.8", &["--dns", "8.8.8.8"]),
            ("devices:\n  - /dev/fuse:/dev/fuse:rwm", &["--device", "/dev/fuse:/dev/fuse:rwm"]),
            ("pid_mode: host", &["--pid", "host"]),
            ("runtime: sysbox-runc", &["--runtime", "sysbox-runc"]),
            ("stop_signal: SIGRTMIN+3", &["--stop-signal", "SIGRTMIN+3"]),
            ("shm_size: 64M", &["--shm-size", "64M"]),
            ("sysctls:\n  net.core.somaxconn: 1024", &["--sysctl", "net.core.somaxconn=1024"]),
            ("restart_policy: on-failure\nrestart_retries: 1", &["--restart", "on-failure:1"]),
            ("tty: true", &["--tty"]),
            (
                "mounts:\n  - type: bind\n    source: /sys/fs/cgroup\n    target: /sys/fs/cgroup\n    read_only: true\n    read_only_non_recursive: true",
                &["--mount", "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable"],
            ),
        ];
        for (keys, want) in cases {
            let a = argv(&format!("image: i\n{keys}"));
            assert!(has(&a, want), "{keys}: {a:?}");
        }
        // Accepted, with no run option: registry, groups, docker_host, keep_volumes...
        let a = argv("image: i\ngroups: [web]\ndocker_host: unix:///run/docker.sock\nkeep_volumes: true\npre_build_image: true\nregistry:\n  url: r.example");
        assert_eq!(
            a.join(" "),
            "docker run -d --name p --hostname p i bash -c while true; do sleep 10000; done"
        );
        // privileged: false is no option at all.
        assert!(!argv("image: i\nprivileged: false").contains(&"--privileged".to_owned()));
    }

    #[test]
    fn keys_the_driver_schema_does_not_know_are_refused() {
        let err = one("image: i\ncgroup_parent: x").unwrap_err();
        assert!(
            err.contains("platform 'p': unknown key 'cgroup_parent'"),
            "{err}"
        );
        // molecule-plugins 26.7.15's docker schema lists neither: molecule refuses both.
        for key in ["children: [a]", "keep_container: true"] {
            assert!(one(&format!("image: i\n{key}")).is_err(), "{key}");
        }
        // A podman-only key on a docker platform.
        assert!(one("image: i\nsystemd: always").is_err());
    }

    #[test]
    fn merge_keys_are_applied_as_molecule_reads_them() {
        let yaml = "driver:\n  name: docker\nx-base: &base\n  image: base\n  privileged: true\n  command: /sbin/init\nplatforms:\n  - <<: *base\n    name: a\n    command: /usr/sbin/init\n";
        let run = read(yaml).unwrap().remove(0).run.unwrap();
        assert!(run.spec.privileged);
        assert_eq!(run.spec.image, "base");
        // The entry's own key wins over the merged one.
        assert_eq!(run.spec.args, ["/usr/sbin/init"]);
    }

    #[test]
    fn bad_files_say_why() {
        let err =
            read("driver:\n  name: docker\nplatforms:\n  - name: a\n    image: \"x\n  y: [\n")
                .unwrap_err();
        assert!(err.contains("not YAML") && err.contains("line "), "{err}");
        let err = read("driver:\n  name: docker\n").unwrap_err();
        assert!(err.contains("no `platforms`"), "{err}");
        let err = read("driver:\n  name: docker\nplatforms: []\n").unwrap_err();
        assert!(err.contains("no `platforms`"), "{err}");
        let err = read("driver:\n  name: vagrant\nplatforms:\n  - name: a\n").unwrap_err();
        assert!(err.contains("driver 'vagrant'"), "{err}");
        let err = read("platforms:\n  - name: a\n    image: i\n").unwrap_err();
        assert!(err.contains("no `driver"), "{err}");
        let err = one("privileged: true").unwrap_err();
        assert!(err.contains("platform 'p': no `image`"), "{err}");
        let err = one("image: i\nprivileged: maybe").unwrap_err();
        assert!(err.contains("`privileged` must be true or false"), "{err}");
    }

    #[test]
    fn podman_platforms_are_podman_run_lines() {
        let yaml = "driver:\n  name: podman\nplatforms:\n  - name: p\n    image: i\n    systemd: always\n    command: [/sbin/init]\n";
        let t = read(yaml).unwrap();
        let run = t[0].run.as_ref().unwrap();
        assert_eq!(run.spec.client, Client::Podman);
        assert_eq!(run.spec.podman_systemd.as_deref(), Some("always"));
        assert_eq!(run.spec.args, ["/sbin/init"]);
        let yaml = "driver:\n  name: podman\nplatforms:\n  - name: p\n    image: i\n    cgroup_manager: cgroupfs\n";
        let run = read(yaml).unwrap().remove(0).run.unwrap();
        assert_eq!(
            run.spec.command,
            ["podman", "--cgroup-manager=cgroupfs", "run"]
        );
        // cgroupns_mode is not in the podman driver's schema.
        let yaml = "driver:\n  name: podman\nplatforms:\n  - name: p\n    image: i\n    cgroupns_mode: host\n";
        assert!(read(yaml).is_err());
    }

    #[test]
    fn a_built_image_is_judged_by_its_base() {
        let t = one("image: debian:12").unwrap();
        assert_eq!(t.image(), Some("debian:12"));
        let Origin::Molecule(p) = &t.origin else {
            panic!()
        };
        assert!(
            p.notes[0].contains("molecule_local/debian:12"),
            "{:?}",
            p.notes
        );
        assert!(one("image: i\npre_build_image: true")
            .map(|t| match t.origin {
                Origin::Molecule(p) => p.notes.is_empty(),
                Origin::Compose(_) => false,
            })
            .unwrap());
    }

    #[test]
    fn the_entry_is_kept_as_written_key_by_key() {
        let t = read(GEERLINGGUY).unwrap();
        let Origin::Molecule(p) = &t[0].origin else {
            panic!()
        };
        let w = p.written.as_ref().unwrap();
        let keys: Vec<&str> = w.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "name",
                "image",
                "command",
                "volumes",
                "cgroupns_mode",
                "privileged",
                "pre_build_image"
            ]
        );
        assert_eq!(w[2].1, r#"command: ${MOLECULE_DOCKER_COMMAND:-""}"#);
        assert_eq!(w[3].1, "volumes:\n  - /sys/fs/cgroup:/sys/fs/cgroup:rw");
        // A flow-style entry cannot be cut: the render falls back to the node.
        let t = read("driver: {name: docker}\nplatforms:\n  - {name: a, image: i}\n").unwrap();
        let Origin::Molecule(p) = &t[0].origin else {
            panic!()
        };
        assert!(p.written.is_none());
    }
}
