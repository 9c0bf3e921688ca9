//! The application core: a plain request (what to probe, which checks, which
//! input) → facts → findings → recipe. The CLI and the tests use it; it prints
//! nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::checks::{self, Finding, Selection};
use crate::diagnose;
use crate::facts::image::Pid1Kind;
use crate::facts::{Facts, Probed};
use crate::probe::bundle::{Bundle, Manifest, Recorder};
use crate::probe::{self, root::HostRoot};
use crate::recipe::{self, Recipe};
use crate::redact::{self, Redactor};
use crate::runline::{self, compose::ComposeFile, target::Target};

/// What to judge besides the host and the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The host, the daemon and any `--image`.
    Host,
    /// `lint`: a run line as given (after `--`, or one quoted argument).
    RunLine(Vec<String>),
    /// `container NAME|ID`.
    Container(String),
    /// `lint --compose FILE…`: the files in order (later ones override, as
    /// `-f` does) and the services asked for (none: each that runs systemd).
    Compose {
        files: Vec<PathBuf>,
        services: Vec<String>,
    },
    /// `lint --molecule FILE`: each platform of a molecule.yml.
    Molecule(PathBuf),
    /// `lint --dockerfile FILE`: the image the file would build, judged as
    /// an `--image` (its base's files where the daemon has it).
    Dockerfile(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Request {
    /// Read host files through this directory instead of `/`.
    pub root: Option<PathBuf>,
    /// Judge facts saved by an earlier `--json` run instead of probing.
    pub facts_file: Option<PathBuf>,
    pub docker: probe::docker::Options,
    /// `--image`, in the order given.
    pub images: Vec<String>,
    pub image_reader: probe::docker::image::Reader,
    pub input: Input,
    pub selection: Selection,
}

/// What the doctor concluded.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub facts: Facts,
    pub findings: Vec<Finding>,
    /// For a run line or a container: the corrected line, `None` when none
    /// is needed or none can be made. Absent for a host-only run.
    pub recipe: Option<Option<Recipe>>,
    /// `lint --compose` / `--molecule`: one judgement per service or
    /// platform; `findings` then holds only the host and daemon checks.
    pub targets: Vec<TargetDiagnosis>,
}

/// One service or platform of a file, judged.
#[derive(Debug, Clone)]
pub struct TargetDiagnosis {
    pub target: Target,
    /// Its run, image and container checks (the host and daemon checks are
    /// the diagnosis' own).
    pub findings: Vec<Finding>,
    /// The corrected settings, `None` when none is needed or none can be made.
    pub recipe: Option<Recipe>,
}

/// Families judged once for a whole file, not per target.
const SHARED_FAMILIES: [&str; 2] = ["host", "docker"];

/// Probes (or replays), judges and corrects. An error is a usage error or a
/// probe that could not start (exit 2); a host that fails is a diagnosis.
pub fn diagnose(req: &Request) -> Result<Diagnosis, String> {
    req.selection.validate()?;
    if let Input::Dockerfile(path) = &req.input {
        return diagnose_dockerfile(req, path);
    }
    if let Some(targets) = read_targets(&req.input)? {
        return diagnose_targets(req, targets);
    }
    // A malformed run line is a usage error: refuse it before probing.
    let line = match &req.input {
        Input::RunLine(words) => Some(runline::from_line(words).map_err(|e| e.to_string())?),
        _ => None,
    };
    if let (Input::Container(_), Some(why)) = (&req.input, &req.docker.skip_reason) {
        return Err(format!("container asks the Docker daemon: {why}"));
    }
    if matches!(req.input, Input::Container(_)) && (req.facts_file.is_some() || req.docker.skip) {
        return Err("container asks the Docker daemon: it cannot be used with --facts or --no-docker (replay a saved `container --json` with --facts FILE alone)".into());
    }
    // lint judges the image on its run line too.
    let mut facts = probe_facts(req, line.iter().map(|r| r.spec.image.as_str()))?;
    if line.is_some() {
        facts.run = line;
    }
    if let Input::Container(reference) = &req.input {
        attach_container(&mut facts, req, reference)?;
    }
    let mut findings = checks::run(&facts, &req.selection);
    let recipe = facts.run.as_ref().map(|_| recipe::recipe(&facts));
    if let Some(r) = &recipe {
        // A container's own checks point at its corrected line.
        recipe::container::merge(&facts, &mut findings, r.as_ref());
    }
    Ok(Diagnosis {
        facts,
        findings,
        recipe,
        targets: vec![],
    })
}

