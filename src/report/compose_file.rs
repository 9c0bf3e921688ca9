//! The corrected service in the user's compose file: the service with only
//! the keys systemd needs changed, and the file's diff.

use std::collections::BTreeSet;

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

use super::compose::{bool_key, list_key, scalar_key};
use crate::facts::run::RunArg;
use crate::recipe::Recipe;
use crate::runline::compose::{At, Service};

fn key(k: &str) -> Yaml {
    Yaml::String(k.to_owned())
}

/// The service's mapping with the recipe's edits, the keys they touch, and
/// what could not be edited here.
struct Edited {
    node: Hash,
    changed: BTreeSet<String>,
    notes: Vec<String>,
}

/// The options of `a` not in `b` (as a multiset of name and value).
fn minus<'a, T>(
    a: &'a [T],
    b: &[(String, Option<String>)],
    id: impl Fn(&T) -> (String, Option<String>),
) -> Vec<&'a T> {
    let mut left: Vec<(String, Option<String>)> = b.to_vec();
    let mut out = Vec::new();
    for x in a {
        match left.iter().position(|y| *y == id(x)) {
            Some(i) => {
                left.remove(i);
            }
            None => out.push(x),
        }
    }
    out
}

fn edit(service: &Service, recipe: &Recipe) -> Edited {
    let mut e = Edited {
        node: (*service.node).clone(),
        changed: BTreeSet::new(),
        notes: vec![],
    };
    let new: Vec<(String, Option<String>)> = recipe
        .spec
        .options
        .iter()
        .filter(|a| a.name != "detach")
        .map(|a| (a.name.clone(), a.value.clone()))
        .collect();
    let old: Vec<(String, Option<String>)> = service
        .sources
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect();
    let added = minus(&recipe.spec.options, &old, |a: &RunArg| {
        (a.name.clone(), a.value.clone())
    });
    let added_keys: BTreeSet<&str> = added.iter().filter_map(|a| compose_key(&a.name)).collect();
    // Entries to drop, by key, highest index first so earlier ones keep their place.
    let mut drops: Vec<(String, usize)> = Vec::new();
    for s in minus(&service.sources, &new, |s| {
        (s.name.clone(), s.value.clone())
    }) {
        match s.at {
            Some(At::Key) => {
                // A tombstone keeps the key's place for a replacement.
                e.node.insert(key(&s.key), Yaml::BadValue);
                e.changed.insert(s.key.clone());
            }
            Some(At::Entry(i)) => drops.push((s.key.clone(), i)),
            // A switch from a `<<:` merge: the service's own key overrides it.
            None if bool_key(&s.name) == Some(s.key.as_str())
                && service.merged_in.contains_key(&key(&s.key)) =>
            {
                e.node.insert(key(&s.key), Yaml::Boolean(false));
                e.changed.insert(s.key.clone());
            }
            // A scalar set elsewhere that the recipe sets anew: the own key wins.
            None if added_keys.contains(s.key.as_str()) && scalar_key(&s.name).is_some() => {}
            None => {
                let option = match &s.value {
                    Some(v) => format!("--{} {v}", s.name),
                    None => format!("--{}", s.name),
                };
                e.notes.push(format!(
                    "remove what makes `{option}` (`{}`, set outside this service's own keys: another file, `extends` or a `<<:` merge)",
                    s.key
                ));
            }
        }
    }
    drops.sort_by_key(|d| std::cmp::Reverse(d.1));
    for (k, i) in drops {
        match e.node.get_mut(&key(&k)) {
            Some(Yaml::Array(a)) if i < a.len() => {
                a.remove(i);
            }
            Some(Yaml::Hash(h)) => {
                if let Some(name) = h.keys().nth(i).cloned() {
                    h.remove(&name);
                }
            }
            Some(v) => *v = Yaml::BadValue,
            None => {}
        }
        e.changed.insert(k);
    }
    for a in added.into_iter().filter(|a| a.name != "detach") {
        // A service's own key replaces what a `<<:` merge brings: start from that.
        if let Some(k) = compose_key(&a.name) {
            if !e.node.contains_key(&key(k)) {
                if let Some(v) = service.merged_in.get(&key(k)) {
                    e.node.insert(key(k), v.clone());
                }
            }
        }
        add(&mut e, a);
    }
    e
}

