//! Entry points for the fuzz targets in `fuzz/` and for `tests/fuzz_corpus.rs`,
//! which replays their corpus on stable Rust. Each takes arbitrary bytes and,
//! by contract, never panics: an input that makes one panic is a bug in the
//! code it reaches. Not an API for anything else.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::OnceLock;

use crate::app;
use crate::checks::{self, Selection};
use crate::diagnose::systemd_logs;
use crate::facts::docker::DaemonProcess;
use crate::facts::Facts;
use crate::probe::docker::{container, engine};
use crate::probe::host;
use crate::probe::image::{self, elf, EngineConfig, ImageInspect, TarFiles};
use crate::probe::root::HostRoot;
use crate::recipe;
use crate::report::{self, human, targets::TargetDiagnosis};
use crate::runline::{self, compose::ComposeFile, target};

/// One fuzz target's entry point.
pub type Target = fn(&[u8]);

/// The entry points, by target name: what the corpus replay walks.
pub const TARGETS: &[(&str, Target)] = &[
    ("run_line", run_line),
    ("mountinfo", mountinfo),
    ("systemd_logs", systemd_logs),
    ("facts", facts),
    ("elf_version", elf_version),
    ("tar_image", tar_image),
    ("container_inspect", container_inspect),
    ("compose", compose),
    ("molecule", molecule),
    ("dockerfile", dockerfile),
];

/// Hosts the fuzzed inputs are judged on: captures in `fixtures/` with their
/// daemon's recorded answers (a cgroup v2 host, a hybrid one).
const HOSTS: &[(&str, &str)] = &[
    ("debian12-v2", "debian12-v2-20.10"),
    ("dev-vm-hybrid", "devvm-hybrid-20.10"),
];

fn fixture_hosts() -> &'static [Facts] {
    static HOSTS_FACTS: OnceLock<Vec<Facts>> = OnceLock::new();
    HOSTS_FACTS.get_or_init(|| {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        HOSTS
            .iter()
            .map(|(h, d)| {
                let root = HostRoot::new(&fixtures.join("hosts").join(h))
                    .expect("the fixture hosts are in the source tree");
                let docker = engine::recorded(
                    &fixtures.join("docker").join(d),
                    DaemonProcess::new(Some(1), 0),
                );
                Facts {
                    host: host::probe(&root),
                    docker: Some(docker),
                    docker_probe: None,
                    container: None,
                    run: None,
                    images: vec![],
                    dockerfile: None,
                }
            })
            .collect()
    })
}

/// A fixture host, chosen by the input so both are reached.
fn host_for(data: &[u8]) -> Facts {
    let hosts = fixture_hosts();
    hosts[data.len() % hosts.len()].clone()
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Checks, corrector, human and JSON reports over `facts`, as `lint` does.
fn judge_and_render(facts: &Facts) {
    let mut findings = checks::run(facts, &Selection::default());
    let recipe = facts.run.as_ref().map(|_| recipe::recipe(facts));
    if let Some(r) = &recipe {
        // As app::diagnose does for a container.
        recipe::container::merge(facts, &mut findings, r.as_ref());
    }
    for verbose in [false, true] {
        let style = human::Style {
            color: verbose,
            verbose,
        };
        let mut out = human::render(&findings, false, style);
        out.push_str(&report::dockerfile::human(facts, &findings));
        if let Some(r) = &recipe {
            out.push_str(&report::recipe::render(
                &findings,
                r.as_ref(),
                facts.container.is_some(),
            ));
        }
        std::hint::black_box(out);
    }
    std::hint::black_box(report::json::render(
        facts,
        &findings,
        true,
        recipe.as_ref(),
        &[],
    ));
}

/// Judges every target on a fixture host, then renders the file's report
/// (human with and without `--diff`, and JSON), as `lint --compose` does.
fn judge_targets(data: &[u8], targets: Vec<target::Target>) {
    let facts = host_for(data);
    let shared: Vec<_> = checks::run(&facts, &Selection::default())
        .into_iter()
        .filter(|f| matches!(f.group.as_str(), "host" | "docker"))
        .collect();
    let judged: Vec<_> = targets
        .iter()
        .map(|t| {
            let mut f = facts.clone();
            f.run = t.run.clone().ok();
            let findings: Vec<_> = checks::run(&f, &Selection::default())
                .into_iter()
                .filter(|x| !matches!(x.group.as_str(), "host" | "docker"))
                .collect();
            let recipe = f.run.as_ref().and_then(|_| recipe::recipe(&f));
            (findings, recipe)
        })
        .collect();
    let views: Vec<TargetDiagnosis<'_>> = targets
        .iter()
        .zip(&judged)
        .map(|(target, (findings, recipe))| TargetDiagnosis {
            target,
            findings,
            recipe: recipe.as_ref(),
        })
        .collect();
    let style = human::Style {
        color: false,
        verbose: true,
    };
    for diff in [false, true] {
        std::hint::black_box(report::targets::human(&shared, &views, false, style, diff));
    }
    std::hint::black_box(report::json::render(&facts, &shared, false, None, &views));
}

/// `lint` words (one per input line; a single line is split as a shell
/// would), judged and corrected on a fixture host, both reports rendered.
pub fn run_line(data: &[u8]) {
    let words: Vec<String> = text(data).split('\n').map(str::to_owned).collect();
    let Ok(run) = runline::from_line(&words) else {
        return;
    };
    let mut facts = host_for(data);
    facts.run = Some(run);
    judge_and_render(&facts);
}

/// `/proc/self/mountinfo` as the host probe reads it.
pub fn mountinfo(data: &[u8]) {
    if let Ok(mounts) = host::mounts::parse_from(data, "/proc/self/mountinfo") {
        for m in &mounts {
            std::hint::black_box((m.mount_point(), m.read_only(), m.super_options_except(&[])));
        }
        std::hint::black_box(host::mounts::visible_at(&mounts, "/sys/fs/cgroup"));
    }
}

/// A container's log answer: demultiplexed (or taken as a tty stream), its
/// tail cleaned of escapes, matched against the known systemd failures.
pub fn systemd_logs(data: &[u8]) {
    for raw in [container::demux(data), data.to_vec()] {
        let text = String::from_utf8_lossy(&raw);
        let lines = container::tail_lines(&text, 200);
        std::hint::black_box(systemd_logs::diagnose(&lines.join("\n")));
        std::hint::black_box(systemd_logs::diagnose(&text));
    }
}

/// A `--facts` file: loaded, judged, corrected and rendered.
pub fn facts(data: &[u8]) {
    if let Ok(f) = app::facts_from_json("fuzz.json", &text(data)) {
        judge_and_render(&f);
    }
}

/// An image whose `/usr/lib/systemd/systemd` (PID 1 through `/sbin/init`) is
/// the input: DT_NEEDED, the banner, the version; the ELF readers directly too.
pub fn elf_version(data: &[u8]) {
    let _ = std::hint::black_box((
        elf::is_elf(data),
        elf::needed(data),
        elf::banner_version(data),
    ));
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, kind: tar::EntryType, body: &[u8], link: Option<&str>| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(body.len() as u64);
        h.set_mode(0o755);
        if let Some(l) = link {
            h.set_link_name(l).expect("fixed link");
        }
        b.append_data(&mut h, path, body).expect("in-memory tar");
    };
    add(
        "usr/lib/systemd/systemd",
        tar::EntryType::Regular,
        data,
        None,
    );
    add(
        "sbin/init",
        tar::EntryType::Symlink,
        b"",
        Some("/usr/lib/systemd/systemd"),
    );
    add(
        "var/lib/dpkg/status",
        tar::EntryType::Regular,
        b"Package: systemd\nStatus: install ok installed\nVersion: 252.39-1~deb12u2\n",
        None,
    );
    let Ok(tar) = b.into_inner() else { return };
    if let Ok(files) = TarFiles::new(Cursor::new(tar)) {
        std::hint::black_box(image::analyze("fuzz", &init_inspect(), &files));
    }
}

