//! A compose service (merged and interpolated) as the `docker run` line that
//! makes the same container, key by key as Docker Compose maps them.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

/// Which part of the service made an option of the line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// The key's whole value (`privileged: true`).
    Whole,
    /// One entry of a list (`- /run`).
    Seq(Yaml),
    /// One entry of a map or `K=V` list, by its key (`environment`, `ulimits`, `sysctls`).
    Entry(String),
}

/// The key (and entry) an option came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    pub(crate) key: String,
    pub(crate) item: Item,
}

pub(super) struct Ctx<'a> {
    pub(super) name: &'a str,
    pub(super) project: &'a str,
    /// Where relative paths start: the project directory.
    pub(super) dir: &'a Path,
    pub(super) env: &'a BTreeMap<String, String>,
}

/// Scalar keys that become one option with their value.
const SCALARS: &[(&str, &str)] = &[
    ("container_name", "name"),
    ("hostname", "hostname"),
    ("user", "user"),
    ("userns_mode", "userns"),
    ("runtime", "runtime"),
    ("cgroup", "cgroupns"),
    ("cgroup_parent", "cgroup-parent"),
    ("pid", "pid"),
    ("ipc", "ipc"),
    ("network_mode", "network"),
    ("stop_signal", "stop-signal"),
    ("shm_size", "shm-size"),
    ("mem_limit", "memory"),
];

/// Boolean keys that become a switch (`--flag` or `--flag=false`).
const SWITCHES: &[(&str, &str)] = &[
    ("privileged", "privileged"),
    ("init", "init"),
    ("read_only", "read-only"),
];

/// Lists whose items each become one option.
const LISTS: &[(&str, &str)] = &[
    ("tmpfs", "tmpfs"),
    ("cap_add", "cap-add"),
    ("cap_drop", "cap-drop"),
    ("security_opt", "security-opt"),
];

/// A scalar as text (YAML numbers and booleans as written).
pub(crate) fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A `string_or_list` value as its items.
pub(crate) fn items(y: &Yaml) -> Vec<Yaml> {
    match y {
        Yaml::Array(a) => a.clone(),
        Yaml::Null | Yaml::BadValue => vec![],
        other => vec![other.clone()],
    }
}

struct Line {
    argv: Vec<String>,
    placed: Vec<Placed>,
}

impl Line {
    fn opt(&mut self, key: &str, item: Item, flag: &str, value: Option<String>) {
        self.argv.push(format!("--{flag}"));
        if let Some(v) = value {
            self.argv.push(v);
        }
        self.placed.push(Placed {
            key: key.to_owned(),
            item,
        });
    }
}