/// A list key's value as a list (a single string becomes its first item).
fn list<'a>(node: &'a mut Hash, k: &str) -> &'a mut Vec<Yaml> {
    let slot = node.entry(key(k)).or_insert(Yaml::BadValue);
    if !matches!(slot, Yaml::Array(_)) {
        let first = match std::mem::replace(slot, Yaml::BadValue) {
            Yaml::BadValue | Yaml::Null => vec![],
            other => vec![other],
        };
        *slot = Yaml::Array(first);
    }
    match slot {
        Yaml::Array(a) => a,
        _ => unreachable!("made a list above"),
    }
}

/// The compose key an option goes under.
fn compose_key(name: &str) -> Option<&'static str> {
    match name {
        "volume" | "mount" => Some("volumes"),
        "ulimit" => Some("ulimits"),
        "env" => Some("environment"),
        _ => bool_key(name)
            .or_else(|| list_key(name))
            .or_else(|| scalar_key(name)),
    }
}

/// One option the recipe adds, as the compose key that does the same.
fn add(e: &mut Edited, a: &RunArg) {
    let v = a.value.clone().unwrap_or_default();
    let name = a.name.as_str();
    let k: &str = if let Some(k) = bool_key(name) {
        e.node.insert(key(k), Yaml::Boolean(a.is_on()));
        k
    } else if name == "volume" {
        list(&mut e.node, "volumes").push(Yaml::String(v));
        "volumes"
    } else if name == "mount" {
        if v.contains("bind-recursive=") {
            // docker-compose 1.29.2: "volumes contains unsupported option: 'recursive'".
            e.notes.push(
                "`bind: recursive:` needs Docker Compose v2 (docker-compose 1.x refuses it)".into(),
            );
        }
        list(&mut e.node, "volumes").push(Yaml::Hash(long_mount(&v)));
        "volumes"
    } else if name == "ulimit" {
        let Some((n, limits)) = v.split_once('=') else {
            return e.notes.push(format!("add `--ulimit {v}` by hand"));
        };
        let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
        let num = |x: &str| {
            x.parse::<i64>()
                .map_or(Yaml::String(x.into()), Yaml::Integer)
        };
        let mut limit = Hash::new();
        limit.insert(key("soft"), num(soft));
        limit.insert(key("hard"), num(hard));
        let slot = e
            .node
            .entry(key("ulimits"))
            .or_insert(Yaml::Hash(Hash::new()));
        if !matches!(slot, Yaml::Hash(_)) {
            *slot = Yaml::Hash(Hash::new());
        }
        if let Yaml::Hash(h) = slot {
            h.insert(key(n), Yaml::Hash(limit));
        }
        "ulimits"
    } else if name == "env" {
        let (n, val) = v.split_once('=').unwrap_or((&v, ""));
        match e.node.get_mut(&key("environment")) {
            Some(Yaml::Hash(h)) => {
                h.insert(key(n), Yaml::String(val.into()));
            }
            _ => list(&mut e.node, "environment").push(Yaml::String(v.clone())),
        }
        "environment"
    } else if let Some(k) = list_key(name) {
        let l = list(&mut e.node, k);
        for item in v
            .split(',')
            .filter(|_| k.starts_with("cap_"))
            .map(str::to_owned)
        {
            l.push(Yaml::String(item));
        }
        if !k.starts_with("cap_") {
            l.push(Yaml::String(v));
        }
        k
    } else if let Some(k) = scalar_key(name) {
        e.node.insert(key(k), Yaml::String(v));
        k
    } else {
        return e
            .notes
            .push(format!("no compose key for `--{name} {v}`: add it by hand"));
    };
    e.changed.insert(k.to_owned());
}

/// `--mount type=bind,src=…,dst=…,readonly,bind-recursive=…` in long syntax.
fn long_mount(spec: &str) -> Hash {
    let mut h = Hash::new();
    let mut bind = Hash::new();
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = field.split_once('=').unwrap_or((field, "true"));
        match k {
            "type" => {
                h.insert(key("type"), key(v));
            }
            "source" | "src" => {
                h.insert(key("source"), key(v));
            }
            "destination" | "dst" | "target" => {
                h.insert(key("target"), key(v));
            }
            "readonly" | "ro" => {
                h.insert(key("read_only"), Yaml::Boolean(v != "false" && v != "0"));
            }
            "bind-propagation" => {
                bind.insert(key("propagation"), key(v));
            }
            "bind-recursive" => {
                bind.insert(key("recursive"), key(v));
            }
            _ => {}
        }
    }
    if !bind.is_empty() {
        h.insert(key("bind"), Yaml::Hash(bind));
    }
    h
}