fn init_inspect() -> ImageInspect {
    ImageInspect {
        id: "sha256:fuzz".into(),
        config: Some(EngineConfig {
            cmd: Some(vec!["/sbin/init".into()]),
            env: Some(vec!["container=docker".into()]),
            ..EngineConfig::default()
        }),
        graph_driver: None,
    }
}

/// A root tarball (`docker export`): indexed, then analysed as an image
/// whose command is `/sbin/init`.
pub fn tar_image(data: &[u8]) {
    if let Ok(files) = TarFiles::new(Cursor::new(data)) {
        std::hint::black_box(image::analyze("fuzz", &init_inspect(), &files));
    }
}

/// `GET /containers/{id}/json`: the facts, and the run line they make,
/// judged and corrected on a fixture host.
pub fn container_inspect(data: &[u8]) {
    let Ok(inspect) = container::Inspect::from_json(data) else {
        return;
    };
    let c = inspect.facts("fuzz");
    let mut facts = host_for(data);
    facts.run = runline::from_container(&c).ok();
    facts.container = Some(c);
    judge_and_render(&facts);
}

/// A compose file (`lint --compose`), judged on a fixture host.
pub fn compose(data: &[u8]) {
    let file = ComposeFile {
        path: "compose.yaml".into(),
        dir: "/fuzz".into(),
        text: text(data),
    };
    let env = BTreeMap::from([("TAG".to_owned(), "bookworm".to_owned())]);
    if let Ok(targets) = runline::compose::targets(&[file], &env) {
        judge_targets(data, targets);
    }
}

/// A molecule.yml (`lint --molecule`), judged on a fixture host.
pub fn molecule(data: &[u8]) {
    let env = BTreeMap::from([("MOLECULE_DISTRO".to_owned(), "debian12".to_owned())]);
    if let Ok(targets) =
        runline::molecule::targets("molecule/default/molecule.yml", &text(data), &env)
    {
        judge_targets(data, targets);
    }
}

/// A Dockerfile (`lint --dockerfile`), its image judged on a fixture host.
pub fn dockerfile(data: &[u8]) {
    let Ok(df) = runline::dockerfile::parse("Dockerfile", &text(data)) else {
        return;
    };
    let mut facts = host_for(data);
    facts
        .images
        .insert(0, runline::dockerfile::image_facts(&df, None));
    facts.dockerfile = Some(df);
    std::hint::black_box(report::dockerfile::fix(
        &facts,
        &checks::run(&facts, &Selection::default()),
    ));
    judge_and_render(&facts);
}
