//! The corrected run line for this host, and the same as a compose service.
//!
//! Only what the run checks demand changes: the user's other options,
//! ports, names, env and arguments stay as written. A recipe is only given
//! when the corrected line, parsed again and judged by the same checks on
//! the same facts, has no `fail`.

use serde::Serialize;

use super::parse::{self, decode_mount, remove};
use crate::checks::run::{engine_major, is_root, is_rtmin3, premounted, setup, TMPFS_PATHS};
use crate::checks::{self, Finding, Selection, Status};
use crate::facts::host::CgroupMode;
use crate::facts::run::{RunArg, RunSpec};
use crate::facts::Facts;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recipe {
    pub argv: Vec<String>,
    /// A compose file (YAML) with one service doing the same.
    pub compose: String,
}

/// Only the run checks, as `lint` judges them.
pub fn judge(facts: &Facts) -> Vec<Finding> {
    checks::run(
        facts,
        &Selection {
            only: vec!["run".into()],
            skip: vec![],
        },
    )
}

fn fails(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.status == Status::Fail)
}

/// The corrected recipe when the given line fails here; `None` when it does
/// not fail, or when no line the doctor would pass can be made.
pub fn recipe(facts: &Facts) -> Option<Recipe> {
    facts.run.as_ref()?;
    if !fails(&judge(facts)) {
        return None;
    }
    let fixed = correct(facts)?;
    let argv = parse::render(&fixed);
    // Judge the text that will be printed, not the struct behind it.
    let reparsed = parse::parse(&argv).ok()?;
    let check = with_spec(facts, reparsed.clone());
    // Every family, not only `run`: a line cannot fix an image without
    // systemd or a host without cgroups, and must not look as if it did.
    if fails(&checks::run(&check, &Selection::default())) {
        return None;
    }
    Some(Recipe {
        argv,
        compose: compose(&reparsed),
    })
}

struct Edit {
    options: Vec<RunArg>,
    next_group: usize,
}

impl Edit {
    fn add(&mut self, tokens: &[&str], name: &str, value: Option<&str>) {
        self.next_group += 1;
        self.options.push(RunArg {
            name: name.to_owned(),
            value: value.map(str::to_owned),
            tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
            group: self.next_group,
        });
    }

    fn drop(&mut self, f: impl Fn(&RunArg) -> bool) {
        remove(&mut self.options, f);
    }

    fn spec(&self, like: &RunSpec) -> Option<RunSpec> {
        parse::build(
            like.client,
            like.command.clone(),
            self.options.clone(),
            like.image.clone(),
            like.args.clone(),
        )
        .ok()
    }
}

fn with_spec(facts: &Facts, spec: RunSpec) -> Facts {
    let mut f = facts.clone();
    if let Some(run) = f.run.as_mut() {
        run.spec = spec;
    }
    f
}