/// The line's words (`docker run -d …`) and, per option, where it came from.
pub(super) fn argv(svc: &Hash, cx: &Ctx<'_>) -> Result<(Vec<String>, Vec<Placed>), String> {
    let get = |k: &str| svc.get(&Yaml::String(k.into())).filter(|v| !v.is_null());
    let mut l = Line {
        argv: vec!["docker".into(), "run".into(), "-d".into()],
        placed: vec![],
    };
    let bad = |k: &str| format!("`{k}` has a value Compose does not accept here");
    for (key, flag) in SWITCHES {
        if let Some(v) = get(key) {
            let on = match v {
                Yaml::Boolean(b) => *b,
                Yaml::String(s) => crate::facts::run::parse_bool(s).ok_or_else(|| bad(key))?,
                _ => return Err(bad(key)),
            };
            let word = if on {
                format!("--{flag}")
            } else {
                format!("--{flag}=false")
            };
            l.argv.push(word);
            l.placed.push(Placed {
                key: (*key).into(),
                item: Item::Whole,
            });
        }
    }
    for (key, flag) in SCALARS {
        if let Some(v) = get(key) {
            let v = scalar(v).ok_or_else(|| bad(key))?;
            l.opt(key, Item::Whole, flag, Some(v));
        }
    }
    for (key, flag) in LISTS {
        for i in get(key).map(items).unwrap_or_default() {
            let v = scalar(&i).ok_or_else(|| bad(key))?;
            l.opt(key, Item::Seq(i), flag, Some(v));
        }
    }
    for v in get("volumes").map(items).unwrap_or_default() {
        match &v {
            Yaml::Hash(h) => {
                let m = long_volume(h, cx).ok_or_else(|| bad("volumes"))?;
                l.opt("volumes", Item::Seq(v.clone()), "mount", Some(m));
            }
            _ => {
                let s = scalar(&v).ok_or_else(|| bad("volumes"))?;
                l.opt(
                    "volumes",
                    Item::Seq(v.clone()),
                    "volume",
                    Some(short_volume(&s, cx)),
                );
            }
        }
    }
    for (k, v) in entries(get("environment"), "environment")? {
        let v = match v {
            Some(v) => v,
            // A bare name takes the caller's value, and is left out when unset.
            None => match cx.env.get(&k) {
                Some(v) => v.clone(),
                None => continue,
            },
        };
        l.opt(
            "environment",
            Item::Entry(k.clone()),
            "env",
            Some(format!("{k}={v}")),
        );
    }
    // Compose reads these itself; the line names them so the checks can say
    // `container=` may hide there.
    for f in get("env_file").map(items).unwrap_or_default() {
        let path = match &f {
            Yaml::Hash(h) => h.get(&Yaml::String("path".into())).and_then(scalar),
            other => scalar(other),
        };
        let path = path.ok_or_else(|| bad("env_file"))?;
        l.opt(
            "env_file",
            Item::Seq(f.clone()),
            "env-file",
            Some(absolute(&path, cx.dir, cx.env)),
        );
    }
    for (k, v) in entries(get("sysctls"), "sysctls")? {
        let v = v.unwrap_or_default();
        l.opt(
            "sysctls",
            Item::Entry(k.clone()),
            "sysctl",
            Some(format!("{k}={v}")),
        );
    }
    if let Some(Yaml::Hash(u)) = get("ulimits") {
        for (k, v) in u {
            let name = scalar(k).ok_or_else(|| bad("ulimits"))?;
            let limit = match v {
                Yaml::Hash(h) => {
                    let f = |x: &str| h.get(&Yaml::String(x.into())).and_then(scalar);
                    format!(
                        "{}:{}",
                        f("soft").ok_or_else(|| bad("ulimits"))?,
                        f("hard").ok_or_else(|| bad("ulimits"))?
                    )
                }
                other => scalar(other).ok_or_else(|| bad("ulimits"))?,
            };
            l.opt(
                "ulimits",
                Item::Entry(name.clone()),
                "ulimit",
                Some(format!("{name}={limit}")),
            );
        }
    }
    for d in get("devices").map(items).unwrap_or_default() {
        let s = match &d {
            Yaml::Hash(h) => {
                let f = |x: &str| h.get(&Yaml::String(x.into())).and_then(scalar);
                let src = f("source").ok_or_else(|| bad("devices"))?;
                let dst = f("target").unwrap_or_else(|| src.clone());
                match f("permissions") {
                    Some(p) => format!("{src}:{dst}:{p}"),
                    None => format!("{src}:{dst}"),
                }
            }
            other => scalar(other).ok_or_else(|| bad("devices"))?,
        };
        l.opt("devices", Item::Seq(d.clone()), "device", Some(s));
    }
    for p in get("ports").map(items).unwrap_or_default() {
        let s = match &p {
            Yaml::Hash(h) => long_port(h).ok_or_else(|| bad("ports"))?,
            other => scalar(other).ok_or_else(|| bad("ports"))?,
        };
        l.opt("ports", Item::Seq(p.clone()), "publish", Some(s));
    }
    let entrypoint = get("entrypoint")
        .map(|e| command(e, "entrypoint"))
        .transpose()?;
    if let Some(e) = &entrypoint {
        let first = e.first().cloned().unwrap_or_default();
        l.opt("entrypoint", Item::Whole, "entrypoint", Some(first));
    }
    let image = match get("image") {
        Some(i) => scalar(i).ok_or_else(|| bad("image"))?,
        None if get("build").is_some() => format!("{}-{}", cx.project, cx.name),
        None => return Err("neither `image` nor `build`: no image to run".into()),
    };
    if image.starts_with('-') {
        l.argv.push("--".into());
    }
    l.argv.push(image);
    if let Some(e) = entrypoint {
        l.argv.extend(e.into_iter().skip(1));
    }
    if let Some(c) = get("command") {
        l.argv.extend(command(c, "command")?);
    }
    Ok((l.argv, l.placed))
}

/// `command`/`entrypoint`: a list as is, a string split into shell words.
fn command(y: &Yaml, key: &str) -> Result<Vec<String>, String> {
    match y {
        Yaml::Array(a) => a
            .iter()
            .map(|i| scalar(i).ok_or_else(|| format!("`{key}` has a non-string item")))
            .collect(),
        other => {
            let s = scalar(other).ok_or_else(|| format!("`{key}` is not a string or a list"))?;
            shlex::split(&s).ok_or_else(|| format!("`{key}`: cannot split {s:?} into words"))
        }
    }
}

