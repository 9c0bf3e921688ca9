//! A Dockerfile read as BuildKit reads it, down to the image config its final
//! stage leaves, and the image the file would build as the image checks see it.
//!
//! A small parser of our own: the `dockerfile-parser` crate (0.9, pest) has no
//! `# escape=` directive, no heredocs and no BuildKit variable rules, and its
//! issues and PRs sit unanswered (dprint left it for that reason).
//!
//! What it reads:
//! - parser directives at the top (`# escape=\`` or `` ` ``; `syntax`, `check`
//!   ignored), comments, blank lines, line continuations with the escape
//!   character (comment and blank lines inside one are dropped), heredocs
//!   (`RUN <<EOF` … `EOF`, `<<-`, quoted words);
//! - `FROM [--platform=…] image [AS name]`: one stage each; `FROM <stage>`
//!   starts from that stage's settings; the last stage is the image;
//! - `ARG` (before the first FROM: for FROM lines only, as BuildKit scopes
//!   them; in a stage: with its default or the global one), `ENV k=v …` and
//!   legacy `ENV k v`; `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`,
//!   `${VAR+x}` substituted in FROM, ENV, USER, STOPSIGNAL, WORKDIR and VOLUME
//!   (never in CMD, ENTRYPOINT or RUN, which the shell expands at run time);
//!   a plain `$NAME` in ENV that the file does not set stays `${NAME}`, for the
//!   base's Env to resolve when the base is probed (`ENV PATH=/opt/bin:$PATH`);
//!   elsewhere, and with an operator, it counts as unset;
//! - `CMD`, `ENTRYPOINT`, `SHELL`: JSON (exec) form, else shell form wrapped in
//!   the stage's SHELL; an ENTRYPOINT clears an earlier stage's CMD;
//! - `USER`, `STOPSIGNAL`, `WORKDIR`, `VOLUME` (JSON or words);
//! - `RUN`: which init packages it installs (apt-get/apt/aptitude, dnf/yum/
//!   microdnf/tdnf, zypper, apk, pacman);
//! - LABEL, EXPOSE, COPY, ADD, HEALTHCHECK, ONBUILD, MAINTAINER are accepted
//!   and ignored. Anything else is an error naming its line.

use std::collections::BTreeMap;

use crate::facts::dockerfile::{DockerfileFacts, EnvVar, PackageInstall, Setting};
use crate::facts::image::{ImageFacts, Pid1Facts, Pid1Kind};
use crate::facts::Probed;
use crate::runline::systemd::INIT_COMMANDS;

/// One instruction, its continuations joined.
#[derive(Debug, Clone, PartialEq)]
struct Instruction {
    keyword: String,
    args: String,
    line: usize,
    last_line: usize,
}

const IGNORED: &[&str] = &[
    "LABEL",
    "EXPOSE",
    "COPY",
    "ADD",
    "HEALTHCHECK",
    "ONBUILD",
    "MAINTAINER",
];

/// Packages that make systemd PID 1 (Debian's systemd-sysv gives /sbin/init).
const SYSTEMD_PACKAGES: &[&str] = &["systemd", "systemd-sysv"];
/// Other inits a RUN line may install instead.
const OTHER_INIT_PACKAGES: &[&str] = &[
    "openrc",
    "busybox-openrc",
    "sysvinit",
    "sysvinit-core",
    "runit",
    "runit-init",
    "s6",
    "tini",
    "dumb-init",
];

/// `path`'s settings; an error is one line, `path:LINE: what`.
pub(crate) fn parse(path: &str, text: &str) -> Result<DockerfileFacts, String> {
    let (escape, instructions) = split(text).map_err(|(line, e)| format!("{path}:{line}: {e}"))?;
    evaluate(path, text, escape, &instructions).map_err(|(line, e)| format!("{path}:{line}: {e}"))
}

type Located<T> = Result<T, (usize, String)>;

