//! `docker run [OPTIONS] IMAGE [ARG...]` → [`RunSpec`], with the docker CLI's
//! own (spf13/pflag) rules: `--opt=value` and `--opt value`, `-p80:80`,
//! `-p=80:80`, combined short flags (`-dit`, `-itp 80:80`), `--flag=false`,
//! `--` ending the options, and everything after the image left to it.

use std::fmt;

use super::options::{self, OptSpec};
use crate::facts::run::{parse_bool, Client, Mount, MountKind, RunArg, RunSpec};

/// Why a line was refused, naming the offending token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub token: String,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "'{}': {}", self.token, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

fn err(token: &str, message: impl Into<String>) -> ParseError {
    ParseError {
        token: token.to_owned(),
        message: message.into(),
    }
}

/// The words of the line: as given, or split like a POSIX shell when the
/// whole line came as one argument (`lint -- "docker run -d \ ..."`).
pub(crate) fn words(input: &[String]) -> Result<Vec<String>, ParseError> {
    match input {
        // A line continuation is a word break (shlex keeps an empty word for it).
        [one] if one.trim().contains(char::is_whitespace) => {
            shlex::split(&one.replace("\\\r\n", " ").replace("\\\n", " ")).ok_or_else(|| {
                err(
                    one,
                    "cannot split this line into words (unbalanced quotes?)",
                )
            })
        }
        _ => Ok(input.to_vec()),
    }
}

/// Parses a whole line: leading `[sudo] docker|podman [global options] [container] run`
/// (all optional), then the run options, the image and its arguments.
pub(crate) fn parse(words: &[String]) -> Result<RunSpec, ParseError> {
    let (client, command, start) = leading(words)?;
    let mut tables: Vec<&[OptSpec]> = vec![options::RUN];
    if client == Client::Podman {
        tables.push(options::PODMAN_EXTRA);
    }
    let (opts, next) = parse_options(words, start, &tables)?;
    let Some(image) = words.get(next) else {
        let last = words.last().map_or("", String::as_str);
        return Err(err(last, "no image: the line ends before IMAGE"));
    };
    build(
        client,
        command,
        opts,
        image.clone(),
        words[next + 1..].to_vec(),
    )
}

fn client_of(word: &str) -> Option<Client> {
    match word.rsplit('/').next().unwrap_or(word) {
        "docker" | "docker.exe" => Some(Client::Docker),
        "podman" | "podman.exe" => Some(Client::Podman),
        _ => None,
    }
}

fn leading(words: &[String]) -> Result<(Client, Vec<String>, usize), ParseError> {
    let mut i = 0;
    let mut command = Vec::new();
    if words.first().is_some_and(|w| w == "sudo") {
        command.push(words[0].clone());
        i = 1;
        while words.get(i).is_some_and(|w| w == "-E" || w == "-n") {
            command.push(words[i].clone());
            i += 1;
        }
    }
    let Some(first) = words.get(i) else {
        return Err(err(
            "",
            "empty line: expected `docker run [OPTIONS] IMAGE [ARG...]`",
        ));
    };
    let Some(client) = client_of(first) else {
        if !first.starts_with('-') && words.get(i + 1).is_some_and(|w| w == "run") {
            return Err(err(first, "unknown client: expected docker or podman"));
        }
        if i > 0 {
            return Err(err(first, "expected docker or podman after sudo"));
        }
        // Only the options (and the image) were given.
        return Ok((Client::Docker, command, 0));
    };
    command.push(first.clone());
    i += 1;
    let global = match client {
        Client::Docker => options::DOCKER_GLOBAL,
        Client::Podman => options::PODMAN_GLOBAL,
    };
    let (globals, next) = parse_options(words, i, &[global])?;
    for g in &globals {
        command.extend(g.tokens.iter().cloned());
    }
    i = next;
    if words.get(i).is_some_and(|w| w == "container") {
        command.push(words[i].clone());
        i += 1;
    }
    match words.get(i) {
        Some(w) if w == "run" => {
            command.push(w.clone());
            Ok((client, command, i + 1))
        }
        Some(w) => Err(err(
            w,
            format!("expected `run` after `{}`", command.join(" ")),
        )),
        None => Err(err(first, "expected `run` after it")),
    }
}