/// `lint --dockerfile FILE`: the file read and parsed before any probe (a
/// bad one is a usage error), the base probed with the file's settings on
/// top, and the image so made judged first among the images.
fn diagnose_dockerfile(req: &Request, path: &Path) -> Result<Diagnosis, String> {
    let text = probe::bounded::input(path)?;
    let mut df = runline::dockerfile::parse(&path.display().to_string(), &text)?;
    let mut facts = match &req.facts_file {
        Some(path) => load_facts(path)?,
        None => probe::probe_with_images(
            &host_root(req.root.as_deref())?,
            &req.docker,
            &req.images,
            req.image_reader,
        ),
    };
    let base = if df.base == "scratch" {
        None
    } else if req.facts_file.is_some() {
        df.base_note = Some("replaying --facts: the base was not inspected".into());
        None
    } else if req.docker.skip {
        df.base_note = Some(
            req.docker
                .skip_reason
                .clone()
                .unwrap_or_else(|| "the daemon was not asked (--no-docker)".into()),
        );
        None
    } else {
        let b = probe::docker::image::probe_as(
            &df.base,
            probe::docker::endpoint(&req.docker),
            (req.docker.deadline, req.docker.timeout),
            req.image_reader,
            Some(&df),
            None,
        );
        // Unreachable: whether it has the image is unknown.
        df.base_present = (b.present || b.error.is_none()).then_some(b.present);
        df.base_has_systemd = b.readable().then_some(b.systemd_path.is_some());
        df.base_note = match (&b.error, b.present) {
            (None, true) => None,
            (None, false) => Some("not in the local daemon (the doctor never pulls)".into()),
            (Some(e), _) => Some(format!("could not be inspected: {e}")),
        };
        Some(b)
    };
    let image = runline::dockerfile::image_facts(&df, base);
    // A replayed report's own Dockerfile image is not this file's.
    facts.images.retain(|i| !i.from_dockerfile());
    facts.images.insert(0, image);
    facts.dockerfile = Some(df);
    let findings = checks::run(&facts, &req.selection);
    Ok(Diagnosis {
        facts,
        findings,
        recipe: None,
        targets: vec![],
    })
}

/// The facts of the request (replayed from `--facts`, or probed), with
/// `more` images judged besides `--image`, each once.
fn probe_facts<'a>(req: &Request, more: impl Iterator<Item = &'a str>) -> Result<Facts, String> {
    let mut images = req.images.clone();
    for image in more {
        if !images.iter().any(|i| i == image) {
            images.push(image.to_owned());
        }
    }
    match &req.facts_file {
        Some(path) => load_facts(path),
        None => Ok(probe::probe_with_images(
            &host_root(req.root.as_deref())?,
            &req.docker,
            &images,
            req.image_reader,
        )),
    }
}

/// The targets of a compose or molecule input; `None` for other inputs.
fn read_targets(input: &Input) -> Result<Option<Vec<Target>>, String> {
    match input {
        Input::Compose { files, .. } => {
            let mut read = Vec::new();
            for path in files {
                let absolute = std::path::absolute(path)
                    .map_err(|e| format!("{}: {}", path.display(), probe::root::io_reason(&e)))?;
                read.push(ComposeFile {
                    path: path.display().to_string(),
                    dir: absolute.parent().map(Path::to_path_buf).unwrap_or_default(),
                    text: probe::bounded::input(path)?,
                });
            }
            let env = compose_env(files.first().map(PathBuf::as_path))?;
            let extends_file = |p: &Path| probe::bounded::input(p);
            runline::compose::targets_with(&read, &env, &extends_file).map(Some)
        }
        Input::Molecule(path) => {
            let text = probe::bounded::input(path)?;
            runline::molecule::targets(&path.display().to_string(), &text, &utf8_env()).map(Some)
        }
        _ => Ok(None),
    }
}