/// The escape character and the instructions.
fn split(text: &str) -> Located<(char, Vec<Instruction>)> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut escape = '\\';
    let mut i = 0;
    // Parser directives: only at the very top, before any other line.
    while i < lines.len() {
        let Some((key, value)) = directive(lines[i]) else {
            break;
        };
        if key == "escape" {
            escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                other => return Err((i + 1, format!("invalid escape directive '{other}'"))),
            };
        }
        i += 1;
    }
    let mut out = Vec::new();
    while i < lines.len() {
        let first = lines[i];
        let trimmed = first.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut buf = String::new();
        let mut cur = first;
        loop {
            let t = cur.trim_end();
            match t.strip_suffix(escape) {
                Some(head) => {
                    buf.push_str(head);
                    i += 1;
                    // BuildKit drops comment and blank lines inside a continuation.
                    while i < lines.len() && {
                        let l = lines[i].trim_start();
                        l.is_empty() || l.starts_with('#')
                    } {
                        i += 1;
                    }
                    if i >= lines.len() {
                        break;
                    }
                    cur = lines[i];
                }
                None => {
                    buf.push_str(cur);
                    break;
                }
            }
        }
        let last = i.min(lines.len() - 1);
        i = last + 1;
        let body = buf.trim();
        let (keyword, args) = match body.split_once(char::is_whitespace) {
            Some((k, a)) => (k, a.trim()),
            None => (body, ""),
        };
        if !keyword.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            return Err((start + 1, format!("'{keyword}' is not an instruction")));
        }
        let mut ins = Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.to_owned(),
            line: start + 1,
            last_line: last + 1,
        };
        if matches!(ins.keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (word, strip_tabs) in heredocs(&ins.args) {
                let mut body = String::new();
                loop {
                    if i >= lines.len() {
                        return Err((ins.line, format!("heredoc <<{word} is never closed")));
                    }
                    let l = lines[i];
                    i += 1;
                    let l = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if l == word {
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                ins.args.push('\n');
                ins.args.push_str(&body);
                ins.last_line = i;
            }
        }
        out.push(ins);
    }
    Ok((escape, out))
}

/// `# key=value` at the top of the file, key lower-cased.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix('#')?;
    let (key, value) = rest.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((key.to_ascii_lowercase(), value.trim().to_owned()))
}

/// The heredoc words of a RUN/COPY line, in order: (word, `<<-`).
fn heredocs(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = args.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if &b[i..i + 2] != b"<<" || (i > 0 && b[i - 1] == b'<') || b.get(i + 2) == Some(&b'<') {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        let dash = b.get(j) == Some(&b'-');
        if dash {
            j += 1;
        }
        let quote = match b.get(j) {
            Some(&q @ (b'\'' | b'"')) => {
                j += 1;
                Some(q)
            }
            _ => None,
        };
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if j > start && quote.is_none_or(|q| b.get(j) == Some(&q)) {
            out.push((args[start..j].to_owned(), dash));
        }
        i = j.max(i + 2);
    }
    out
}

/// The settings one stage has reached.
#[derive(Debug, Clone)]
struct Stage {
    name: Option<String>,
    base: String,
    entrypoint: Vec<Setting<Vec<String>>>,
    cmd: Vec<Setting<Vec<String>>>,
    cmd_cleared_at: Option<usize>,
    user: Vec<Setting<String>>,
    stop_signal: Vec<Setting<String>>,
    env: Vec<Setting<EnvVar>>,
    working_dir: Vec<Setting<String>>,
    volumes: Vec<Setting<Vec<String>>>,
    installs: Vec<Setting<PackageInstall>>,
    shell: Vec<String>,
    /// Not inherited by a stage built FROM this one.
    args: BTreeMap<String, String>,
    cmd_set_here: bool,
}

impl Stage {
    fn new(base: String, name: Option<String>) -> Stage {
        Stage {
            name,
            base,
            entrypoint: vec![],
            cmd: vec![],
            cmd_cleared_at: None,
            user: vec![],
            stop_signal: vec![],
            env: vec![],
            working_dir: vec![],
            volumes: vec![],
            installs: vec![],
            shell: vec!["/bin/sh".into(), "-c".into()],
            args: BTreeMap::new(),
            cmd_set_here: false,
        }
    }

    /// A variable as BuildKit sees it in this stage: ENV over ARG.
    fn var(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .rev()
            .find(|e| e.value.name == name)
            .map(|e| e.value.value.clone())
            .or_else(|| self.args.get(name).cloned())
    }
}

