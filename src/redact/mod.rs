//! Redaction of what a report, a Markdown paste or a bundle would give away:
//! hostnames, IP addresses, user names in home paths, proxy and registry
//! credentials, `-e`/`--env` and label values, the kernel command line
//! except the switches the checks read. Runs after the checks, over what is
//! rendered, so no verdict or status changes; every function is idempotent.
//!
//! Structural first: [`Redactor::new`] reads the known fields of the facts
//! (and [`Redactor::add_run`] each target's run line) and learns each
//! secret with its replacement; then every string of the rendered output is
//! scrubbed of those secrets (evidence echoes them) and of the patterns in
//! `scrub` (IP addresses, home directories, URL credentials).
//! [`raw`] does the same for the inputs a bundle stores.

mod ordered;
pub mod raw;
mod scrub;
#[cfg(test)]
mod tests;
mod yaml;

use serde_json::Value;

use crate::facts::run::{RunArg, RunFacts};
use crate::facts::Facts;

/// What replaces a secret value (`-e DB_PASSWORD=<redacted>`).
pub const REDACTED: &str = "<redacted>";
/// What replaces a hostname.
pub const HOST: &str = "<redacted:host>";
/// What replaces an IP address.
pub const IP: &str = "<redacted:ip>";
/// What replaces a container name.
pub const NAME: &str = "<redacted:name>";
/// What replaces the user name in a home path (`/home/<user>/…`).
pub const USER: &str = "<user>";

/// Variables whose values the checks or probes read: kept.
pub(crate) const KEEP_ENV: &[&str] = &["container", "PATH"];

/// Values too common to scrub as words wherever they occur: a `-e MODE=docker`
/// must not blank every "docker" in the report (the `K=V` form still goes).
const COMMON: &[&str] = &[
    "true",
    "false",
    "yes",
    "no",
    "none",
    "null",
    "auto",
    "always",
    "never",
    "docker",
    "podman",
    "systemd",
    "host",
    "private",
    "root",
    "user",
    "init",
    "unified",
    "hybrid",
    "legacy",
    "pass",
    "fail",
    "warn",
    "skip",
    "error",
    "info",
    "debug",
    "default",
    "container",
    "run",
    "tmpfs",
    "cgroup",
    "local",
    "localhost",
    "runc",
    "crun",
    "image",
    "build",
    "test",
    "prod",
    "production",
    "development",
    "dev",
    "main",
    "latest",
];

/// JSON keys whose values are never scrubbed: verdicts, statuses, ids and
/// versions (a version such as `1.2.3.4` is not an address).
const PROTECTED: &[&str] = &[
    "schema_version",
    "tool",
    "verdict",
    "summary",
    "status",
    "id",
    "group",
    "title",
    "kind",
    "outcome",
    "mode",
    "engine",
    "version",
    "release",
    "server_version",
    "api_version",
    "min_api_version",
    "negotiated_api_version",
    "systemd_version",
    "kernel_version",
];

/// The secrets learned from the facts, each with its replacement.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Replaced wherever they occur as a whole word; longest first.
    words: Vec<(String, String)>,
    /// Replaced where a whole string (an argv word) is exactly one.
    exact: Vec<(String, String)>,
    /// Never treated as secrets (a compose service's or molecule platform's
    /// own name, which tells the report's sections apart).
    keep: Vec<String>,
}

impl Redactor {
    /// Learns the secrets in `facts`: the kernel command line, the run line,
    /// the container's name, a remote daemon's host, a Dockerfile's ENV values.
    pub fn new(facts: &Facts) -> Redactor {
        let mut r = Redactor::default();
        if let Some(c) = facts.host.cmdline.ok() {
            r.word(&c.raw, &raw::cmdline(&c.raw));
        }
        let endpoints = facts.docker.iter().map(|d| d.endpoint.as_str()).chain(
            facts
                .docker_probe
                .iter()
                .flat_map(|p| p.endpoint.as_deref()),
        );
        for e in endpoints {
            r.endpoint(e);
        }
        if let Some(c) = &facts.container {
            r.secret(&c.name, NAME);
            if !c.id.starts_with(&c.reference) {
                r.secret(&c.reference, NAME);
            }
            // systemd names the hostname it set; Docker's default (the
            // short id) gives nothing away.
            let lines = c.logs.as_ref().and_then(|l| l.ok()).map(|l| &l.lines[..]);
            for line in lines.unwrap_or_default() {
                if let Some(h) = hostname_in_log(line).filter(|h| !c.id.starts_with(h)) {
                    r.secret(h, HOST);
                }
            }
        }
        if let Some(run) = &facts.run {
            r.add_run(run);
        }
        if let Some(d) = &facts.dockerfile {
            for e in &d.env {
                let (k, v) = (&e.value.name, &e.value.value);
                if !KEEP_ENV.contains(&k.as_str()) && !v.is_empty() {
                    r.assignment(k, v);
                    r.word(&format!("{k} {v}"), &format!("{k} {REDACTED}"));
                }
            }
        }
        r.sort();
        r
    }