/// Options from `start` until the first word that is not one (or after `--`).
fn parse_options(
    words: &[String],
    start: usize,
    tables: &[&[OptSpec]],
) -> Result<(Vec<RunArg>, usize), ParseError> {
    let mut out: Vec<RunArg> = Vec::new();
    let mut i = start;
    let mut group = 0;
    while let Some(tok) = words.get(i) {
        if tok == "--" {
            return Ok((out, i + 1));
        }
        if !tok.starts_with('-') || tok == "-" {
            break;
        }
        group += 1;
        let first = out.len();
        let mut tokens = vec![tok.clone()];
        if let Some(body) = tok.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let spec = options::by_long(tables, name)
                .ok_or_else(|| err(tok, "unknown option (not a `docker run` option)"))?;
            let value = if spec.takes_value {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        let v = words
                            .get(i)
                            .ok_or_else(|| err(tok, "this option needs a value"))?;
                        tokens.push(v.clone());
                        Some(v.clone())
                    }
                }
            } else {
                if let Some(v) = &inline {
                    parse_bool(v).ok_or_else(|| err(tok, "expects true or false after '='"))?;
                }
                inline
            };
            out.push(arg(spec.long, value, group));
        } else {
            let shorts: Vec<char> = tok[1..].chars().collect();
            let mut j = 0;
            while j < shorts.len() {
                let c = shorts[j];
                let spec = options::by_short(tables, c)
                    .ok_or_else(|| err(tok, format!("unknown shorthand flag '{c}'")))?;
                let rest: String = shorts[j + 1..].iter().collect();
                let inline = rest.strip_prefix('=').map(str::to_owned);
                if spec.takes_value {
                    let value = if let Some(v) = inline {
                        v
                    } else if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        let v = words
                            .get(i)
                            .ok_or_else(|| err(tok, format!("-{c} needs a value")))?;
                        tokens.push(v.clone());
                        v.clone()
                    };
                    out.push(arg(spec.long, Some(value), group));
                    break;
                }
                if let Some(v) = inline {
                    parse_bool(&v)
                        .ok_or_else(|| err(tok, format!("-{c} expects true or false after '='")))?;
                    out.push(arg(spec.long, Some(v), group));
                    break;
                }
                out.push(arg(spec.long, None, group));
                j += 1;
            }
        }
        out[first].tokens = tokens;
        i += 1;
    }
    Ok((out, i))
}

fn arg(name: &str, value: Option<String>, group: usize) -> RunArg {
    RunArg {
        name: name.to_owned(),
        value,
        tokens: Vec::new(),
        group,
    }
}

/// The first token an option came from, for error messages.
fn shown(a: &RunArg) -> String {
    if a.tokens.is_empty() {
        format!("--{}", a.name)
    } else {
        a.tokens.join(" ")
    }
}

/// Decodes the options that matter for systemd. Also used on a corrected
/// option list, so a recipe is judged exactly like a parsed line.
pub(crate) fn build(
    client: Client,
    command: Vec<String>,
    options: Vec<RunArg>,
    image: String,
    args: Vec<String>,
) -> Result<RunSpec, ParseError> {
    let mut s = RunSpec {
        client,
        command,
        options: Vec::new(),
        image,
        args,
        privileged: false,
        cap_add: vec![],
        cap_drop: vec![],
        security_opt: vec![],
        cgroupns: None,
        cgroup_parent: None,
        mounts: vec![],
        init: false,
        stop_signal: None,
        read_only: false,
        user: None,
        userns: None,
        runtime: None,
        env_container: None,
        env_files: vec![],
        entrypoint: None,
        podman_systemd: None,
    };
    for a in &options {
        let v = a.value.clone().unwrap_or_default();
        let on = a.is_on();
        match a.name.as_str() {
            "privileged" => s.privileged = on,
            "init" => s.init = on,
            "read-only" => s.read_only = on,
            "cap-add" => s.cap_add.extend(split_list(&v)),
            "cap-drop" => s.cap_drop.extend(split_list(&v)),
            "security-opt" => s.security_opt.push(v),
            "cgroupns" => s.cgroupns = Some(v),
            "cgroup-parent" => s.cgroup_parent = Some(v),
            "stop-signal" => s.stop_signal = Some(v),
            "user" => s.user = Some(v),
            "userns" => s.userns = Some(v),
            "runtime" => s.runtime = Some(v),
            "entrypoint" => s.entrypoint = Some(v),
            "env-file" => s.env_files.push(v),
            "systemd" => s.podman_systemd = Some(v),
            "env" => {
                let (key, value) = v.split_once('=').unwrap_or((&v, ""));
                if key == "container" {
                    s.env_container = Some(value.to_owned());
                }
            }
            "volume" => s.mounts.push(volume(&v).map_err(|m| err(&shown(a), m))?),
            "mount" => s.mounts.push(mount(&v).map_err(|m| err(&shown(a), m))?),
            "tmpfs" => s.mounts.push(tmpfs(&v).map_err(|m| err(&shown(a), m))?),
            _ => {}
        }
    }
    s.options = options;
    Ok(s)
}