fn evaluate(
    path: &str,
    text: &str,
    escape: char,
    instructions: &[Instruction],
) -> Located<DockerfileFacts> {
    let mut global: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    for ins in instructions {
        let at = |what: String| (ins.line, what);
        let kw = ins.keyword.as_str();
        if kw == "FROM" {
            let lookup = |n: &str| global.get(n).cloned().flatten();
            let words = process_words(&ins.args, escape, &lookup).map_err(at)?;
            let words: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
            let (image, name) = match words.as_slice() {
                [image] => ((*image).clone(), None),
                [image, as_, name] if as_.eq_ignore_ascii_case("as") => {
                    ((*image).clone(), Some(name.to_ascii_lowercase()))
                }
                [] => return Err(at("FROM names no image".into())),
                _ => {
                    return Err(at(format!(
                        "FROM takes `image [AS name]`, not '{}'",
                        ins.args
                    )))
                }
            };
            let parent = stages
                .iter()
                .rev()
                .find(|s| s.name.as_deref() == Some(image.to_ascii_lowercase().as_str()));
            let stage = match parent {
                Some(p) => Stage {
                    name,
                    args: BTreeMap::new(),
                    cmd_set_here: false,
                    ..p.clone()
                },
                None => Stage::new(image, name),
            };
            stages.push(stage);
            continue;
        }
        let Some(stage) = stages.last_mut() else {
            if kw == "ARG" {
                for (name, value) in arg_pairs(&ins.args, escape, &|n: &str| {
                    global.get(n).cloned().flatten()
                })
                .map_err(at)?
                {
                    global.insert(name, value);
                }
                continue;
            }
            if IGNORED.contains(&kw) || KNOWN.contains(&kw) {
                return Err(at(format!("{kw} before the first FROM")));
            }
            return Err(at(format!("unknown instruction '{}'", ins.keyword)));
        };
        let var = |n: &str| stage.var(n);
        match kw {
            "ARG" => {
                for (name, value) in arg_pairs(&ins.args, escape, &var).map_err(at)? {
                    let value = value.or_else(|| global.get(&name).cloned().flatten());
                    if let Some(v) = value {
                        stage.args.insert(name, v);
                    }
                }
            }
            "ENV" => {
                for (name, value) in env_pairs(&ins.args, escape, &var).map_err(at)? {
                    stage.env.push(at_line(ins, EnvVar { name, value }));
                }
            }
            "USER" | "STOPSIGNAL" | "WORKDIR" => {
                let value = process_word(&ins.args, escape, &var).map_err(at)?;
                if value.is_empty() {
                    return Err(at(format!("{kw} needs a value")));
                }
                match kw {
                    "USER" => stage.user.push(at_line(ins, value)),
                    "STOPSIGNAL" => stage.stop_signal.push(at_line(ins, value)),
                    _ => {
                        let value = match stage.working_dir.last() {
                            Some(prev) if !value.starts_with('/') => {
                                format!("{}/{value}", prev.value.trim_end_matches('/'))
                            }
                            _ => value,
                        };
                        stage.working_dir.push(at_line(ins, value));
                    }
                }
            }
            "VOLUME" => {
                let paths = match json_array(&ins.args) {
                    Some(items) => items
                        .iter()
                        .map(|p| process_word(p, escape, &var))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(at)?,
                    None => process_words(&ins.args, escape, &var).map_err(at)?,
                };
                let paths: Vec<String> = paths.into_iter().filter(|p| !p.is_empty()).collect();
                if paths.is_empty() {
                    return Err(at("VOLUME names no path".into()));
                }
                stage.volumes.push(at_line(ins, paths));
            }
            "CMD" | "ENTRYPOINT" | "SHELL" => {
                let argv = match json_array(&ins.args) {
                    Some(a) => a,
                    None if kw == "SHELL" => return Err(at("SHELL takes a JSON array".into())),
                    None => {
                        let mut a = stage.shell.clone();
                        a.push(ins.args.clone());
                        a
                    }
                };
                match kw {
                    "CMD" => {
                        stage.cmd.push(at_line(ins, argv));
                        stage.cmd_set_here = true;
                    }
                    "ENTRYPOINT" => {
                        stage.entrypoint.push(at_line(ins, argv));
                        if !stage.cmd_set_here {
                            stage.cmd_cleared_at = Some(ins.line);
                        }
                    }
                    _ => stage.shell = argv,
                }
            }
            "RUN" => {
                // RUN's own flags (--mount=…, --network=…) come first.
                let mut args = ins.args.as_str();
                while args.starts_with("--") {
                    args = args
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, rest)| rest.trim_start());
                }
                let script = match json_array(args) {
                    Some(a) => a.join(" "),
                    None => args.to_owned(),
                };
                for install in init_installs(&script) {
                    stage.installs.push(at_line(ins, install));
                }
            }
            _ if IGNORED.contains(&kw) => {}
            _ => return Err(at(format!("unknown instruction '{}'", ins.keyword))),
        }
    }
    let stage_count = stages.len();
    let Some(last) = stages.pop() else {
        return Err((1, "no FROM instruction: not a Dockerfile".into()));
    };
    Ok(DockerfileFacts {
        path: path.to_owned(),
        text: text.to_owned(),
        base: last.base,
        stages: stage_count,
        stage: last.name,
        base_present: None,
        base_has_systemd: None,
        base_note: None,
        entrypoint: last.entrypoint,
        cmd: last.cmd,
        cmd_cleared_at: last.cmd_cleared_at,
        user: last.user,
        stop_signal: last.stop_signal,
        env: last.env,
        working_dir: last.working_dir,
        volumes: last.volumes,
        installs: last.installs,
    })
}