/// A `list_or_dict` (`K=V` items or a map) as (key, value); `None`: no value given.
pub(crate) fn entries(
    y: Option<&Yaml>,
    key: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
    let bad = || format!("`{key}` has a value Compose does not accept here");
    match y {
        None => Ok(vec![]),
        Some(Yaml::Hash(h)) => h
            .iter()
            .map(|(k, v)| {
                let k = scalar(k).ok_or_else(bad)?;
                let v = if v.is_null() {
                    None
                } else {
                    Some(scalar(v).ok_or_else(bad)?)
                };
                Ok((k, v))
            })
            .collect(),
        Some(Yaml::Array(a)) => a
            .iter()
            .map(|i| {
                let s = scalar(i).ok_or_else(bad)?;
                Ok(match s.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (s, None),
                })
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// A relative or `~` path made absolute, as Compose resolves bind sources.
fn resolve(src: &str, cx: &Ctx<'_>) -> String {
    absolute(src, cx.dir, cx.env)
}

fn absolute(src: &str, dir: &Path, env: &BTreeMap<String, String>) -> String {
    let home = src.strip_prefix("~/").or((src == "~").then_some(""));
    let joined: PathBuf = match home {
        Some(rest) => Path::new(env.get("HOME").map_or("~", String::as_str)).join(rest),
        None => dir.join(src),
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

fn is_path(src: &str) -> bool {
    src.starts_with('.') || src.starts_with('~')
}

/// `SRC:DST[:MODE]` (or just `DST`, an anonymous volume).
fn short_volume(s: &str, cx: &Ctx<'_>) -> String {
    match s.split_once(':') {
        Some((src, rest)) if is_path(src) => format!("{}:{rest}", resolve(src, cx)),
        _ => s.to_owned(),
    }
}

/// Long syntax as `--mount` (`type`, `source`, `target`, `read_only`,
/// `bind.propagation`, `tmpfs.size`).
fn long_volume(h: &Hash, cx: &Ctx<'_>) -> Option<String> {
    let f = |k: &str| h.get(&Yaml::String(k.into()));
    let sub = |k: &str, x: &str| match f(k) {
        Some(Yaml::Hash(s)) => s.get(&Yaml::String(x.into())).and_then(scalar),
        _ => None,
    };
    let kind = f("type")
        .and_then(scalar)
        .unwrap_or_else(|| "volume".into());
    let target = f("target").and_then(scalar)?;
    let mut parts = vec![format!("type={kind}")];
    if let Some(src) = f("source").and_then(scalar).filter(|s| !s.is_empty()) {
        let src = if kind == "bind" && is_path(&src) {
            resolve(&src, cx)
        } else {
            src
        };
        parts.push(format!("source={src}"));
    }
    parts.push(format!("target={target}"));
    if f("read_only")
        .is_some_and(|r| matches!(r, Yaml::Boolean(true)) || scalar(r).as_deref() == Some("true"))
    {
        parts.push("readonly".into());
    }
    if let Some(p) = sub("bind", "propagation") {
        parts.push(format!("bind-propagation={p}"));
    }
    if let Some(r) = sub("bind", "recursive") {
        parts.push(format!("bind-recursive={r}"));
    }
    if let Some(size) = sub("tmpfs", "size") {
        parts.push(format!("tmpfs-size={size}"));
    }
    if let Some(mode) = sub("tmpfs", "mode") {
        parts.push(format!("tmpfs-mode={mode}"));
    }
    if sub("volume", "nocopy").as_deref() == Some("true") {
        parts.push("volume-nocopy".into());
    }
    Some(parts.join(","))
}

/// Long port syntax as `-p [IP:]PUBLISHED:TARGET[/PROTO]`.
fn long_port(h: &Hash) -> Option<String> {
    let f = |k: &str| h.get(&Yaml::String(k.into())).and_then(scalar);
    let mut s = f("target")?;
    if let Some(p) = f("published") {
        s = format!("{p}:{s}");
    }
    if let Some(ip) = f("host_ip") {
        s = format!("{ip}:{s}");
    }
    if let Some(proto) = f("protocol") {
        s = format!("{s}/{proto}");
    }
    Some(s)
}

/// Relative bind sources made absolute from `dir`: a service from an
/// `extends.file` keeps the paths of its own file.
pub(super) fn rebase(svc: &mut Hash, dir: &Path, env: &BTreeMap<String, String>) {
    let Some(Yaml::Array(vols)) = svc.get_mut(&Yaml::String("volumes".into())) else {
        return;
    };
    for v in vols {
        match v {
            Yaml::String(s) => {
                if let Some((src, rest)) = s.split_once(':').filter(|(src, _)| is_path(src)) {
                    *s = format!("{}:{rest}", absolute(src, dir, env));
                }
            }
            Yaml::Hash(h) => {
                if let Some(Yaml::String(src)) = h.get_mut(&Yaml::String("source".into())) {
                    if is_path(src) {
                        *src = absolute(src, dir, env);
                    }
                }
            }
            _ => {}
        }
    }
}