/// The variables Compose interpolates: the `.env` beside the first file,
/// overridden by the environment (as Compose does).
fn compose_env(first: Option<&Path>) -> Result<BTreeMap<String, String>, String> {
    let mut env = BTreeMap::new();
    let dotenv = first
        .and_then(Path::parent)
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .map(|d| d.join(".env"));
    if let Some(path) = dotenv.filter(|p| p.exists()) {
        let text = probe::bounded::input(&path)?;
        env.extend(runline::compose::dotenv(&text));
    }
    env.extend(utf8_env());
    Ok(env)
}

/// The environment's UTF-8 variables (`std::env::vars` panics on the others).
fn utf8_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Probes once for every target's image, then judges each target alone.
fn diagnose_targets(req: &Request, targets: Vec<Target>) -> Result<Diagnosis, String> {
    let facts = probe_facts(req, targets.iter().filter_map(Target::image))?;
    let chosen = choose_targets(req, &facts, targets)?;
    let shared = |f: &Finding| SHARED_FAMILIES.contains(&f.group.as_str());
    let findings: Vec<Finding> = checks::run(&facts, &req.selection)
        .into_iter()
        .filter(shared)
        .collect();
    let judged = chosen
        .into_iter()
        .map(|target| {
            let mut f = facts.clone();
            f.images
                .retain(|i| Some(i.reference.as_str()) == target.image());
            f.run = target.run.clone().ok();
            let findings = checks::run(&f, &req.selection)
                .into_iter()
                .filter(|x| !shared(x))
                .collect();
            let recipe = f.run.as_ref().and_then(|_| recipe::recipe(&f));
            TargetDiagnosis {
                target,
                findings,
                recipe,
            }
        })
        .collect();
    Ok(Diagnosis {
        facts,
        findings,
        recipe: None,
        targets: judged,
    })
}

/// The targets to judge: those named with `--service`, else those that run
/// systemd by their own settings or by their image's PID 1.
fn choose_targets(
    req: &Request,
    facts: &Facts,
    targets: Vec<Target>,
) -> Result<Vec<Target>, String> {
    let named = match &req.input {
        Input::Compose { services, .. } => services.as_slice(),
        _ => &[],
    };
    if !named.is_empty() {
        for name in named {
            if !targets.iter().any(|t| &t.name == name) {
                let known: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                return Err(format!(
                    "no service '{name}' in the compose file (it has: {})",
                    known.join(", ")
                ));
            }
        }
        return Ok(targets
            .into_iter()
            .filter(|t| named.contains(&t.name))
            .collect());
    }
    if !matches!(req.input, Input::Compose { .. }) {
        return Ok(targets);
    }
    let image_runs_systemd = |t: &Target| {
        facts.images.iter().any(|i| {
            Some(i.reference.as_str()) == t.image()
                && matches!(&i.pid1, Probed::Ok(p) if p.kind == Pid1Kind::Systemd)
        })
    };
    let total = targets.len();
    let chosen: Vec<Target> = targets
        .into_iter()
        .filter(|t| t.looks_systemd || image_runs_systemd(t))
        .collect();
    if chosen.is_empty() {
        return Err(format!(
            "none of the {total} services runs systemd by its settings or its image: name one with --service"
        ));
    }
    Ok(chosen)
}