    /// Learns the secrets of one more run line (a compose service's, a
    /// molecule platform's).
    pub fn add_run(&mut self, run: &RunFacts) {
        for a in &run.spec.options {
            self.option(a);
        }
        self.sort();
    }

    /// Never redacts `value` as a name or hostname (the name of a target
    /// of `lint --compose` / `--molecule`, which the report's sections use).
    pub fn keep(&mut self, value: &str) {
        self.keep.push(value.to_owned());
        self.sort();
    }

    /// Learns a hostname to scrub (the live host's own).
    pub fn add_hostname(&mut self, name: &str) {
        self.secret(name, HOST);
        self.sort();
    }

    /// Any rendered text (Markdown, a human report, a stored file) redacted.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (from, to) in &self.exact {
            if from.len() >= 3 {
                out = replace_bounded(&out, from, to, is_shell_word_char);
            }
        }
        self.scrub(&out)
    }

    /// [`Redactor::text`] for a format that escapes what it shows (Markdown
    /// puts `\\` before `_`): each secret's `escaped` form is scrubbed too.
    pub fn text_escaped(&self, s: &str, escaped: impl Fn(&str) -> String) -> String {
        let mut out = s.to_owned();
        for (from, to) in &self.exact {
            let form = escaped(from);
            if from.len() >= 3 && form != *from {
                out = replace_bounded(&out, &form, to, is_shell_word_char);
            }
        }
        self.text(&out)
    }

    /// A rendered JSON document (the `--json` report, a stored `facts`)
    /// redacted in place: Dockerfile ENV values by their meaning, then every
    /// string but verdicts, statuses, ids and versions.
    pub fn json(&self, v: &mut Value) {
        let mut j = ordered::Json::from(std::mem::take(v));
        self.walk(&mut j);
        *v = j.into();
    }

    /// [`Redactor::json`] on JSON text, keys kept in their order; pretty
    /// printed with a final newline. `Err` when `text` is not JSON.
    pub fn json_text(&self, text: &str) -> Result<String, String> {
        let mut j: ordered::Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
        self.walk(&mut j);
        let mut out = serde_json::to_string_pretty(&j).map_err(|e| e.to_string())?;
        out.push('\n');
        Ok(out)
    }

    fn walk(&self, v: &mut ordered::Json) {
        use ordered::Json;
        match v {
            Json::Object(map) => {
                structural(map);
                for (k, child) in map.iter_mut() {
                    if !PROTECTED.contains(&k.as_str()) {
                        self.walk(child);
                    }
                }
            }
            Json::Array(items) => items.iter_mut().for_each(|i| self.walk(i)),
            Json::String(s) => {
                let exact = self.exact.iter().find(|(from, _)| from == s);
                *s = match exact {
                    Some((_, to)) => to.clone(),
                    None => self.scrub(s),
                };
            }
            _ => {}
        }
    }

    /// The facts as they are rendered redacted (a bundle's stored facts).
    pub fn facts(&self, facts: &Facts) -> Facts {
        let mut v = serde_json::to_value(facts).expect("facts serialise");
        self.json(&mut v);
        serde_json::from_value(v).expect("redacted facts keep their shape")
    }

    fn scrub(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (from, to) in &self.words {
            out = replace_bounded(&out, from, to, is_word_char);
        }
        scrub::patterns(&out)
    }

    fn sort(&mut self) {
        let keep = &self.keep;
        for list in [&mut self.words, &mut self.exact] {
            list.retain(|(from, _)| !keep.contains(from));
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
            list.dedup();
        }
    }

    /// A distinctive text (it holds `=`, `:` or a space): replaced anywhere.
    fn word(&mut self, from: &str, to: &str) {
        if !from.is_empty() && from != to && !self.words.iter().any(|(f, _)| f == from) {
            self.words.push((from.to_owned(), to.to_owned()));
        }
    }

    /// A bare secret (a name, a hostname): replaced as a whole string (an
    /// argv word) always, as a word when it is long and uncommon enough not
    /// to hit ordinary report text.
    fn secret(&mut self, value: &str, marker: &str) {
        if value.is_empty() || value.starts_with('<') || COMMON.contains(&value) {
            return;
        }
        if !self.exact.iter().any(|(f, _)| f == value) {
            self.exact.push((value.to_owned(), marker.to_owned()));
        }
        self.secret_word(value, marker);
    }

    /// A secret value scrubbed as a word only (a short `-e X=1` value is
    /// gone with its `X=` and must not blank every `1`).
    fn secret_word(&mut self, value: &str, marker: &str) {
        if value.chars().count() >= 4 && !value.starts_with('<') && !COMMON.contains(&value) {
            self.word(value, marker);
        }
    }

    /// `K=V` and the forms compose, molecule and Dockerfiles write it in.
    fn assignment(&mut self, k: &str, v: &str) {
        let red = format!("{k}={REDACTED}");
        self.exact.push((format!("{k}={v}"), red.clone()));
        self.word(&format!("{k}={v}"), &red);
        for (open, close) in [("", ""), ("\"", "\""), ("'", "'")] {
            self.word(
                &format!("{k}: {open}{v}{close}"),
                &format!("{k}: {REDACTED}"),
            );
            self.word(&format!("{k}={open}{v}{close}"), &red);
        }
        self.secret_word(v, REDACTED);
    }

    fn endpoint(&mut self, e: &str) {
        let Some((scheme, rest)) = e.split_once("://") else {
            return;
        };
        if scheme == "unix" || scheme == "npipe" || scheme == "fd" {
            return;
        }
        self.word(e, &scrub::url(e));
        let host = rest.split(['/', '@']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        self.secret(host, HOST);
    }

    /// One run option, by what its value means.
    fn option(&mut self, a: &RunArg) {
        let Some(v) = a.value.as_deref().filter(|v| !v.is_empty()) else {
            return;
        };
        let red = match a.name.as_str() {
            "env" | "label" => match v.split_once('=') {
                Some((k, val)) if !val.is_empty() => {
                    if a.name == "env" && KEEP_ENV.contains(&k) {
                        return;
                    }
                    self.assignment(k, val);
                    format!("{k}={REDACTED}")
                }
                _ => return,
            },
            "hostname" | "domainname" | "dns-search" => {
                self.secret(v, HOST);
                HOST.to_owned()
            }
            "name" => {
                self.secret(v, NAME);
                NAME.to_owned()
            }
            "ip" | "ip6" | "dns" | "link-local-ip" => {
                self.secret(v, IP);
                IP.to_owned()
            }
            "mac-address" => {
                self.secret(v, REDACTED);
                REDACTED.to_owned()
            }
            "add-host" => {
                let host = v.split([':', '=']).next().unwrap_or(v);
                self.secret(host, HOST);
                format!("{HOST}:{IP}")
            }
            _ => return,
        };
        // The tokens as written: `-e K=V`, `--env=K=V`, `-eK=V`.
        for t in &a.tokens {
            if let Some(prefix) = t.strip_suffix(v).filter(|p| !p.is_empty()) {
                let to = format!("{prefix}{red}");
                self.exact.push((t.clone(), to.clone()));
                self.word(t, &to);
            }
        }
        if a.tokens.len() > 1 {
            let joined = a.tokens.join(" ");
            self.word(&joined, &joined.replace(v, &red));
        }
        if !self.exact.iter().any(|(f, _)| f == v) && v.contains(['=', ':']) {
            self.exact.push((v.to_owned(), red.clone()));
        }
        for key in ["hostname", "domainname", "container_name"] {
            self.word(&format!("{key}: {v}"), &format!("{key}: {red}"));
        }
    }
}