fn correct(facts: &Facts) -> Option<RunSpec> {
    let s = setup(facts).ok()?;
    let spec = s.spec;
    let mut e = Edit {
        options: spec.options.clone(),
        next_group: spec.options.iter().map(|a| a.group).max().unwrap_or(0),
    };
    e.drop(|a| a.name == "init");
    if spec.user.as_deref().is_some_and(|u| !is_root(u)) {
        e.drop(|a| a.name == "user");
    }
    let image_user_bad = s.ctx.image_user.as_deref().is_some_and(|u| !is_root(u));
    if image_user_bad && !spec.user.as_deref().is_some_and(is_root) {
        e.add(&["--user", "root"], "user", Some("root"));
    }
    if spec.privileged && !s.privileged {
        e.drop(|a| a.name == "privileged");
    }
    let bad_ns = spec
        .cgroupns
        .as_deref()
        .is_some_and(|v| v != "host" && v != "private");
    let old_kernel = s.kernel.is_some_and(|k| k < [4, 6, 0]);
    let mut want_host_ns = old_kernel;
    if bad_ns {
        e.drop(|a| a.name == "cgroupns");
    }

    let cgroup_fails = (checks::run::cgroup_mount::CHECK.run)(facts).status == Status::Fail;
    if cgroup_fails {
        e.drop(|a| decode_mount(a).is_some_and(|m| m.is_cgroup_bind()));
        if s.mode == CgroupMode::Unified {
            let own_rw = s.privileged || s.userns_remap || s.podman_systemd || s.sysbox;
            if !own_rw || old_kernel {
                want_host_ns = true;
                e.add(
                    &["-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw"],
                    "volume",
                    Some("/sys/fs/cgroup:/sys/fs/cgroup:rw"),
                );
            }
        } else {
            let rro = s.ctx.engine_version.as_deref().and_then(engine_major) >= Some(25)
                && s.kernel.is_none_or(|k| k >= [5, 12, 0]);
            let m =
                "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable";
            if rro {
                e.add(&["--mount", m], "mount", Some(m));
            } else {
                let v = "/sys/fs/cgroup:/sys/fs/cgroup:ro";
                e.add(&["-v", v], "volume", Some(v));
            }
        }
    }
    if want_host_ns && spec.cgroupns.as_deref() != Some("host") {
        e.drop(|a| a.name == "cgroupns");
        e.add(&["--cgroupns=host"], "cgroupns", Some("host"));
    }

    // tmpfs and the stop signal depend on the privileges left after the edits.
    let mid = e.spec(spec)?;
    let mid_facts = with_spec(facts, mid);
    let m = setup(&mid_facts).ok()?;
    if !m.can_mount {
        for p in TMPFS_PATHS {
            if !premounted(m.spec, p) {
                e.add(&["--tmpfs", p], "tmpfs", Some(p));
            }
        }
    }
    let signal = m
        .spec
        .stop_signal
        .as_deref()
        .or(m.ctx.image_stop_signal.as_deref());
    if !m.podman_systemd && !signal.is_some_and(is_rtmin3) {
        e.drop(|a| a.name == "stop-signal");
        e.add(
            &["--stop-signal", "SIGRTMIN+3"],
            "stop-signal",
            Some("SIGRTMIN+3"),
        );
    }
    e.spec(spec)
}

/// The human report's tail for `lint`: the corrected line and compose service.
/// A word as a POSIX shell reads it back: bare when only safe characters
/// (shlex quotes `=`, which makes `--cgroupns=host` look odd), else single-quoted.
fn shell_word(w: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !w.is_empty() && w.chars().all(safe) {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

pub fn render_human(findings: &[Finding], recipe: Option<&Recipe>) -> String {
    let run_fails = findings
        .iter()
        .any(|f| f.group == "run" && f.status == Status::Fail);
    let blockers: Vec<&str> = findings
        .iter()
        .filter(|f| f.group != "run" && f.status == Status::Fail)
        .map(|f| f.id.as_str())
        .collect();
    match recipe {
        Some(r) => {
            let line: Vec<String> = r.argv.iter().map(|w| shell_word(w)).collect();
            let line = line.join(" ");
            let compose: String = r.compose.lines().map(|l| format!("  {l}\n")).collect();
            format!("\nCorrected run line for this host:\n  {line}\n\nAs a compose service:\n{compose}")
        }
        None if run_fails && !blockers.is_empty() => format!(
            "\nNo corrected run line: no run flags can fix {} (see above).\n",
            blockers.join(", ")
        ),
        None if run_fails => "\nNo corrected run line: no line the doctor would pass can be made here (see the failures above).\n".into(),
        None => String::new(),
    }
}

// ---- compose ----------------------------------------------------------------

/// A YAML scalar: JSON strings are valid YAML double-quoted scalars.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

enum Val {
    Scalar(String),
    List(Vec<String>),
    /// Raw YAML lines for long-syntax volumes and maps, indented under the key.
    Block(Vec<String>),
}

fn service_name(spec: &RunSpec) -> String {
    let from = spec
        .options
        .iter()
        .rev()
        .find(|a| a.name == "name")
        .and_then(|a| a.value.clone())
        .unwrap_or_else(|| {
            let last = spec.image.rsplit('/').next().unwrap_or(&spec.image);
            last.split([':', '@']).next().unwrap_or(last).to_owned()
        });
    let name: String = from
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "app".into()
    } else {
        name
    }
}

fn scalar_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "name" => "container_name",
        "hostname" => "hostname",
        "domainname" => "domainname",
        "user" => "user",
        "workdir" => "working_dir",
        "restart" => "restart",
        "runtime" => "runtime",
        "cgroupns" => "cgroup",
        "cgroup-parent" => "cgroup_parent",
        "pid" => "pid",
        "ipc" => "ipc",
        "uts" => "uts",
        "userns" => "userns_mode",
        "stop-signal" => "stop_signal",
        "platform" => "platform",
        "pull" => "pull_policy",
        "memory" => "mem_limit",
        "memory-reservation" => "mem_reservation",
        "memory-swap" => "memswap_limit",
        "memory-swappiness" => "mem_swappiness",
        "cpus" => "cpus",
        "cpu-shares" => "cpu_shares",
        "cpuset-cpus" => "cpuset",
        "cpu-period" => "cpu_period",
        "cpu-quota" => "cpu_quota",
        "cpu-rt-period" => "cpu_rt_period",
        "cpu-rt-runtime" => "cpu_rt_runtime",
        "pids-limit" => "pids_limit",
        "shm-size" => "shm_size",
        "oom-score-adj" => "oom_score_adj",
        "mac-address" => "mac_address",
        "isolation" => "isolation",
        "network" | "net" => "network_mode",
        _ => return None,
    })
}