fn at_line<T>(ins: &Instruction, value: T) -> Setting<T> {
    Setting {
        value,
        line: ins.line,
        last_line: ins.last_line,
    }
}

const KNOWN: &[&str] = &[
    "ENV",
    "USER",
    "STOPSIGNAL",
    "WORKDIR",
    "VOLUME",
    "CMD",
    "ENTRYPOINT",
    "SHELL",
    "RUN",
];

/// A JSON array of strings (the exec form); `None` for anything else, which
/// BuildKit then takes as the shell form.
fn json_array(args: &str) -> Option<Vec<String>> {
    if !args.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(args).ok()
}

/// `ARG a=1 b`: names with their defaults.
fn arg_pairs(
    args: &str,
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Option<String>)>, String> {
    let words = process_words(args, escape, var)?;
    if words.is_empty() {
        return Err("ARG names no variable".into());
    }
    Ok(words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (w, None),
        })
        .collect())
}

/// `ENV a=1 b="x y"` or legacy `ENV a x y`. Every value is substituted with
/// the variables from before the instruction, as BuildKit does.
fn env_pairs(
    args: &str,
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    // A plain `$NAME` the file does not set may be the base's (`$PATH`): kept
    // as `${NAME}` for the probe to resolve against the base's Env.
    let var = &|n: &str| var(n).or_else(|| Some(format!("{BASE_VAR}{n}{BASE_VAR}")));
    let pairs = env_words(args, escape, var)?;
    Ok(pairs
        .into_iter()
        .map(|(k, v)| {
            let v = v
                .split(BASE_VAR)
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        format!("${{{part}}}")
                    } else {
                        part.to_owned()
                    }
                })
                .collect();
            (k, v)
        })
        .collect())
}

/// Marks a variable the file does not set, inside a value being built.
const BASE_VAR: char = '\u{0}';

fn env_words(
    args: &str,
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let first = args.split_whitespace().next().unwrap_or("");
    if first.is_empty() {
        return Err("ENV names no variable".into());
    }
    if !first.contains('=') {
        let rest = args[first.len()..].trim();
        if rest.is_empty() {
            return Err(format!("ENV {first} has no value (use ENV {first}=)"));
        }
        return Ok(vec![(first.to_owned(), process_word(rest, escape, var)?)]);
    }
    process_words(args, escape, var)?
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ => Err(format!("ENV '{w}' is not NAME=VALUE")),
        })
        .collect()
}

/// One word: quotes removed, escapes and variables processed, whitespace kept.
fn process_word(
    s: &str,
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    Ok(lex(s.trim(), escape, var, false)?.concat())
}