/// A Dockerfile ENV (`{"name","value"}`) redacted by its meaning, wherever
/// it is rendered (its value may be too short to scrub as a word).
fn structural(map: &mut [(String, ordered::Json)]) {
    use ordered::Json;
    let [(k1, Json::String(name)), (k2, Json::String(value))] = map else {
        return;
    };
    if k1 == "name" && k2 == "value" && !value.is_empty() && !KEEP_ENV.contains(&name.as_str()) {
        *value = REDACTED.into();
    }
}

/// `Hostname set to <NAME>.` (systemd >= 232) or `Set hostname to <NAME>.`
fn hostname_in_log(line: &str) -> Option<&str> {
    let rest = ["Hostname set to <", "Set hostname to <"]
        .iter()
        .find_map(|p| line.find(p).map(|i| &line[i + p.len()..]))?;
    rest.split_once('>')
        .map(|(h, _)| h)
        .filter(|h| !h.is_empty())
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters that continue a shell word (a bare argv word is bounded by
/// spaces, quotes or the start and end).
fn is_shell_word_char(c: char) -> bool {
    !(c.is_whitespace() || c == '"' || c == '\'' || c == '`')
}

/// `from` replaced by `to` where it is not part of a longer word (an edge of
/// `from` that is not itself a word character needs no boundary).
fn replace_bounded(s: &str, from: &str, to: &str, word: fn(char) -> bool) -> String {
    if from.is_empty() || !s.contains(from) {
        return s.to_owned();
    }
    let first_is_word = from.chars().next().is_some_and(word);
    let last_is_word = from.chars().next_back().is_some_and(word);
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    for (i, _) in s.match_indices(from) {
        if i < rest {
            continue;
        }
        let before = s[..i].chars().next_back();
        let after = s[i + from.len()..].chars().next();
        let glued_before = first_is_word && before.is_some_and(word);
        let glued_after = last_is_word && after.is_some_and(word);
        if !glued_before && !glued_after {
            out.push_str(&s[rest..i]);
            out.push_str(to);
            rest = i + from.len();
        }
    }
    out.push_str(&s[rest..]);
    out
}

/// Text with no facts behind it (a pasted log): IP addresses, home-directory
/// user names and URL credentials scrubbed.
pub fn patterns(s: &str) -> String {
    scrub::patterns(s)
}