fn list_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "publish" => "ports",
        "expose" => "expose",
        "env" => "environment",
        "env-file" => "env_file",
        "tmpfs" => "tmpfs",
        "cap-add" => "cap_add",
        "cap-drop" => "cap_drop",
        "security-opt" => "security_opt",
        "device" => "devices",
        "dns" => "dns",
        "dns-search" => "dns_search",
        "dns-option" | "dns-opt" => "dns_opt",
        "add-host" => "extra_hosts",
        "label" => "labels",
        "label-file" => "label_file",
        "group-add" => "group_add",
        "link" => "links",
        "volumes-from" => "volumes_from",
        "device-cgroup-rule" => "device_cgroup_rules",
        "sysctl" => "sysctls",
        "annotation" => "annotations",
        _ => return None,
    })
}

fn bool_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "privileged" => "privileged",
        "init" => "init",
        "read-only" => "read_only",
        "interactive" => "stdin_open",
        "tty" => "tty",
        "oom-kill-disable" => "oom_kill_disable",
        _ => return None,
    })
}

/// `docker run` options with no meaning for a compose service.
const CLIENT_ONLY: &[&str] = &[
    "detach",
    "rm",
    "attach",
    "detach-keys",
    "sig-proxy",
    "cidfile",
    "disable-content-trust",
    "quiet",
    "help",
];

/// The spec as a compose file with one service.
pub fn compose(spec: &RunSpec) -> String {
    let mut keys: Vec<(&'static str, Val)> = vec![("image", Val::Scalar(q(&spec.image)))];
    let mut notes: Vec<String> = Vec::new();
    fn push_list(keys: &mut Vec<(&'static str, Val)>, key: &'static str, item: String) {
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, Val::List(l))) => l.push(item),
            Some((_, Val::Block(b))) => b.push(format!("- {item}")),
            _ => keys.push((key, Val::List(vec![item]))),
        }
    }
    fn set(keys: &mut Vec<(&'static str, Val)>, key: &'static str, v: Val) {
        keys.retain(|(k, _)| *k != key);
        keys.push((key, v));
    }
    for a in &spec.options {
        let v = a.value.clone().unwrap_or_default();
        let name = a.name.as_str();
        if let Some(key) = bool_key(name) {
            set(&mut keys, key, Val::Scalar(a.is_on().to_string()));
        } else if let Some(key) = scalar_key(name) {
            set(&mut keys, key, Val::Scalar(q(&v)));
        } else if name == "stop-timeout" {
            set(
                &mut keys,
                "stop_grace_period",
                Val::Scalar(q(&format!("{v}s"))),
            );
        } else if name == "entrypoint" {
            set(&mut keys, "entrypoint", Val::Scalar(format!("[{}]", q(&v))));
        } else if name == "volume" {
            push_list(&mut keys, "volumes", q(&v));
        } else if name == "mount" {
            volume_long(&mut keys, &v);
        } else if name == "cap-add" || name == "cap-drop" {
            for c in v.split(',').filter(|c| !c.is_empty()) {
                push_list(&mut keys, list_key(name).unwrap_or("cap_add"), q(c));
            }
        } else if let Some(key) = list_key(name) {
            push_list(&mut keys, key, q(&v));
        } else if CLIENT_ONLY.contains(&name) {
        } else {
            let shown = match &a.value {
                Some(v) => format!("--{name} {v}"),
                None => format!("--{name}"),
            };
            notes.push(shown);
        }
    }
    if !spec.args.is_empty() {
        let items: Vec<String> = spec.args.iter().map(|a| q(a)).collect();
        set(
            &mut keys,
            "command",
            Val::Scalar(format!("[{}]", items.join(", "))),
        );
    }
    let mut out = String::from("services:\n");
    out.push_str(&format!("  {}:\n", service_name(spec)));
    for (k, v) in keys {
        match v {
            Val::Scalar(s) => out.push_str(&format!("    {k}: {s}\n")),
            Val::List(items) => {
                out.push_str(&format!("    {k}:\n"));
                for i in items {
                    out.push_str(&format!("      - {i}\n"));
                }
            }
            Val::Block(lines) => {
                out.push_str(&format!("    {k}:\n"));
                for l in lines {
                    out.push_str(&format!("      {l}\n"));
                }
            }
        }
    }
    for n in notes {
        out.push_str(&format!("    # no compose key for `{n}`: add it by hand\n"));
    }
    out
}