/// A string YAML reads back as the same string without quotes (also YAML
/// 1.1, which docker-compose 1.x reads: `yes`, `on`, `22:22` are not strings there).
fn plain(s: &str) -> bool {
    let reserved = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '.'));
    first_ok
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:+=@,%-".contains(c))
        && !s.ends_with(':')
        && !reserved.contains(&s.to_ascii_lowercase().as_str())
        && !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.' || c == '_')
        && s.parse::<f64>().is_err()
}

fn scalar(v: &Yaml) -> String {
    match v {
        Yaml::String(s) if plain(s) => s.clone(),
        Yaml::String(s) => serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Real(r) => r.clone(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Array(a) => format!("[{}]", a.iter().map(scalar).collect::<Vec<_>>().join(", ")),
        Yaml::Hash(h) => format!(
            "{{{}}}",
            h.iter()
                .map(|(k, v)| format!("{}: {}", scalar(k), scalar(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "null".into(),
    }
}

/// `key: value` in block style at `ind` spaces.
fn emit(k: &Yaml, v: &Yaml, ind: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(ind);
    let k = scalar(k);
    if k == "cgroup" && ind > 0 {
        // docker-compose 1.29.2: "Unsupported config option for services.NAME: 'cgroup'".
        out.push(format!(
            "{pad}# `cgroup:` needs Docker Compose v2 (docker-compose 1.x refuses it)"
        ));
    }
    match v {
        Yaml::Hash(h) if !h.is_empty() => {
            out.push(format!("{pad}{k}:"));
            for (k2, v2) in h {
                emit(k2, v2, ind + 2, out);
            }
        }
        Yaml::Array(a) if !a.is_empty() => {
            out.push(format!("{pad}{k}:"));
            for item in a {
                match item {
                    Yaml::Hash(h) if !h.is_empty() => {
                        let mut lines = Vec::new();
                        for (k2, v2) in h {
                            emit(k2, v2, ind + 4, &mut lines);
                        }
                        lines[0] = format!("{pad}  - {}", lines[0].trim_start());
                        out.extend(lines);
                    }
                    other => out.push(format!("{pad}  - {}", scalar(other))),
                }
            }
        }
        other => out.push(format!("{pad}{k}: {}", scalar(other))),
    }
}

/// The service's lines in the file with the edits made, at the file's indentation.
fn corrected_lines(service: &Service, recipe: &Recipe) -> Vec<String> {
    let e = edit(service, recipe);
    let lines: Vec<&str> = service.text.lines().collect();
    let span = &service.span;
    // A key the fix empties (the only volume was the cgroup bind) goes.
    let live = |v: &Yaml| match v {
        Yaml::BadValue => false,
        Yaml::Array(a) => !a.is_empty(),
        _ => true,
    };
    let mut out = Vec::new();
    let Some(ki) = span.key_indent.filter(|_| span.end > span.start) else {
        // Not a block mapping (or not found): the whole service, re-emitted.
        out.push(format!(
            "{}{}:",
            " ".repeat(span.indent),
            scalar(&key(&service.name))
        ));
        for (k, v) in e.node.iter().filter(|(_, v)| live(v)) {
            emit(k, v, span.indent + 2, &mut out);
        }
        notes(&e, span.indent + 2, &mut out);
        return out;
    };
    let mut pos = span.start;
    let mut written = BTreeSet::new();
    for ks in &span.keys {
        out.extend(lines[pos..ks.start].iter().map(|l| (*l).to_owned()));
        written.insert(ks.key.clone());
        let v = e.node.get(&key(&ks.key));
        match v {
            Some(v) if e.changed.contains(&ks.key) && live(v) => {
                emit(&key(&ks.key), v, ki, &mut out)
            }
            Some(_) if e.changed.contains(&ks.key) => {}
            _ => out.extend(lines[ks.start..ks.end].iter().map(|l| (*l).to_owned())),
        }
        pos = ks.end;
    }
    for (k, v) in e.node.iter().filter(|(_, v)| live(v)) {
        let name = crate::runline::compose::key_name(k);
        if !written.contains(&name) {
            emit(k, v, ki, &mut out);
        }
    }
    notes(&e, ki, &mut out);
    out.extend(lines[pos..span.end].iter().map(|l| (*l).to_owned()));
    out
}

fn notes(e: &Edited, ind: usize, out: &mut Vec<String>) {
    for n in &e.notes {
        out.push(format!("{}# sdctr-doctor: {n}", " ".repeat(ind)));
    }
}

/// The corrected service as YAML (`name:` and its keys).
pub(crate) fn corrected_service(service: &Service, recipe: &Recipe) -> String {
    let ind = service.span.indent;
    let mut out = String::new();
    for l in corrected_lines(service, recipe) {
        out.push_str(
            l.get(ind..)
                .filter(|_| l.starts_with(&" ".repeat(ind)))
                .unwrap_or(l.trim_start()),
        );
        out.push('\n');
    }
    out
}

/// A unified diff of the file with the service corrected.
pub(crate) fn diff(service: &Service, recipe: &Recipe) -> String {
    let old = &service.text;
    let lines: Vec<&str> = old.lines().collect();
    let span = &service.span;
    if !span.own_lines {
        return format!(
            "# {}: `services:` is written in flow style, no line diff; the corrected service:\n{}",
            service.path,
            corrected_service(service, recipe)
        );
    }
    let mut new: Vec<String> = lines[..span.start]
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
    new.extend(corrected_lines(service, recipe));
    new.extend(
        lines[span.end.min(lines.len())..]
            .iter()
            .map(|l| (*l).to_owned()),
    );
    // Keep the file's own line ends (`lines()` drops the `\r` of CRLF).
    let eol = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let mut new = new.join(eol);
    if old.ends_with('\n') || old.is_empty() {
        new.push_str(eol);
    }
    let path = service
        .path
        .trim_start_matches("./")
        .trim_start_matches('/');
    similar::TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::facts::Facts;
    use crate::runline::compose::{targets, ComposeFile};
    use crate::runline::target::{Origin, Target};
    use crate::testing::{hybrid_host, unified_host};

    fn services(files: &[(&str, &str)]) -> Vec<Target> {
        let files: Vec<ComposeFile> = files
            .iter()
            .map(|(p, t)| ComposeFile {
                path: (*p).into(),
                dir: PathBuf::from("/p"),
                text: (*t).into(),
            })
            .collect();
        targets(&files, &BTreeMap::new()).unwrap()
    }

    /// A cgroup v2 host whose daemon cannot grant --privileged (as the
    /// development VM's): the fix binds the tree instead.
    fn no_privileged() -> Facts {
        let mut f = unified_host();
        let mut d = crate::testing::fixture_docker("devvm-hybrid-20.10");
        d.cgroup_version = Some("2".into());
        d.privileged_possible = Some(false);
        d.security.cgroupns_private = true;
        f.docker = Some(d);
        f
    }

    fn fix(host: &Facts, t: &Target) -> (Service, Option<Recipe>) {
        let mut f = host.clone();
        f.run = Some(t.run.clone().unwrap());
        let Origin::Compose(s) = &t.origin else {
            panic!("not a service")
        };
        (s.clone(), crate::recipe::recipe(&f))
    }

    const FILE: &str = "\
services:
  # systemd in a container
  boot:
    image: jrei/systemd-debian:12   # pinned
    init: true
    tmpfs: /tmp
    volumes:
      - ./data:/data
      - /sys/fs/cgroup:/sys/fs/cgroup:ro

    environment:
      PORT: \"22:22\"
    command: /lib/systemd/systemd
  redis:
    image: redis:7
";

    #[test]
    fn only_the_keys_the_recipe_changes_are_rewritten() {
        let t = services(&[("compose.yml", FILE)]);
        let (s, r) = fix(&no_privileged(), &t[0]);
        let r = r.expect("the line fails here");
        assert_eq!(
            corrected_service(&s, &r),
            "\
boot:
  image: jrei/systemd-debian:12   # pinned
  tmpfs:
    - /tmp
    - /run
    - /run/lock
  volumes:
    - ./data:/data
    - /sys/fs/cgroup:/sys/fs/cgroup:rw

  environment:
    PORT: \"22:22\"
  command: /lib/systemd/systemd
  # `cgroup:` needs Docker Compose v2 (docker-compose 1.x refuses it)
  cgroup: host
  stop_signal: SIGRTMIN+3
"
        );
        // Read back and judged again: nothing fails any more.
        let again = services(&[(
            "c.yml",
            &format!("services:\n{}", indent(&corrected_service(&s, &r))),
        )]);
        let options = |spec: &crate::facts::run::RunSpec| {
            let mut o: Vec<_> = spec
                .options
                .iter()
                .map(|a| (a.name.clone(), a.value.clone()))
                .collect();
            o.sort();
            o
        };
        assert_eq!(
            options(&again[0].run.as_ref().unwrap().spec),
            options(&r.spec)
        );
        assert_eq!(fix(&no_privileged(), &again[0]).1, None);
    }

    fn indent(text: &str) -> String {
        text.lines().map(|l| format!("  {l}\n")).collect()
    }

    #[test]
    fn the_diff_replaces_only_the_service() {
        let t = services(&[("./compose.yml", FILE)]);
        let (s, r) = fix(&hybrid_host(), &t[0]);
        let d = diff(&s, &r.unwrap());
        assert!(
            d.starts_with("--- a/compose.yml\n+++ b/compose.yml\n@@ "),
            "{d}"
        );
        assert!(d.contains("\n-    init: true\n"), "{d}");
        assert!(d.contains("\n+    stop_signal: SIGRTMIN+3\n"), "{d}");
        assert!(!d.contains("-  redis:") && !d.contains("+  redis:"), "{d}");
        assert!(!d.contains("-    image:"), "{d}");
    }

    #[test]
    fn crlf_files_keep_their_line_ends_in_the_diff() {
        let crlf = FILE.replace('\n', "\r\n");
        let t = services(&[("compose.yml", &crlf)]);
        let (s, r) = fix(&hybrid_host(), &t[0]);
        let d = diff(&s, &r.unwrap());
        // Only `init` and `tmpfs` change, not every line of the file.
        let changed = d
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .count();
        assert_eq!(changed, 2, "{d:?}");
        assert!(d.contains("+    stop_signal: SIGRTMIN+3\r\n"), "{d:?}");
    }

    #[test]
    fn a_flow_services_mapping_gets_no_line_diff() {
        let t = services(&[(
            "c.yml",
            "services: {s: {image: i, command: /sbin/init, init: true}}\n",
        )]);
        let (s, r) = fix(&unified_host(), &t[0]);
        let d = diff(&s, &r.unwrap());
        assert!(
            d.starts_with("# c.yml: `services:` is written in flow style"),
            "{d}"
        );
        assert!(d.contains("\ns:\n  image: i\n"), "{d}");
    }

    #[test]
    fn a_key_set_in_another_file_gets_a_note() {
        let base = "services:\n  s:\n    image: i\n    init: true\n";
        let over = "services:\n  s:\n    command: /sbin/init\n";
        let t = services(&[("a.yml", base), ("b.yml", over)]);
        let (s, r) = fix(&unified_host(), &t[0]);
        let out = corrected_service(&s, &r.unwrap());
        assert!(out.starts_with("s:\n  command: /sbin/init\n"), "{out}");
        assert!(
            out.contains("  # sdctr-doctor: remove what makes `--init` (`init`, set outside this service's own keys: another file, `extends` or a `<<:` merge)"),
            "{out}"
        );
    }

    /// Where the daemon may grant --privileged, the read-only bind goes and
    /// --privileged comes; a key left empty goes too.
    #[test]
    fn the_privileged_fix_drops_the_bind_and_an_emptied_key() {
        let text = "services:\n  s:\n    image: i\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:ro\n    tmpfs: [/run, /run/lock]\n    command: /sbin/init\n    stop_signal: SIGRTMIN+3\n";
        let t = services(&[("c.yml", text)]);
        let (s, r) = fix(&unified_host(), &t[0]);
        assert_eq!(
            corrected_service(&s, &r.unwrap()),
            "s:\n  image: i\n  tmpfs: [/run, /run/lock]\n  command: /sbin/init\n  stop_signal: SIGRTMIN+3\n  privileged: true\n"
        );
    }

    #[test]
    fn a_merge_key_line_stays_and_own_keys_override_it() {
        let text = "x-sd: &sd\n  init: true\n  tmpfs: [/run]\nservices:\n  s:\n    <<: *sd\n    image: i\n    command: /sbin/init\n";
        let t = services(&[("c.yml", text)]);
        let (s, r) = fix(&no_privileged(), &t[0]);
        let out = corrected_service(&s, &r.unwrap());
        assert!(
            out.starts_with("s:\n  <<: *sd\n  image: i\n  command: /sbin/init\n"),
            "{out}"
        );
        // The anchor's `init: true` is overridden by the service's own key.
        assert!(out.contains("\n  init: false\n"), "{out}");
        assert!(!out.contains("sdctr-doctor:"), "{out}");
        // The service's own `tmpfs` replaces the anchor's: it keeps /run.
        assert!(
            out.contains("  tmpfs:\n    - /run\n    - /run/lock\n    - /tmp\n"),
            "{out}"
        );
    }

    #[test]
    fn a_scalar_set_anew_needs_no_note() {
        let base =
            "services:\n  s:\n    image: i\n    stop_signal: SIGTERM\n    command: /sbin/init\n";
        let over = "services:\n  s:\n    hostname: h\n";
        let t = services(&[("a.yml", base), ("b.yml", over)]);
        let (s, r) = fix(&unified_host(), &t[0]);
        let out = corrected_service(&s, &r.unwrap());
        assert!(out.contains("\n  stop_signal: SIGRTMIN+3\n"), "{out}");
        assert!(!out.contains("sdctr-doctor:"), "{out}");
    }

    /// A recipe made by hand: the service's own line plus `extra` options.
    fn recipe_plus(t: &Target, extra: &[&str]) -> Recipe {
        let mut argv = t.run.as_ref().unwrap().argv.clone();
        let image = argv.iter().position(|w| w == "i").unwrap();
        for (n, w) in extra.iter().enumerate() {
            argv.insert(image + n, (*w).to_owned());
        }
        let spec = crate::runline::from_argv(argv.clone()).unwrap().spec;
        Recipe { argv, spec }
    }

    #[test]
    fn every_kind_of_added_option_finds_its_key() {
        let text = "services:\n  s:\n    image: i\n    environment: {A: \"1\"}\n    cap_add: [NET_ADMIN]\n";
        let t = services(&[("c.yml", text)]);
        let Origin::Compose(s) = &t[0].origin else {
            panic!()
        };
        let r = recipe_plus(
            &t[0],
            &[
                "--ulimit",
                "nofile=1024:1024",
                "--user",
                "root",
                "--userns=host",
                "--env",
                "container=docker",
                "--cap-add",
                "SYS_ADMIN,SYS_PTRACE",
                "--security-opt",
                "apparmor=unconfined",
                "--init=false",
                "--mount",
                "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable",
                "--gpus",
                "all",
            ],
        );
        let out = corrected_service(s, &r);
        assert_eq!(
            out,
            "\
s:
  image: i
  environment:
    A: \"1\"
    container: docker
  cap_add:
    - NET_ADMIN
    - SYS_ADMIN
    - SYS_PTRACE
  ulimits:
    nofile:
      soft: 1024
      hard: 1024
  user: root
  userns_mode: host
  security_opt:
    - apparmor=unconfined
  init: false
  volumes:
    - type: bind
      source: /sys/fs/cgroup
      target: /sys/fs/cgroup
      read_only: true
      bind:
        recursive: writable
  # sdctr-doctor: `bind: recursive:` needs Docker Compose v2 (docker-compose 1.x refuses it)
  # sdctr-doctor: no compose key for `--gpus all`: add it by hand
"
        );
        // And it reads back as the same settings.
        let again = services(&[("c.yml", &format!("services:\n{}", indent(&out)))]);
        let spec = &again[0].run.as_ref().unwrap().spec;
        assert_eq!(spec.user.as_deref(), Some("root"));
        assert_eq!(spec.env_container.as_deref(), Some("docker"));
        assert!(spec.mounts.iter().any(|m| m.is_whole_cgroupfs()
            && m.read_only
            && m.bind_recursive.as_deref() == Some("writable")));
    }

    #[test]
    fn a_flow_service_is_written_out_whole() {
        let t = services(&[(
            "c.yml",
            "services:\n  s: {image: i, command: /sbin/init, init: true}\n",
        )]);
        let (s, r) = fix(&unified_host(), &t[0]);
        let out = corrected_service(&s, &r.unwrap());
        assert!(
            out.starts_with("s:\n  image: i\n  command: /sbin/init\n"),
            "{out}"
        );
        assert!(!out.contains("init: true"), "{out}");
    }

    #[test]
    fn scalars_stay_strings_in_yaml_1_1() {
        for s in ["22:22", "yes", "On", "1.5", "-x", "a b", "${X}", "", "~"] {
            assert!(!plain(s), "{s}");
        }
        for s in [
            "SIGRTMIN+3",
            "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "host",
            "nofile",
        ] {
            assert!(plain(s), "{s}");
        }
    }
}