/// Words split at unquoted whitespace, each processed as [`process_word`].
fn process_words(
    s: &str,
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, String> {
    lex(s, escape, var, true)
}

/// BuildKit's shell lexer, for the forms Dockerfiles use.
fn lex(
    s: &str,
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
    split: bool,
) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if split && c.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut cur));
                in_word = false;
            }
            i += 1;
            continue;
        }
        in_word = true;
        if c == escape {
            if let Some(&n) = chars.get(i + 1) {
                cur.push(n);
            }
            i += 2;
        } else if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '\'')
                .ok_or("unmatched ' quote")?;
            cur.extend(&chars[i + 1..i + 1 + end]);
            i += end + 2;
        } else if c == '"' {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unmatched \" quote".into()),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&e) if e == escape => {
                        match chars.get(i + 1) {
                            Some(&n) if n == '"' || n == '$' || n == escape => cur.push(n),
                            Some(&n) => {
                                cur.push(e);
                                cur.push(n);
                            }
                            None => cur.push(e),
                        }
                        i += 2;
                    }
                    Some('$') => {
                        let (v, used) = dollar(&chars[i..], escape, var)?;
                        cur.push_str(&v);
                        i += used;
                    }
                    Some(&x) => {
                        cur.push(x);
                        i += 1;
                    }
                }
            }
        } else if c == '$' {
            let (v, used) = dollar(&chars[i..], escape, var)?;
            cur.push_str(&v);
            i += used;
        } else {
            cur.push(c);
            i += 1;
        }
    }
    if in_word || !split {
        words.push(cur);
    }
    Ok(words)
}

/// `$NAME`, `${NAME}`, `${NAME:-word}` … at the start of `s`: (value, chars used).
fn dollar(
    s: &[char],
    escape: char,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, usize), String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if s.get(1) == Some(&'{') {
        let close = s
            .iter()
            .position(|&c| c == '}')
            .ok_or("missing '}' in ${…}")?;
        let inner: String = s[2..close].iter().collect();
        let name_len = inner.chars().take_while(|&c| is_name(c)).count();
        let (name, op) = inner.split_at(name_len);
        if name.is_empty() {
            return Err(format!("bad substitution '${{{inner}}}'"));
        }
        // With an operator, a variable the file does not set counts as unset.
        let value = var(name).filter(|v| op.is_empty() || !v.starts_with(BASE_VAR));
        let set = value.as_deref().is_some_and(|v| !v.is_empty());
        let word = |w: &str| -> Result<String, String> { Ok(lex(w, escape, var, false)?.concat()) };
        let out = match op {
            "" => value.unwrap_or_default(),
            o if o.starts_with(":-") => {
                if set {
                    value.unwrap_or_default()
                } else {
                    word(&o[2..])?
                }
            }
            o if o.starts_with('-') => value.map_or_else(|| word(&o[1..]), Ok)?,
            o if o.starts_with(":+") => {
                if set {
                    word(&o[2..])?
                } else {
                    String::new()
                }
            }
            o if o.starts_with('+') => {
                if value.is_some() {
                    word(&o[1..])?
                } else {
                    String::new()
                }
            }
            o if o.starts_with(":?") || o.starts_with('?') => match value.filter(|v| !v.is_empty())
            {
                Some(v) => v,
                None => return Err(format!("{name}: {}", o.trim_start_matches([':', '?']))),
            },
            o => return Err(format!("unsupported substitution '${{{name}{o}}}'")),
        };
        return Ok((out, close + 1));
    }
    let len = s[1..].iter().take_while(|&&c| is_name(c)).count();
    if len == 0 {
        return Ok(("$".into(), 1));
    }
    let name: String = s[1..1 + len].iter().collect();
    Ok((var(&name).unwrap_or_default(), 1 + len))
}

/// The init packages a RUN script installs.
fn init_installs(script: &str) -> Vec<PackageInstall> {
    let mut flat = script.to_owned();
    for sep in ["&&", "||", ";", "|", "(", ")", "`", "$("] {
        flat = flat.replace(sep, "\n");
    }
    flat.lines()
        .filter_map(|cmd| install_of(&cmd.split_whitespace().collect::<Vec<_>>()))
        .collect()
}