/// The mount an option makes (`-v`, `--mount`, `--tmpfs`), if it is one and decodes.
pub(crate) fn decode_mount(a: &RunArg) -> Option<Mount> {
    let v = a.value.as_deref()?;
    match a.name.as_str() {
        "volume" => volume(v).ok(),
        "mount" => mount(v).ok(),
        "tmpfs" => tmpfs(v).ok(),
        _ => None,
    }
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `-v [SRC:]DST[:OPTS]` (Linux syntax).
fn volume(spec: &str) -> Result<Mount, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (src, dst, opts) = match parts.as_slice() {
        [dst] => (None, *dst, ""),
        [src, dst] => (Some(*src), *dst, ""),
        [src, dst, opts] => (Some(*src), *dst, *opts),
        _ => return Err("expected [SOURCE:]DESTINATION[:OPTIONS]".into()),
    };
    if dst.is_empty() || !dst.starts_with('/') {
        return Err("the destination must be an absolute path".into());
    }
    let kind = match src {
        Some(p) if p.starts_with('/') || p.starts_with('.') || p.starts_with('~') => {
            MountKind::Bind
        }
        _ => MountKind::Volume,
    };
    Ok(Mount {
        kind,
        source: src.map(str::to_owned),
        target: dst.to_owned(),
        read_only: opts.split(',').any(|o| o == "ro"),
        bind_recursive: None,
        flag: "volume".into(),
    })
}

/// `--mount type=bind,src=...,dst=...,readonly,...` (CSV of key[=value]).
fn mount(spec: &str) -> Result<Mount, String> {
    let mut kind = MountKind::Volume;
    let (mut source, mut target, mut ro, mut recursive) = (None, None, false, None);
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = match field.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim().trim_matches('"'))),
            None => (field.trim(), None),
        };
        match k {
            "type" => {
                kind = match v.unwrap_or("") {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    _ => MountKind::Other,
                }
            }
            "source" | "src" => source = v.map(str::to_owned),
            "destination" | "dst" | "target" => target = v.map(str::to_owned),
            "readonly" | "ro" => {
                ro = match v {
                    None => true,
                    Some(b) => {
                        parse_bool(b).ok_or_else(|| format!("{k}= expects true or false"))?
                    }
                }
            }
            "bind-recursive" => recursive = v.map(str::to_owned),
            _ => {}
        }
    }
    let target = target.ok_or("no destination (dst=, destination= or target=)")?;
    Ok(Mount {
        kind,
        source,
        target,
        read_only: ro,
        bind_recursive: recursive,
        flag: "mount".into(),
    })
}

/// `--tmpfs DST[:OPTS]`.
fn tmpfs(spec: &str) -> Result<Mount, String> {
    let (dst, opts) = spec.split_once(':').unwrap_or((spec, ""));
    if !dst.starts_with('/') {
        return Err("the destination must be an absolute path".into());
    }
    Ok(Mount {
        kind: MountKind::Tmpfs,
        source: None,
        target: dst.to_owned(),
        read_only: opts.split(',').any(|o| o == "ro"),
        bind_recursive: None,
        flag: "tmpfs".into(),
    })
}