/// `--mount` as a long-syntax entry under `volumes:` (mixed with short ones).
fn volume_long(keys: &mut Vec<(&'static str, Val)>, spec: &str) {
    let mut kind = "volume".to_owned();
    let (mut lines, mut bind) = (Vec::new(), Vec::new());
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = field.split_once('=').unwrap_or((field, "true"));
        match k {
            "type" => kind = v.to_owned(),
            "source" | "src" => lines.push(format!("  source: {}", q(v))),
            "destination" | "dst" | "target" => lines.push(format!("  target: {}", q(v))),
            "readonly" | "ro" => lines.push(format!(
                "  read_only: {}",
                super::options::parse_bool(v).unwrap_or(true)
            )),
            "bind-recursive" => bind.push(format!("    recursive: {}", q(v))),
            "bind-propagation" => bind.push(format!("    propagation: {}", q(v))),
            _ => lines.push(format!("  # {}", field.replace('\n', " "))),
        }
    }
    let mut block = vec![format!("- type: {}", q(&kind))];
    block.extend(lines);
    if !bind.is_empty() {
        block.push("  bind:".into());
        block.extend(bind);
    }
    if let Some((_, Val::Block(b))) = keys.iter_mut().find(|(k, _)| *k == "volumes") {
        b.extend(block);
        return;
    }
    // Turn short entries collected so far into block lines.
    let prior = match keys.iter().position(|(k, _)| *k == "volumes") {
        Some(i) => match keys.remove(i).1 {
            Val::List(items) => items.into_iter().map(|i| format!("- {i}")).collect(),
            _ => vec![],
        },
        None => vec![],
    };
    let mut all: Vec<String> = prior;
    all.extend(block);
    keys.push(("volumes", Val::Block(all)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line_ctx};
    use crate::checks::testing::{hybrid_host, unified_host};
    use crate::facts::run::RunContext;
    use crate::facts::Probed;

    fn hosts() -> Vec<(&'static str, Facts, RunContext)> {
        // cgroup2 needs 4.5: a 4.4 kernel (Ubuntu 16.04) is only ever a v1 host.
        let mut old = hybrid_host();
        old.host.kernel = Probed::Ok(crate::probe::host::kernel::kernel_facts(
            "4.4.0-210-generic",
        ));
        vec![
            ("unified", unified_host(), RunContext::default()),
            ("hybrid", hybrid_host(), RunContext::default()),
            (
                "unified, no privileged",
                unified_host(),
                ctx(|c| c.privileged_possible = Some(false)),
            ),
            (
                "hybrid, no privileged",
                hybrid_host(),
                ctx(|c| c.privileged_possible = Some(false)),
            ),
            (
                "hybrid, docker 28",
                hybrid_host(),
                ctx(|c| c.engine_version = Some("28.2.2".into())),
            ),
            (
                "hybrid, docker 20.10",
                hybrid_host(),
                ctx(|c| c.engine_version = Some("20.10.24+dfsg1".into())),
            ),
            (
                "desktop v2 on hybrid host",
                hybrid_host(),
                ctx(|c| c.daemon_cgroup_version = Some(2)),
            ),
            (
                "unified, image user + systemd 249",
                unified_host(),
                ctx(|c| {
                    c.image_user = Some("ansible".into());
                    c.image_systemd_major = Some(249);
                    c.image_stop_signal = Some("SIGTERM".into());
                }),
            ),
            (
                "hybrid, daemon private ns",
                hybrid_host(),
                ctx(|c| c.default_cgroupns_private = Some(true)),
            ),
            (
                "unified, userns-remap, no apparmor",
                unified_host(),
                ctx(|c| {
                    c.userns_remap = Some(true);
                    c.apparmor = Some(false);
                }),
            ),
            ("hybrid, kernel 4.4", old, RunContext::default()),
        ]
    }

    /// At most one way of binding the cgroup tree...
    const BINDS: &[&str] = &[
        "",
        "-v /sys/fs/cgroup:/sys/fs/cgroup:ro",
        "-v /sys/fs/cgroup:/sys/fs/cgroup:rw",
        "--mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=disabled",
        "-v /sys/fs/cgroup/systemd:/sys/fs/cgroup/systemd",
    ];
    /// ... with any set of these.
    const FRAGMENTS: &[&str] = &[
        "--privileged",
        "--init",
        "--cgroupns=host",
        "--cgroupns=private",
        "--tmpfs /run",
        "--cap-add SYS_ADMIN",
        "-u 1000",
        "--stop-signal SIGTERM",
    ];

    /// The doctor never prints a recipe it would itself fail: for every
    /// combination of the fragments on every host, a failing line gets a
    /// recipe, and that recipe, parsed again from its text, has no fail.
    #[test]
    fn corrected_recipe_never_fails_its_own_checks() {
        let mut judged = 0;
        for (host, facts, context) in hosts() {
            for bits in 0u32..(BINDS.len() as u32) << FRAGMENTS.len() {
                let mut chosen: Vec<&str> = (0..FRAGMENTS.len())
                    .filter(|i| bits & (1 << i) != 0)
                    .map(|i| FRAGMENTS[i])
                    .collect();
                chosen.push(BINDS[(bits >> FRAGMENTS.len()) as usize]);
                let line = format!(
                    "docker run -dit --name web -p 8080:80 -e container=docker {} registry.example/team/app:1.2 /sbin/init --log-level=info",
                    chosen.join(" ")
                );
                let mut f = facts.clone();
                with_line_ctx(&mut f, &line, context.clone());
                let failed = fails(&judge(&f));
                let r = recipe(&f);
                if !failed {
                    assert!(r.is_none(), "{host}: {line}");
                    continue;
                }
                let r = r.unwrap_or_else(|| panic!("{host}: no recipe for {line}"));
                let mut again = facts.clone();
                with_line_ctx(
                    &mut again,
                    &shlex::try_join(r.argv.iter().map(String::as_str)).unwrap(),
                    context.clone(),
                );
                let bad: Vec<_> = judge(&again)
                    .into_iter()
                    .filter(|f| f.status == Status::Fail)
                    .map(|f| format!("{}: {}", f.id, f.message))
                    .collect();
                assert!(bad.is_empty(), "{host}: {line}\n-> {:?}\n{bad:#?}", r.argv);
                let text = r.argv.join(" ");
                for kept in [
                    "-dit",
                    "--name web",
                    "-p 8080:80",
                    "-e container=docker",
                    "registry.example/team/app:1.2 /sbin/init --log-level=info",
                ] {
                    assert!(text.contains(kept), "{host}: lost `{kept}`: {text}");
                }
                judged += 1;
            }
        }
        assert!(judged > 8_000, "{judged}");
    }

    fn lint(facts: Facts, line: &str, context: RunContext) -> Option<Recipe> {
        let mut f = facts;
        with_line_ctx(&mut f, line, context);
        recipe(&f)
    }

    #[test]
    fn seed_recipes() {
        let none = RunContext::default;
        let v1 = "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG";
        let v2 = "docker run -d --tmpfs /tmp --tmpfs /run --privileged IMG";
        // The v1 recipe on a v2 host: the ro bind goes, the rw one with --cgroupns=host comes.
        let r = lint(unified_host(), v1, none()).unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host --tmpfs /run/lock --stop-signal SIGRTMIN+3 IMG"
        );
        // The v2 recipe passes on v2 (warnings only): nothing to correct.
        assert!(lint(unified_host(), v2, none()).is_none());
        // ... but not where the daemon cannot grant --privileged.
        let r = lint(
            unified_host(),
            v2,
            ctx(|c| c.privileged_possible = Some(false)),
        )
        .unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host --tmpfs /run/lock --stop-signal SIGRTMIN+3 IMG"
        );
        // The v2 recipe on a hybrid host gets the v1 bind.
        let r = lint(hybrid_host(), v2, none()).unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /tmp --tmpfs /run --privileged -v /sys/fs/cgroup:/sys/fs/cgroup:ro --stop-signal SIGRTMIN+3 IMG"
        );
        // Docker >= 25 on v1: the bind must stay writable below.
        let r = lint(
            hybrid_host(),
            v1,
            ctx(|c| c.engine_version = Some("28.2.2".into())),
        )
        .unwrap();
        assert!(r.argv.join(" ").contains("--mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable"), "{:?}", r.argv);
        assert!(!r
            .argv
            .iter()
            .any(|a| a == "/sys/fs/cgroup:/sys/fs/cgroup:ro"));
        // --init only goes.
        let r = lint(
            unified_host(),
            "docker run -d --privileged --init IMG",
            none(),
        )
        .unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --privileged --stop-signal SIGRTMIN+3 IMG"
        );
    }

    #[test]
    fn compose_is_yaml_with_the_same_service() {
        use yaml_rust2::YamlLoader;
        let line = "docker run -dit --name Web.1 -p 8080:80 -p 443:443 -e container=docker -e 'MSG=a \"quoted\" value: yes' \
                    --mount type=bind,src=/srv,dst=/srv,readonly -v data:/data --restart unless-stopped --gpus all \
                    --init IMG /sbin/init";
        let r = lint(unified_host(), line, RunContext::default()).unwrap();
        let docs =
            YamlLoader::load_from_str(&r.compose).unwrap_or_else(|e| panic!("{e}\n{}", r.compose));
        let svc = &docs[0]["services"]["web-1"];
        assert_eq!(svc["image"].as_str(), Some("IMG"), "{}", r.compose);
        assert_eq!(svc["container_name"].as_str(), Some("Web.1"));
        assert_eq!(svc["ports"][1].as_str(), Some("443:443"));
        assert_eq!(
            svc["environment"][1].as_str(),
            Some("MSG=a \"quoted\" value: yes")
        );
        assert_eq!(svc["cgroup"].as_str(), Some("host"));
        assert_eq!(svc["stop_signal"].as_str(), Some("SIGRTMIN+3"));
        assert_eq!(svc["stdin_open"].as_bool(), Some(true));
        assert!(svc["init"].is_badvalue(), "{}", r.compose);
        let vols = svc["volumes"].as_vec().unwrap();
        assert_eq!(vols[0]["type"].as_str(), Some("bind"));
        assert_eq!(vols[0]["read_only"].as_bool(), Some(true));
        assert_eq!(vols[1].as_str(), Some("data:/data"));
        assert_eq!(vols[2].as_str(), Some("/sys/fs/cgroup:/sys/fs/cgroup:rw"));
        let tmpfs: Vec<_> = svc["tmpfs"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        assert_eq!(tmpfs, ["/run", "/run/lock", "/tmp"]);
        assert_eq!(svc["command"][0].as_str(), Some("/sbin/init"));
        assert!(
            r.compose.contains("# no compose key for `--gpus all`"),
            "{}",
            r.compose
        );
    }

    #[test]
    fn shell_words_read_back() {
        let words = [
            "--cgroupns=host",
            "/sys/fs/cgroup:/sys/fs/cgroup:ro",
            "a b",
            "it's",
            "",
            "$HOME",
        ];
        let line: Vec<String> = words.iter().map(|w| shell_word(w)).collect();
        assert_eq!(line[0], "--cgroupns=host");
        assert_eq!(shlex::split(&line.join(" ")).unwrap(), words);
    }
}