fn install_of(words: &[&str]) -> Option<PackageInstall> {
    let mut w = words;
    // Wrappers before the package manager.
    while let Some((first, rest)) = w.split_first() {
        if matches!(*first, "sudo" | "env" | "exec" | "command" | "nice")
            || (first.contains('=') && !first.starts_with('-'))
        {
            w = rest;
        } else {
            break;
        }
    }
    let (manager, rest) = w.split_first()?;
    let manager = manager.rsplit('/').next().unwrap_or(manager);
    // Options that take the next word as their value.
    let with_value: &[&str] = match manager {
        "apt-get" | "apt" | "aptitude" => &["-o", "-t", "-c", "--target-release", "--option"],
        "dnf" | "yum" | "microdnf" | "tdnf" => &[
            "--setopt",
            "--enablerepo",
            "--disablerepo",
            "--releasever",
            "--installroot",
            "-c",
            "--config",
        ],
        "zypper" => &["--from", "-r", "--repo"],
        "apk" => &["--virtual", "-t", "--repository", "-X", "--root", "-p"],
        "pacman" => &["--root", "-r", "--config"],
        _ => return None,
    };
    let is_install = |x: &str| match manager {
        "apt-get" | "apt" | "aptitude" | "dnf" | "yum" | "microdnf" | "tdnf" => x == "install",
        "zypper" => x == "install" || x == "in",
        "apk" => x == "add",
        _ => x.starts_with("-S") && !x.contains(['s', 'i', 'c', 'g', 'l', 'p', 'q']),
    };
    let mut i = 0;
    let mut installing = false;
    let mut packages = Vec::new();
    while i < rest.len() {
        let x = rest[i];
        i += 1;
        if with_value.contains(&x) {
            i += 1;
            continue;
        }
        if !installing {
            if is_install(x) {
                installing = true;
            } else if !x.starts_with('-') {
                return None; // another subcommand (update, remove …)
            }
            continue;
        }
        if x.starts_with('-') || x.starts_with('$') {
            continue;
        }
        // `systemd=252.*`, `systemd/bookworm-backports`, quotes.
        let name = x
            .trim_matches(['"', '\''])
            .split(['=', '/'])
            .next()
            .unwrap_or(x);
        if SYSTEMD_PACKAGES.contains(&name) || OTHER_INIT_PACKAGES.contains(&name) {
            packages.push(name.to_owned());
        }
    }
    if packages.is_empty() {
        return None;
    }
    let systemd = packages
        .iter()
        .any(|p| SYSTEMD_PACKAGES.contains(&p.as_str()));
    Some(PackageInstall {
        manager: manager.to_owned(),
        packages,
        systemd,
    })
}

/// The image `df` would build, for the image checks. `base`: the base image
/// probed with the file's settings over its own config; `None` when it was
/// not (scratch, no daemon).
pub(crate) fn image_facts(df: &DockerfileFacts, base: Option<ImageFacts>) -> ImageFacts {
    let reference = df.image_ref();
    let mut img = match base.filter(ImageFacts::readable) {
        Some(mut b) => {
            b.reference = reference;
            add_installed_systemd(df, &mut b);
            return b;
        }
        None => ImageFacts::unavailable(&reference, true, None),
    };
    let unknown = df
        .base_note
        .clone()
        .unwrap_or_else(|| format!("{} was not inspected", df.base));
    img.error = None;
    img.entrypoint = df.entrypoint.last().map(|s| s.value.clone());
    img.cmd = df.final_cmd();
    img.env_container = df.env_var("container").map(str::to_owned);
    img.user = df.user.last().map(|s| s.value.clone()).unwrap_or_default();
    img.working_dir = df
        .working_dir
        .last()
        .map(|s| s.value.clone())
        .unwrap_or_default();
    img.volumes = df.volumes.iter().flat_map(|v| v.value.clone()).collect();
    img.stop_signal = df.stop_signal.last().map(|s| s.value.clone());
    let scratch = df.base == "scratch";
    img.os = if scratch {
        Probed::Ok(None)
    } else {
        Probed::error(unknown.clone())
    };
    let argv: Vec<String> = img
        .entrypoint
        .iter()
        .chain(img.cmd.iter())
        .flatten()
        .cloned()
        .collect();
    img.pid1 = match argv.first() {
        None if scratch => Probed::Ok(pid1_by_name(argv.clone(), None, Pid1Kind::Missing)),
        None => Probed::error(format!(
            "the file sets neither ENTRYPOINT nor CMD and {unknown}: what PID 1 runs is unknown"
        )),
        Some(cmd) => Probed::Ok(pid1_by_name(
            argv.clone(),
            Some(cmd.clone()),
            kind_by_name(df, cmd),
        )),
    };
    img.init = img.pid1.ok().and_then(|p| p.resolved.clone());
    let named_systemd = img.pid1.ok().is_some_and(|p| p.kind == Pid1Kind::Systemd);
    let installs = df.systemd_installs().next().is_some();
    (img.systemd_path, img.systemd) = if installs || named_systemd {
        (
            Some(systemd_path(df, img.init.as_deref())),
            Probed::Ok(None),
        )
    } else if scratch {
        (None, Probed::Ok(None))
    } else {
        (
            None,
            Probed::error(format!("{unknown}: whether it has systemd is unknown")),
        )
    };
    img.notes.push(format!(
        "judged from the Dockerfile alone ({unknown}): PID 1 by its name, systemd's version unknown"
    ));
    img
}