/// The line back as argv: groups whose options are all still there come out
/// exactly as written; the rest in canonical `--name value` form.
pub(crate) fn render(spec: &RunSpec) -> Vec<String> {
    let mut out = spec.command.clone();
    let opts = &spec.options;
    let mut i = 0;
    while i < opts.len() {
        let g = opts[i].group;
        let end = i + opts[i..].iter().take_while(|a| a.group == g).count();
        let members = &opts[i..end];
        if !members[0].tokens.is_empty() {
            out.extend(members[0].tokens.iter().cloned());
        } else {
            for a in members {
                out.push(format!("--{}", a.name));
                if let Some(v) = &a.value {
                    if is_flag(&a.name) {
                        out.pop();
                        out.push(format!("--{}={v}", a.name));
                    } else {
                        out.push(v.clone());
                    }
                }
            }
        }
        i = end;
    }
    if spec.image.starts_with('-') {
        out.push("--".into());
    }
    out.push(spec.image.clone());
    out.extend(spec.args.iter().cloned());
    out
}

/// Removes the options `drop` selects. Options left from a shared token
/// (`-dit` less `-t`) lose their tokens, so [`render`] spells them out.
pub(crate) fn remove(options: &mut Vec<RunArg>, drop: impl Fn(&RunArg) -> bool) {
    let broken: Vec<usize> = options
        .iter()
        .filter(|a| drop(a))
        .map(|a| a.group)
        .collect();
    options.retain(|a| !drop(a));
    for a in options.iter_mut().filter(|a| broken.contains(&a.group)) {
        a.tokens.clear();
    }
}

