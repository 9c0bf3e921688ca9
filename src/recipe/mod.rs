//! The corrector, above the checks: the corrected run line for this host.
//!
//! Only what the run checks demand changes: the user's other options,
//! ports, names, env and arguments stay as written. A recipe is only given
//! when the corrected line, parsed again and judged by every check on the
//! same facts, has no `fail`. It asks the checks for findings and edits the
//! settings; rendering it (shell line, compose service) is the report's job.

mod edits;

use crate::checks::{self, Finding, Selection, Status};
use crate::facts::host::CgroupMode;
use crate::facts::run::RunSpec;
use crate::facts::Facts;
use crate::runline::effective::EffectiveRun;
use crate::runline::parse::{self, decode_mount};
use crate::runline::systemd::{
    engine_major, is_root, is_rtmin3, premounted, LOW_ULIMITS, TMPFS_PATHS,
};
use edits::OptionEdits;

/// A corrected run line: its words, and the settings they parse to.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    pub argv: Vec<String>,
    pub spec: RunSpec,
}

/// Only the run checks, as `lint` judges them.
fn judge_run(facts: &Facts) -> Vec<Finding> {
    checks::run(facts, &Selection::only(&["run"]))
}

fn fails(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.status == Status::Fail)
}

/// The corrected recipe when the given line fails here; `None` when it does
/// not fail, or when no line the doctor would pass can be made.
pub(crate) fn recipe(facts: &Facts) -> Option<Recipe> {
    facts.run.as_ref()?;
    let findings = judge_run(facts);
    if !fails(&findings) {
        return None;
    }
    let fixed = correct(facts, &findings)?;
    let argv = parse::render(&fixed);
    // Judge the text that will be printed, not the struct behind it.
    let spec = parse::parse(&argv).ok()?;
    let check = with_spec(facts, spec.clone());
    // Every family, not only `run`: a line cannot fix an image without
    // systemd or a host without cgroups, and must not look as if it did.
    if fails(&checks::run(&check, &Selection::default())) {
        return None;
    }
    Some(Recipe { argv, spec })
}

fn with_spec(facts: &Facts, spec: RunSpec) -> Facts {
    let mut f = facts.clone();
    if let Some(run) = f.run.as_mut() {
        run.spec = spec;
    }
    f
}

fn correct(facts: &Facts, findings: &[Finding]) -> Option<RunSpec> {
    let s = EffectiveRun::of(facts).ok()?;
    let spec = s.spec;
    let mut e = OptionEdits::of(spec);
    e.drop(|a| a.name == "init");
    if s.ctx.daemon_init == Some(true) {
        // Only an explicit --init=false undoes the daemon's `init: true`.
        e.add(&["--init=false"], "init", Some("false"));
    }
    if spec.user.as_deref().is_some_and(|u| !is_root(u)) {
        e.drop(|a| a.name == "user");
    }
    let image_user_bad = s.ctx.image_user.as_deref().is_some_and(|u| !is_root(u));
    if image_user_bad && !spec.user.as_deref().is_some_and(is_root) {
        e.add(&["--user", "root"], "user", Some("root"));
    }
    if s.userns_remap && (s.mode.is_v1() || spec.privileged) {
        // The host's v1 hierarchies belong to the host's root, and Docker
        // refuses --privileged in a remapped user namespace.
        e.drop(|a| a.name == "userns");
        e.add(&["--userns=host"], "userns", Some("host"));
    }
    if spec.privileged && s.ctx.privileged_possible == Some(false) {
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

    if s.rlimit_refused.is_some() {
        for u in LOW_ULIMITS {
            let kind = u.split('=').next().unwrap_or(u);
            e.drop(|a| {
                a.name == "ulimit" && a.value.as_deref().is_some_and(|v| v.starts_with(kind))
            });
            e.add(&["--ulimit", u], "ulimit", Some(u));
        }
    }
    let cgroup_fails = findings
        .iter()
        .any(|f| f.id == "run.cgroup-mount" && f.status == Status::Fail);
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
            // Docker >= 25 makes `:ro` recursive on kernels >= 5.12.
            let recursive_ro = s.ctx.engine_version.as_deref().and_then(engine_major) >= Some(25)
                && s.kernel.is_none_or(|k| k >= [5, 12, 0]);
            let m =
                "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable";
            if recursive_ro {
                e.add(&["--mount", m], "mount", Some(m));
            } else {
                let v = "/sys/fs/cgroup:/sys/fs/cgroup:ro";
                e.add(&["-v", v], "volume", Some(v));
            }
        }
    }
    if s.mode.is_v1() && s.host_systemd && !s.cgroupns_host {
        // A private namespace with the host's tree fails where the host runs systemd.
        want_host_ns = true;
    }
    if want_host_ns && spec.cgroupns.as_deref() != Some("host") {
        e.drop(|a| a.name == "cgroupns");
        e.add(&["--cgroupns=host"], "cgroupns", Some("host"));
    }

    // tmpfs and the stop signal depend on the privileges left after the edits.
    let mid = e.spec(spec)?;
    let m = EffectiveRun::with_spec(facts, &mid).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line_ctx, RunContext};
    use crate::facts::Probed;
    use crate::testing::{hybrid_host, unified_host};

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
            (
                "hybrid, userns-remap",
                hybrid_host(),
                ctx(|c| {
                    c.userns_remap = Some(true);
                    c.engine_version = Some("20.10.24+dfsg1".into());
                }),
            ),
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
                let failed = fails(&judge_run(&f));
                let r = recipe(&f);
                if !failed {
                    assert!(r.is_none(), "{host}: {line}");
                    continue;
                }
                let Some(r) = r else {
                    // Only a failure no run flag can fix (the image's USER,
                    // its systemd) may leave a failing line without a recipe.
                    let blocked = checks::run(&f, &Selection::default())
                        .iter()
                        .any(|x| x.group != "run" && x.status == Status::Fail);
                    assert!(blocked, "{host}: no recipe for {line}");
                    continue;
                };
                let mut again = facts.clone();
                with_line_ctx(
                    &mut again,
                    &shlex::try_join(r.argv.iter().map(String::as_str)).unwrap(),
                    context.clone(),
                );
                let bad: Vec<_> = judge_run(&again)
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
        // The v2 recipe boots on a hybrid host where --privileged is granted
        // (bookworm lab guest): nothing to correct.
        assert!(lint(hybrid_host(), v2, none()).is_none());
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
        // userns-remap on v1: the host's hierarchies are the host root's.
        let r = lint(
            hybrid_host(),
            "docker run -d -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp IMG",
            ctx(|c| c.userns_remap = Some(true)),
        )
        .unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --userns=host -v /sys/fs/cgroup:/sys/fs/cgroup:ro --stop-signal SIGRTMIN+3 IMG"
        );
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
}