/// On a base without systemd, the systemd a RUN line installs: where it
/// will be, and PID 1 when the command names it. Its version is the one the
/// base's distribution ships, unknown until built.
fn add_installed_systemd(df: &DockerfileFacts, img: &mut ImageFacts) {
    let Some(install) = df.systemd_installs().next() else {
        return;
    };
    if img.systemd_path.is_some() {
        return;
    }
    let path = systemd_path(df, None);
    let from = format!(
        "line {}: {} installs {}",
        install.line,
        install.value.manager,
        install.value.packages.join(" ")
    );
    if let Probed::Ok(p) = &mut img.pid1 {
        if p.kind != Pid1Kind::Systemd {
            if let Some(cmd) = p.argv.first().cloned() {
                if kind_by_name(df, &cmd) == Pid1Kind::Systemd {
                    p.kind = Pid1Kind::Systemd;
                    p.resolved = Some(path.clone());
                    p.links.clear();
                    // What the base's files said of it no longer holds.
                    img.link_findings.retain(|l| l.path != cmd);
                    img.init = Some(path.clone());
                    img.notes
                        .push(format!("PID 1 {cmd} comes from the install ({from})"));
                }
            }
        }
    }
    img.systemd_path = Some(path);
    img.systemd = Probed::Ok(None);
    img.notes.push(format!(
        "systemd is not in the base image: {from}; its version is the one the base's distribution ships"
    ));
}

/// What a command is by its name alone: `/sbin/init` is systemd unless the
/// file installs another init, or installs systemd with apt but not
/// systemd-sysv (which is what gives Debian its /sbin/init).
fn kind_by_name(df: &DockerfileFacts, cmd: &str) -> Pid1Kind {
    let name = cmd.rsplit('/').next().unwrap_or(cmd);
    let installed = |p: &str| {
        df.installs
            .iter()
            .any(|i| i.value.packages.iter().any(|x| x == p))
    };
    let apt = df
        .systemd_installs()
        .any(|i| i.value.manager.starts_with("apt"));
    match name {
        "systemd" => Pid1Kind::Systemd,
        "init" if OTHER_INIT_PACKAGES.iter().any(|p| installed(p)) && !installed("systemd") => {
            Pid1Kind::OtherInit
        }
        "init" if apt && !installed("systemd-sysv") => Pid1Kind::Missing,
        "init" if INIT_COMMANDS.contains(&cmd) || cmd == "init" => Pid1Kind::Systemd,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" => Pid1Kind::Shell,
        "tini" | "tini-static" | "docker-init" | "dumb-init" | "catatonit" => Pid1Kind::MiniInit,
        "openrc-init" | "runit" | "runit-init" | "s6-svscan" => Pid1Kind::OtherInit,
        _ => Pid1Kind::Other,
    }
}

fn pid1_by_name(argv: Vec<String>, cmd: Option<String>, kind: Pid1Kind) -> Pid1Facts {
    Pid1Facts {
        argv,
        resolved: cmd.clone().filter(|_| kind != Pid1Kind::Missing),
        command: cmd,
        kind,
        links: vec![],
        shell_execs: None,
    }
}

/// Where systemd will be: the command when it names systemd's binary, else
/// where the packages put it (Debian: /lib; the others: /usr/lib).
fn systemd_path(df: &DockerfileFacts, command: Option<&str>) -> String {
    if let Some(c) = command.filter(|c| c.ends_with("/systemd")) {
        return c.to_owned();
    }
    let apt = df
        .systemd_installs()
        .any(|i| i.value.manager.starts_with("apt"));
    if apt || df.systemd_installs().next().is_none() {
        "/lib/systemd/systemd".into()
    } else {
        "/usr/lib/systemd/systemd".into()
    }
}

#[cfg(test)]
mod tests;
