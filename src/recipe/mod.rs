//! The corrector, above the checks: the corrected run line for this host.
//!
//! Only what the run checks demand changes: the user's other options,
//! ports, names, env and arguments stay as written. A recipe is only given
//! when the corrected line, parsed again and judged by every check on the
//! same facts, has no `fail`. It asks the checks for findings and edits the
//! settings; rendering it (shell line, compose service) is the report's job.

pub(crate) mod container;
mod edits;

use crate::checks::{self, Finding, Selection, Status};
use crate::facts::host::CgroupMode;
use crate::facts::run::{Client, RunSpec};
use crate::facts::Facts;
use crate::runline::effective::EffectiveRun;
use crate::runline::parse::{self, decode_mount};
use crate::runline::systemd::{
    engine_major, is_root, is_rtmin3, line_pid1, never_systemd, premounted, LOW_ULIMITS,
    TMPFS_PATHS,
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
    let failed = fails(&findings);
    if !failed && warnings(&findings).is_empty() {
        return None;
    }
    // Two ways with the host's cgroup tree: --privileged without a bind
    // (no warning where the daemon grants it) or the bind the mode needs.
    let mut best: Option<(usize, Recipe)> = None;
    for privileged in [true, false] {
        let Some(r) = corrected(facts, &findings, privileged) else {
            continue;
        };
        let again = judge_run(&with_spec(facts, r.spec.clone()));
        let after = warnings(&again);
        // A line that only warns gets a recipe when it avoids a warning
        // and brings no new one.
        if !failed {
            let before = warnings(&findings);
            if after.len() >= before.len() || after.iter().any(|id| !before.contains(id)) {
                continue;
            }
        }
        if best.as_ref().is_none_or(|(n, _)| after.len() < *n) {
            best = Some((after.len(), r));
        }
    }
    best.map(|(_, r)| r)
}

/// The corrected line, parsed back from its text; `None` when it would
/// still fail here.
fn corrected(facts: &Facts, findings: &[Finding], privileged: bool) -> Option<Recipe> {
    let fixed = correct(facts, findings, privileged)?;
    let argv = parse::render(&fixed);
    // Judge the text that will be printed, not the struct behind it.
    let spec = parse::parse(&argv).ok()?;
    let check = with_spec(facts, spec.clone());
    // Every family, not only `run`: a line cannot fix an image without
    // systemd or a host without cgroups, and must not look as if it did.
    // The container checks judge what a container did, not the new line.
    let every = Selection {
        only: vec![],
        skip: vec!["container".into()],
    };
    if fails(&checks::run(&check, &every)) {
        return None;
    }
    Some(Recipe { argv, spec })
}

fn warnings(findings: &[Finding]) -> Vec<&str> {
    findings
        .iter()
        .filter(|f| f.status == Status::Warn)
        .map(|f| f.id.as_str())
        .collect()
}

fn warns(findings: &[Finding], id: &str) -> bool {
    findings
        .iter()
        .any(|f| f.id == id && f.status == Status::Warn)
}

fn with_spec(facts: &Facts, spec: RunSpec) -> Facts {
    let mut f = facts.clone();
    if let Some(run) = f.run.as_mut() {
        run.spec = spec;
    }
    f
}