/// `capture --bundle`: probes as `req` asks, keeping every raw answer in a
/// bundle (without its `report.json`, which the caller renders). The
/// diagnosis is the bundle's own replay, so `--from` gives the same one.
/// `redact`: the raw answers lose what the redacted report would not show
/// (the report is then judged from them, so `--from` prints the same).
pub fn capture_bundle(req: &Request, redact: bool) -> Result<(Bundle, Diagnosis), String> {
    let (command, run_line, container) = match &req.input {
        Input::Host => ("host", vec![], None),
        Input::RunLine(words) => ("lint", words.clone(), None),
        Input::Container(c) => ("container", vec![], Some(c.clone())),
        _ => return Err("capture --bundle records the default run, a `lint` run line or a `container`; compose, molecule and Dockerfile inputs are not recorded".into()),
    };
    if req.facts_file.is_some() {
        return Err("capture --bundle probes: it cannot be used with --facts".into());
    }
    let line = match &req.input {
        Input::RunLine(words) => Some(runline::from_line(words).map_err(|e| e.to_string())?),
        _ => None,
    };
    let rec = Recorder::default();
    let mut live = req.clone();
    live.docker.record = Some(rec.clone());
    let root = host_root(req.root.as_deref())?;
    let mut images = req.images.clone();
    if let Some(image) = line.as_ref().map(|r| r.spec.image.clone()) {
        if !images.contains(&image) {
            images.push(image);
        }
    }
    let mut facts = probe::probe_with_images(&root, &live.docker, &images, req.image_reader);
    if let Some(reference) = &container {
        attach_container(&mut facts, &live, reference)?;
    }
    let host = probe::capture::files_read(&root);
    for (rel, bytes) in host.files {
        rec.put(&format!("host/{}", rel.trim_start_matches('/')), bytes);
    }
    // Directory listings (the /sys/fs/cgroup tmpfs's entries and links).
    rec.put_json("host-listings.json", &host.listings);
    rec.put_json(
        "manifest.json",
        &Manifest {
            format: probe::bundle::FORMAT,
            doctor: env!("CARGO_PKG_VERSION").into(),
            command: command.into(),
            run_line,
            container,
            images: req.images.clone(),
            only: req.selection.only.clone(),
            skip: req.selection.skip.clone(),
            root: root.dir().display().to_string(),
            unreadable: host.unreadable,
        },
    );
    let mut recorded = rec.into_bundle();
    if redact {
        let mut r = Redactor::new(&facts);
        if let Some(run) = &line {
            r.add_run(run);
        }
        recorded.map_entries(|path, bytes| redact_entry(&r, path, bytes));
    }
    // Through the reader's bounds now, not at the support desk.
    let bundle = Bundle::from_targz(&recorded.to_targz()?)
        .map_err(|e| format!("the bundle would not be readable: {e}"))?;
    let (d, _) = replay(&bundle, &Selection::default())?;
    Ok((bundle, d))
}

/// One raw bundle entry, redacted by what it is: host files and the
/// daemon's, the container's and the images' answers by their meaning,
/// other JSON scrubbed of the secrets the facts hold. The image's own files
/// and the multiplexed log stream are kept as read.
fn redact_entry(r: &Redactor, path: &str, bytes: Vec<u8>) -> Vec<u8> {
    if let Some(rel) = path.strip_prefix("host/") {
        return redact::raw::host_file(&format!("/{rel}"), bytes);
    }
    if !path.ends_with(".json") || path.ends_with("/files.json") {
        return bytes;
    }
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return bytes;
    };
    let is_image_inspect = path.starts_with("images/") && path.ends_with("/inspect.json");
    match path {
        "docker/info.json" => redact::raw::info(&mut v),
        "docker/version.json" => redact::raw::version(&mut v),
        "container/inspect.json" => redact::raw::container_inspect(&mut v),
        _ if is_image_inspect => redact::raw::image_inspect(&mut v),
        _ => r.json(&mut v),
    }
    serde_json::to_vec_pretty(&v).unwrap_or(bytes)
}

/// `--from FILE`: the bundle's diagnosis, asking no daemon; `selection`
/// (when not empty) instead of the recorded one.
pub fn replay(bundle: &Bundle, selection: &Selection) -> Result<(Diagnosis, Manifest), String> {
    let (mut facts, m) = probe::bundle::replay_facts(bundle)?;
    let selection = if selection.only.is_empty() && selection.skip.is_empty() {
        Selection {
            only: m.only.clone(),
            skip: m.skip.clone(),
        }
    } else {
        selection.clone()
    };
    selection.validate()?;
    match m.command.as_str() {
        "host" => {}
        "lint" => {
            let line =
                runline::from_line(&m.run_line).map_err(|e| format!("bundle: run line: {e}"))?;
            facts.run = Some(line);
        }
        "container" => {
            let c = facts
                .container
                .as_mut()
                .ok_or("bundle: a container run without container/")?;
            match runline::from_container(c) {
                Ok(run) => facts.run = Some(run),
                Err(e) => c.run_line_error = Some(e.to_string()),
            }
        }
        other => return Err(format!("bundle: unknown command '{other}'")),
    }
    let findings = checks::run(&facts, &selection);
    let recipe = facts.run.as_ref().map(|_| recipe::recipe(&facts));
    let d = Diagnosis {
        facts,
        findings,
        recipe,
        targets: vec![],
    };
    Ok((d, m))
}