fn is_flag(name: &str) -> bool {
    options::by_long(&[options::RUN, options::PODMAN_EXTRA], name).is_some_and(|o| !o.takes_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> RunSpec {
        parse(&words(&[line.to_owned()]).unwrap()).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn perr(line: &str) -> ParseError {
        parse(&shlex::split(line).unwrap()).unwrap_err()
    }

    /// Real lines from public READMEs and scripts; each must parse and
    /// round-trip through [`render`] unchanged.
    const REAL: &[(&str, &str)] = &[
        // geerlingguy/docker-ubuntu2204-ansible README.md, "How to Use" step 3.
        ("geerlingguy", "docker run --detach --privileged --volume=/sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host geerlingguy/docker-ubuntu2204-ansible:latest"),
        // j8r/dockerfiles systemd/ubuntu/README.md (jrei/systemd-ubuntu), both lines.
        ("jrei", "docker run -d --name systemd-ubuntu --tmpfs /tmp --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro jrei/systemd-ubuntu"),
        ("jrei-privileged", "docker run -d --name systemd-ubuntu --privileged -v /sys/fs/cgroup:/sys/fs/cgroup:ro jrei/systemd-ubuntu"),
        // robertdebock/docker-ubuntu-systemd README.md, "Manually starting" (with its line continuations).
        ("robertdebock", "docker run \\\n  --tty \\\n  --privileged \\\n  --volume /sys/fs/cgroup:/sys/fs/cgroup:ro \\\n  robertdebock/ubuntu"),
        // gialia/reefer ubuntu/run.sh: combined short flags and RTMIN+3.
        ("gialia", "docker run -itd --stop-signal=RTMIN+3 --cap-add SYS_ADMIN --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro gialia/ubuntu:latest  /lib/systemd/systemd"),
        // Ibracadabra05/heavyset README.md: attached short value -p2223:22, seccomp=unconfined.
        ("heavyset", "docker run -d --name systemd -p2223:22 --security-opt seccomp=unconfined --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro -t ihamisu/heavyset:1.0.4"),
        // valengus/docker ansible:molecule/README.md.
        ("valengus", "docker run --rm -d --cgroupns=host --privileged \\\n--tmpfs /run --tmpfs /tmp -v /sys/fs/cgroup:/sys/fs/cgroup \\\n--name ansible -v $(pwd):/molecule ghcr.io/valengus/ansible:molecule \\\n/usr/lib/systemd/systemd"),
        // aggarciaa1/git-scripts generarMaquinaDocker.sh.
        ("apasoft", "docker run --detach --privileged --volume=/sys/fs/cgroup:/sys/fs/cgroup:rw --ip 192.168.1.10 --cgroupns=host --name=debian1 --network=ansible apasoft/debian11-ansible"),
        // Seed recipes of the task.
        ("seed-v1", "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG"),
        ("seed-v2", "docker run -d --tmpfs /tmp --tmpfs /run --privileged IMG"),
        ("seed-host", "docker run -d --tmpfs /tmp --tmpfs /run --tmpfs /run/lock --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG"),
        ("seed-bare", "docker run IMG"),
        ("seed-init", "docker run -d --init IMG"),
    ];

    #[test]
    fn real_lines_parse_and_round_trip() {
        for (name, line) in REAL {
            let w = words(&[(*line).to_owned()]).unwrap();
            let s = parse(&w).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(render(&s), w, "{name}");
            assert!(!w.iter().any(String::is_empty), "{name}: {w:?}");
            assert!(
                s.image.contains('/') || s.image == "IMG",
                "{name}: {}",
                s.image
            );
        }
    }

    #[test]
    fn geerlingguy_decoded() {
        let s = p(REAL[0].1);
        assert_eq!(s.command, ["docker", "run"]);
        assert!(s.privileged);
        assert_eq!(s.cgroupns.as_deref(), Some("host"));
        let b: Vec<_> = s.cgroup_binds().collect();
        assert_eq!(b.len(), 1);
        assert!(!b[0].read_only && b[0].is_whole_cgroupfs());
        assert_eq!(s.image, "geerlingguy/docker-ubuntu2204-ansible:latest");
        assert!(s.args.is_empty());
    }

    #[test]
    fn combined_short_flags_and_values() {
        let s = p(REAL[4].1);
        let names: Vec<_> = s.options.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(&names[..3], ["interactive", "tty", "detach"]);
        assert_eq!(s.stop_signal.as_deref(), Some("RTMIN+3"));
        assert_eq!(s.cap_add, ["SYS_ADMIN"]);
        assert!(s.has_tmpfs("/run") && s.has_tmpfs("/run/lock"));
        assert_eq!(s.args, ["/lib/systemd/systemd"]);

        let s = p("docker run -itp 8080:80 -p=443:443 -p2223:22 -e=container=docker -d=false IMG sh -c 'x y'");
        let publish: Vec<_> = s
            .options
            .iter()
            .filter(|a| a.name == "publish")
            .map(|a| a.value.as_deref().unwrap())
            .collect();
        assert_eq!(publish, ["8080:80", "443:443", "2223:22"]);
        assert_eq!(s.env_container.as_deref(), Some("docker"));
        assert_eq!(s.args, ["sh", "-c", "x y"]);
    }

    #[test]
    fn leading_words_variants() {
        for line in [
            "docker container run --init IMG",
            "podman run --init IMG",
            "sudo docker run --init IMG",
            "docker -H unix:///var/run/docker.sock --context default run --init IMG",
            "/usr/bin/docker run --init IMG",
            "--init IMG",
        ] {
            let s = p(line);
            assert!(s.init, "{line}");
            assert_eq!(s.image, "IMG", "{line}");
        }
        assert_eq!(p("podman run IMG").client, Client::Podman);
        assert_eq!(
            p("podman run --systemd=always IMG")
                .podman_systemd
                .as_deref(),
            Some("always")
        );
        // Only the image: no leading words, no options.
        assert_eq!(p("jrei/systemd-ubuntu").image, "jrei/systemd-ubuntu");
    }

    #[test]
    fn booleans_with_values() {
        assert!(!p("docker run --privileged=false IMG").privileged);
        assert!(p("docker run --privileged=true IMG").privileged);
        assert!(!p("docker run --init --init=false IMG").init);
        assert!(p("docker run --read-only IMG").read_only);
    }

    #[test]
    fn mounts() {
        let s = p("docker run --mount type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup,readonly \
                   --mount type=tmpfs,destination=/run/lock \
                   --mount type=bind,src=/sys/fs/cgroup/systemd,dst=/sys/fs/cgroup/systemd,ro=false,bind-recursive=writable \
                   -v data:/var/lib/data -v /var/lib/x --tmpfs /tmp:rw,size=64m IMG");
        let m = &s.mounts;
        assert_eq!(m.len(), 6);
        assert!(m[0].is_cgroup_bind() && m[0].read_only && m[0].is_whole_cgroupfs());
        assert!(s.has_tmpfs("/run/lock") && s.has_tmpfs("/tmp"));
        assert!(m[2].is_cgroup_bind() && !m[2].read_only && !m[2].is_whole_cgroupfs());
        assert_eq!(m[2].bind_recursive.as_deref(), Some("writable"));
        assert_eq!(m[3].kind, MountKind::Volume);
        assert_eq!(m[4].kind, MountKind::Volume);
        assert_eq!(s.cgroup_binds().count(), 2);
    }

    #[test]
    fn security_and_caps() {
        let s = p(
            "docker run --security-opt seccomp=unconfined --security-opt apparmor:unconfined \
                   --security-opt no-new-privileges --security-opt label=disable \
                   --cap-add=SYS_ADMIN,NET_ADMIN --cap-drop ALL -u 1000:1000 --userns=host \
                   --runtime sysbox-runc --cgroup-parent=/ci --entrypoint /sbin/init \
                   --env-file ./env.list IMG",
        );
        assert_eq!(s.security("seccomp"), Some("unconfined"));
        assert_eq!(s.security("apparmor"), Some("unconfined"));
        assert_eq!(s.security("label"), Some("disable"));
        assert!(s.no_new_privileges());
        assert!(s.cap_added("CAP_SYS_ADMIN") && s.cap_added("net_admin"));
        assert!(s.cap_dropped("MKNOD"));
        assert_eq!(s.user.as_deref(), Some("1000:1000"));
        assert_eq!(s.userns.as_deref(), Some("host"));
        assert_eq!(s.runtime.as_deref(), Some("sysbox-runc"));
        assert_eq!(s.cgroup_parent.as_deref(), Some("/ci"));
        assert_eq!(s.entrypoint.as_deref(), Some("/sbin/init"));
        assert_eq!(s.env_files, ["./env.list"]);
    }

    #[test]
    fn every_reference_option_is_accepted() {
        for o in options::RUN {
            let line: Vec<String> = if o.takes_value {
                vec![format!("--{}", o.long), "x".into(), "IMG".into()]
            } else {
                vec![format!("--{}", o.long), "IMG".into()]
            };
            let r = parse(&line);
            // Values the doctor decodes may be refused for their content, never for the name.
            if let Err(e) = r {
                assert!(
                    ["volume", "mount", "tmpfs"].contains(&o.long),
                    "{}: {e}",
                    o.long
                );
            }
        }
    }

    #[test]
    fn double_dash_and_image_args() {
        let s = p("docker run -d -- IMG --privileged -v /x:/y");
        assert!(!s.privileged);
        assert_eq!(s.args, ["--privileged", "-v", "/x:/y"]);
    }

    #[test]
    fn malformed_lines_name_the_token() {
        let cases = [
            ("docker run --frobnicate IMG", "--frobnicate"),
            ("docker run -d --name", "--name"),
            ("docker run -dX IMG", "-dX"),
            ("docker run -d", "-d"),
            ("docker run", "run"),
            ("docker build .", "build"),
            ("dokcer run IMG", "dokcer"),
            ("docker run --privileged=maybe IMG", "--privileged=maybe"),
            ("docker run -v relative IMG", "-v relative"),
            (
                "docker run --mount type=bind,src=/a IMG",
                "--mount type=bind,src=/a",
            ),
            ("docker run -p", "-p"),
        ];
        for (line, token) in cases {
            let e = perr(line);
            assert_eq!(e.token, token, "{line}: {e}");
            assert!(e.to_string().contains(token), "{e}");
        }
        assert!(words(&["docker run 'unbalanced IMG".into()]).is_err());
    }

    #[test]
    fn partial_groups_render_canonically() {
        let mut s = p("docker run -dit --init IMG");
        remove(&mut s.options, |a| a.name == "tty");
        assert_eq!(
            render(&s),
            [
                "docker",
                "run",
                "--detach",
                "--interactive",
                "--init",
                "IMG"
            ]
        );
    }
}