/// `prefer_privileged`: solve the cgroup tree with --privileged and no bind
/// where the daemon can grant it.
fn correct(facts: &Facts, findings: &[Finding], prefer_privileged: bool) -> Option<RunSpec> {
    let s = EffectiveRun::of(facts).ok()?;
    let spec = s.spec;
    let mut e = OptionEdits::of(spec);
    e.drop(|a| a.name == "init");
    if line_pid1(spec, s.ctx.image_entrypoint.as_ref()).is_some_and(|a| never_systemd(&a)) {
        // A command that never starts systemd: the image's own, when that is
        // systemd, else systemd where the image has it.
        e.drop(|a| a.name == "entrypoint");
        match (&s.ctx.image_pid1_systemd, &s.ctx.image_systemd_path) {
            (Some(true), _) => e.set_args(vec![]),
            (_, Some(path)) => e.set_args(vec![path.clone()]),
            _ => e.set_args(vec!["/sbin/init".into()]),
        }
    }
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
    // A bind of the host's cgroup tree that boots but warns (the host's tree
    // writable from the container, its tmpfs remounted), or none where one
    // is needed: where the daemon can grant --privileged, Docker mounts the
    // container's own cgroups writable instead and no bind is needed (cgroup
    // v2 guests, and the bookworm hybrid guest: tests/truth_matrix.rs cells b, g).
    let has_bind = spec.mounts.iter().any(|m| m.is_cgroup_bind());
    let bind_warns = warns(findings, "run.cgroup-mount") || warns(findings, "run.cgroupns");
    let old_kernel = s.kernel.is_some_and(|k| k < [4, 6, 0]);
    let privileged_ok = prefer_privileged
        && s.ctx.privileged_possible != Some(false)
        && s.ctx.podman != Some(true)
        && spec.client != Client::Podman
        && !s.sysbox
        && !(old_kernel && s.mode == CgroupMode::Unified);
    let cgroup_fails = findings
        .iter()
        .any(|f| f.id == "run.cgroup-mount" && f.status == Status::Fail);
    let swap = privileged_ok && ((has_bind && bind_warns) || cgroup_fails);
    if s.userns_remap && (s.mode.is_v1() || spec.privileged || swap) {
        // The host's v1 hierarchies belong to the host's root, and Docker
        // refuses --privileged in a remapped user namespace.
        e.drop(|a| a.name == "userns");
        e.add(&["--userns=host"], "userns", Some("host"));
    }
    let keeps_privileged = spec.privileged && s.ctx.privileged_possible != Some(false);
    if spec.privileged && !keeps_privileged {
        e.drop(|a| a.name == "privileged");
    }
    let privileged = keeps_privileged || swap;
    let bad_ns = spec
        .cgroupns
        .as_deref()
        .is_some_and(|v| v != "host" && v != "private");
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
    if swap {
        e.drop(|a| decode_mount(a).is_some_and(|m| m.is_cgroup_bind()));
        if !spec.privileged {
            e.add(&["--privileged"], "privileged", None);
        }
    }
    let bind_left = has_bind && !swap;
    let mut want_private_ns = false;
    if privileged && !bind_left && s.mode == CgroupMode::Unified && !old_kernel {
        // --privileged on v2 mounts a writable cgroupfs: in the host's
        // namespace that is the host's whole tree.
        want_private_ns = s.cgroupns_host;
    }
    if privileged && s.mode.is_v1() && !s.cgroupns_host {
        // Docker 20.10 refuses --privileged with a private namespace on v1.
        want_host_ns = true;
    }
    if cgroup_fails && !swap {
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
    if s.mode.is_v1() && s.host_systemd && !s.cgroupns_host && !swap {
        // A private namespace with the host's tree fails where the host runs systemd.
        want_host_ns = true;
    }
    if want_private_ns && !want_host_ns {
        e.drop(|a| a.name == "cgroupns");
        if s.ctx.default_cgroupns_private == Some(false) {
            // The daemon's default is the host's namespace.
            e.add(&["--cgroupns=private"], "cgroupns", Some("private"));
        }
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

    /// The doctor never prints a recipe it would itself fail, nor one that
    /// keeps a warning some other line avoids: for every combination of the
    /// fragments on every host, a failing line gets a recipe; the recipe
    /// (or the line, when it needs none), parsed again from its text, has
    /// no fail, and no warning unless the warning says no line avoids it.
    #[test]
    fn corrected_recipe_passes_its_own_checks_strictly() {
        let mut judged = 0;
        let mut unavoidable = 0;
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
                let first = judge_run(&f);
                let r = recipe(&f);
                if fails(&first) && r.is_none() {
                    // Only a failure no run flag can fix (the image's
                    // systemd) may leave a failing line without a recipe.
                    let blocked = checks::run(&f, &Selection::default())
                        .iter()
                        .any(|x| x.group != "run" && x.status == Status::Fail);
                    assert!(blocked, "{host}: no recipe for {line}");
                    continue;
                }
                let last = match &r {
                    Some(r) => shlex::try_join(r.argv.iter().map(String::as_str)).unwrap(),
                    None => line.clone(),
                };
                let mut again = facts.clone();
                with_line_ctx(&mut again, &last, context.clone());
                let bad: Vec<_> = judge_run(&again)
                    .into_iter()
                    .filter(|f| f.status == Status::Fail || f.status == Status::Warn)
                    .filter(|f| {
                        let said = f.message.contains("no run line avoids this");
                        unavoidable += usize::from(said);
                        !said
                    })
                    .map(|f| format!("{}: {}", f.id, f.message))
                    .collect();
                assert!(bad.is_empty(), "{host}: {line}\n-> {last}\n{bad:#?}");
                if let Some(r) = r {
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
        }
        assert!(judged > 8_000, "{judged}");
        // The daemons that cannot grant --privileged keep a warning.
        assert!(unavoidable > 1_000, "{unavoidable}");
    }

    fn lint(facts: Facts, line: &str, context: RunContext) -> Option<Recipe> {
        let mut f = facts;
        with_line_ctx(&mut f, line, context);
        recipe(&f)
    }

    #[test]
    fn seed_recipes() {
        let none = RunContext::default;
        let no_privileged = || ctx(|c| c.privileged_possible = Some(false));
        let v1 = "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG";
        let v2 = "docker run -d --tmpfs /tmp --tmpfs /run --privileged IMG";
        let v2_signal =
            "docker run -d --tmpfs /tmp --tmpfs /run --privileged --stop-signal SIGRTMIN+3 IMG";
        // The v1 recipe on a v2 host: the ro bind goes, --privileged comes.
        let r = lint(unified_host(), v1, none()).unwrap();
        assert_eq!(r.argv.join(" "), v2_signal);
        // ... the rw bind with --cgroupns=host where the daemon cannot grant --privileged.
        let r = lint(unified_host(), v1, no_privileged()).unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host --tmpfs /run/lock --stop-signal SIGRTMIN+3 IMG"
        );
        // The v2 recipe passes on v2; only the stop signal is added.
        assert_eq!(
            lint(unified_host(), v2, none()).unwrap().argv.join(" "),
            v2_signal
        );
        assert!(lint(unified_host(), v2_signal, none()).is_none());
        // ... and on a hybrid host where --privileged is granted (bookworm
        // lab guest); Docker's default namespace there is the host's.
        assert!(lint(hybrid_host(), v2_signal, none()).is_none());
        // The molecule line: the :rw bind and --cgroupns=host go on v2 ...
        let molecule = "docker run -d --privileged --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --stop-signal SIGRTMIN+3 IMG";
        assert_eq!(
            lint(unified_host(), molecule, none())
                .unwrap()
                .argv
                .join(" "),
            "docker run -d --privileged --stop-signal SIGRTMIN+3 IMG"
        );
        // ... and the bind on v1, where the host's namespace stays.
        assert_eq!(
            lint(hybrid_host(), molecule, none())
                .unwrap()
                .argv
                .join(" "),
            "docker run -d --privileged --cgroupns=host --stop-signal SIGRTMIN+3 IMG"
        );
        // Docker >= 25 on v1 without --privileged: the bind must stay writable below.
        let r = lint(
            hybrid_host(),
            v1,
            ctx(|c| {
                c.engine_version = Some("28.2.2".into());
                c.privileged_possible = Some(false);
            }),
        )
        .unwrap();
        assert!(r.argv.join(" ").contains("--mount type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable"), "{:?}", r.argv);
        assert!(!r
            .argv
            .iter()
            .any(|a| a == "/sys/fs/cgroup:/sys/fs/cgroup:ro"));
        // userns-remap on v1: the host's hierarchies are the host root's.
        let remapped = "docker run -d -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp IMG";
        let r = lint(
            hybrid_host(),
            remapped,
            ctx(|c| {
                c.userns_remap = Some(true);
                c.privileged_possible = Some(false);
            }),
        )
        .unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --userns=host -v /sys/fs/cgroup:/sys/fs/cgroup:ro --stop-signal SIGRTMIN+3 IMG"
        );
        let r = lint(
            hybrid_host(),
            remapped,
            ctx(|c| c.userns_remap = Some(true)),
        )
        .unwrap();
        assert_eq!(
            r.argv.join(" "),
            "docker run -d --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --userns=host --privileged --stop-signal SIGRTMIN+3 IMG"
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
        // molecule's keep-alive command never starts systemd: the image's
        // own command (systemd) replaces it.
        let img = crate::testing::bookworm_image();
        let mut f = crate::testing::with_image(unified_host(), img.clone());
        crate::checks::run::testing::with_line_ctx(
            &mut f,
            &format!(
                "docker run -d --privileged {} bash -c 'while true; do sleep 10000; done'",
                img.reference
            ),
            RunContext::default(),
        );
        let r = recipe(&f).unwrap();
        assert_eq!(r.spec.args, Vec::<String>::new(), "{:?}", r.argv);
        assert_eq!(r.argv.last(), Some(&img.reference));
        // An image's non-root USER: --user root on the line fixes it.
        let r = lint(
            unified_host(),
            v2_signal,
            ctx(|c| c.image_user = Some("ansible".into())),
        )
        .unwrap();
        assert!(r.argv.join(" ").contains("--user root"), "{:?}", r.argv);
    }
}