/// `capture DIR`: copies the host files the probes read; returns how many.
pub fn capture(root: Option<&Path>, dir: &Path) -> Result<usize, String> {
    let root = host_root(root)?;
    probe::capture::capture(&root, dir).map(|files| files.len())
}

fn host_root(root: Option<&Path>) -> Result<HostRoot, String> {
    match root {
        Some(dir) => HostRoot::new(dir),
        None => Ok(HostRoot::live()),
    }
}

/// `container NAME|ID`: the container's facts, and its settings as the run
/// line the run checks judge. A missing container is a usage error.
fn attach_container(facts: &mut Facts, req: &Request, reference: &str) -> Result<(), String> {
    let endpoint = probe::docker::endpoint(&req.docker);
    // What the daemon probe left of the run's deadline, not a new one.
    let bound = (req.docker.deadline, req.docker.timeout);
    let rec = req.docker.record.as_ref();
    let mut c = probe::docker::container::probe(endpoint.clone(), bound, reference, rec)?;
    // Its image too, so /run/lock and PID 1 are judged with the image's
    // systemd; once, when --image already named it.
    if !facts.images.iter().any(|i| i.reference == c.config.image) {
        let rec =
            rec.map(|r| probe::bundle::image::ImageRecord::new(r.clone(), facts.images.len()));
        facts.images.push(probe::docker::image::probe_recorded(
            &c.config.image,
            endpoint,
            bound,
            req.image_reader,
            rec.as_ref(),
        ));
    }
    match runline::from_container(&c) {
        Ok(run) => facts.run = Some(run),
        Err(e) => c.run_line_error = Some(e.to_string()),
    }
    facts.container = Some(c);
    Ok(())
}

fn load_facts(path: &Path) -> Result<Facts, String> {
    let text = probe::bounded::text(path, probe::bounded::MAX_FACTS)?;
    facts_from_json(&path.display().to_string(), &text)
}

/// What `--facts` makes of a file's text (`name` names it in errors): a whole
/// `--json` report or its `facts` object.
pub(crate) fn facts_from_json(name: &str, text: &str) -> Result<Facts, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let facts = value.get("facts").cloned().unwrap_or(value);
    serde_json::from_value(facts).map_err(|e| format!("{name}: not sdctr-doctor facts: {e}"))
}

/// `triage FILE|-`: a pasted log read (bounded, like every input the user
/// names), terminal escapes removed, and each line the table knows found.
/// An error (unreadable, too large, not text) is one line naming the input.
pub(crate) fn triage(input: &Path) -> Result<diagnose::Triage, String> {
    let (name, bytes) = if input == Path::new("-") {
        ("standard input".to_owned(), read_stdin()?)
    } else {
        let name = input.display().to_string();
        let b = probe::bounded::bytes(input, probe::bounded::MAX_INPUT)
            .map_err(|e| format!("{name}: {e}"))?;
        (name, b)
    };
    if memchr::memchr(0, &bytes).is_some() {
        return Err(format!("{name}: binary data (NUL bytes), not a log"));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))?;
    let clean: Vec<String> = text
        .split('\n')
        .map(probe::docker::container::strip_escapes)
        .collect();
    let shown = if input == Path::new("-") {
        "-".to_owned()
    } else {
        name
    };
    Ok(diagnose::triage(&shown, &clean.join("\n")))
}

/// Standard input up to the same bound as a file.
fn read_stdin() -> Result<Vec<u8>, String> {
    use std::io::Read;
    let cap = probe::bounded::MAX_INPUT;
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("standard input: {e}"))?;
    if buf.len() as u64 > cap {
        return Err(format!(
            "standard input: larger than {} MiB, refused",
            cap >> 20
        ));
    }
    Ok(buf)
}
