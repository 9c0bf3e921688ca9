//! Command line: parse, hand a request to [`crate::app`], print, choose the
//! exit code.

mod args;

use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::Parser;

use crate::app::{self, Input, Request};
use crate::checks::{self, Selection};
use crate::probe;
use crate::redact::Redactor;
use crate::report::{self, human, targets::TargetDiagnosis, Verdict};
use crate::runline;
use crate::runline::target::Origin;
use args::{Cli, Command, Format};

/// Exit code when the doctor itself could not run (usage errors too).
pub const EXIT_ERROR: i32 = 2;

pub fn main() -> i32 {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            // clap's own codes: 2 for a usage error (our EXIT_ERROR), 0 for --help.
            let _ = e.print();
            return e.exit_code();
        }
    };
    // After `--` the line is the user's verbatim.
    let verbatim = argv.iter().any(|a| a == "--");
    match options_in_line(&cli, verbatim).and_then(|()| run(cli)) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("sdctr-doctor: error: {msg}");
            EXIT_ERROR
        }
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    if let Some(what) = text_only(&cli) {
        if cli.json || cli.format != Format::Human {
            return Err(format!(
                "{what} prints text: --json and --format are for reports (the default run, lint, container, triage, --from)"
            ));
        }
    }
    if cli.version || matches!(cli.command, Some(Command::Version)) {
        print(&version(cli.verbose || cli.command.is_some()));
        return Ok(0);
    }
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut args::command(), "sdctr-doctor", &mut out);
            let mut script = String::from_utf8_lossy(&out).into_owned();
            if *shell == clap_complete::Shell::Bash {
                // clap-rs/clap#6421: the case labels spell the hyphen of the bin
                // name as a subcommand separator, so no subcommand's options complete.
                script =
                    script.replace("sdctr__subcmd__doctor__subcmd__", "sdctr__doctor__subcmd__");
            }
            print(&script);
            return Ok(0);
        }
        Some(Command::Man { page }) => {
            print(&man_page(page.as_deref())?);
            return Ok(0);
        }
        _ => {}
    }
    if cli.list_checks {
        print(&human::check_list(&checks::registry()));
        return Ok(0);
    }
    if let Some(id) = &cli.explain {
        let c = checks::find(id).ok_or_else(|| checks::unknown("check", id))?;
        print(&human::explanation(c));
        return Ok(0);
    }
    if let Some(Command::Triage { input }) = &cli.command {
        return triage(&cli, input);
    }
    if let Some(Command::Capture {
        dir: Some(dir),
        container,
        line,
        ..
    }) = &cli.command
    {
        if container.is_some() || !line.is_empty() {
            return Err(
                "capture DIR copies host files only: --container and a run line go with --bundle FILE"
                    .into(),
            );
        }
        let n = app::capture(cli.root.as_deref(), dir)?;
        eprintln!("captured {n} files into {}", dir.display());
        return Ok(0);
    }
    if let Some(Command::Capture {
        bundle: Some(path), ..
    }) = &cli.command
    {
        return capture_bundle(&cli, path);
    }
    let selection = Selection {
        only: cli.only.clone(),
        skip: cli.skip.clone(),
    };
    let (d, from_container) = match &cli.from {
        Some(path) => {
            if cli.command.is_some() {
                return Err(
                    "--from replays the command the bundle recorded: give no subcommand".into(),
                );
            }
            let bundle = probe::bundle::read(path)?;
            let (d, m) = app::replay(&bundle, &selection)?;
            let what = match (&m.container, m.run_line.is_empty()) {
                (Some(c), _) => format!("container {c}"),
                (None, false) => format!("lint -- {}", m.run_line.join(" ")),
                (None, true) => "the default run".into(),
            };
            eprintln!(
                "sdctr-doctor: replaying {} ({what}, captured by sdctr-doctor {} from {}); no daemon is asked",
                path.display(),
                m.doctor,
                m.root
            );
            (d, m.command == "container")
        }
        None => {
            let request = request(&cli);
            let d = app::diagnose(&request)?;
            (d, matches!(request.input, Input::Container(_)))
        }
    };
    let targets: Vec<TargetDiagnosis<'_>> = d
        .targets
        .iter()
        .map(|t| TargetDiagnosis {
            target: &t.target,
            findings: &t.findings,
            recipe: t.recipe.as_ref(),
        })
        .collect();
    let json = cli.json || cli.format == Format::Json;
    let out = if json {
        let out = report::json::render(
            &d.facts,
            &d.findings,
            cli.strict,
            d.recipe.as_ref(),
            &targets,
        );
        if cli.no_redact {
            out
        } else {
            redacted_json(&out, &redactor(&d))
        }
    } else if cli.format == Format::Markdown {
        let out = report::markdown::render(
            &d.facts,
            &d.findings,
            d.recipe.as_ref(),
            &targets,
            report::markdown::Options {
                strict: cli.strict,
                from_container,
                diff: matches!(cli.command, Some(Command::Lint { diff: true, .. })),
            },
        );
        if cli.no_redact {
            out
        } else {
            let md = redactor(&d).text_escaped(&out, report::markdown::blocks::escape);
            report::markdown::blocks::escape_inserted(&md, "<redacted")
        }
    } else if !targets.is_empty() {
        let diff = matches!(cli.command, Some(Command::Lint { diff: true, .. }));
        report::targets::human(&d.findings, &targets, cli.strict, style(&cli), diff)
    } else {
        let dockerfile = report::dockerfile::fix(&d.facts, &d.findings);
        let fix = human::Fix {
            recipe: d.recipe.as_ref(),
            from_container,
            dockerfile: dockerfile.as_deref(),
        };
        human::report(&d.findings, cli.strict, style(&cli), fix)
    };
    print(&out);
    let verdict = if targets.is_empty() {
        Verdict::of(&d.findings, cli.strict)
    } else {
        report::targets::overall(&d.findings, &targets, cli.strict)
    };
    Ok(verdict.exit_code())
}

/// `lint docker run IMG --no-docker`: docker would hand `--no-docker` to the
/// container, so without `--` the doctor refuses the line rather than guess.
fn options_in_line(cli: &Cli, verbatim: bool) -> Result<(), String> {
    let Some(Command::Lint { line, .. }) = &cli.command else {
        return Ok(());
    };
    if verbatim || line.is_empty() {
        return Ok(());
    }
    let Ok(run) = runline::from_line(line) else {
        return Ok(()); // the parse error is reported by the run itself
    };
    let cmd = args::command();
    let ours: Vec<&str> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .filter_map(|a| a.get_long())
        .collect();
    let hit = run.spec.args.iter().find(|w| {
        w.strip_prefix("--")
            .is_some_and(|o| ours.contains(&o.split_once('=').map_or(o, |(name, _)| name)))
    });
    match hit {
        Some(w) => Err(format!(
            "'{w}' follows the image, where docker passes it to the container's command: put the doctor's options before the run line, or write `--` before the line to keep it in the command"
        )),
        None => Ok(()),
    }
}

/// The commands that print text, not a report: `--json` would be silently
/// ignored there.
fn text_only(cli: &Cli) -> Option<&'static str> {
    match &cli.command {
        Some(Command::Version) => Some("version"),
        _ if cli.version => Some("--version"),
        Some(Command::Completions { .. }) => Some("completions"),
        Some(Command::Man { .. }) => Some("man"),
        Some(Command::Capture { dir: Some(_), .. }) => Some("capture DIR"),
        Some(Command::Capture { .. }) => Some("capture --bundle (its report.json is the JSON)"),
        _ if cli.list_checks => Some("--list-checks"),
        _ if cli.explain.is_some() => Some("--explain"),
        _ => None,
    }
}

/// `capture --bundle FILE`: record, render the report from the recording,
/// write both into one file.
fn capture_bundle(cli: &Cli, path: &std::path::Path) -> Result<i32, String> {
    // Refused before probing, not after.
    if path.symlink_metadata().is_ok() {
        return Err(format!(
            "{}: exists; a bundle is written to a new file",
            path.display()
        ));
    }
    let (mut bundle, d) = app::capture_bundle(&request(cli), !cli.no_redact)?;
    let json = report::json::render(&d.facts, &d.findings, cli.strict, d.recipe.as_ref(), &[]);
    // As `--from` will print it.
    let json = if cli.no_redact {
        json
    } else {
        redacted_json(&json, &redactor(&d))
    };
    bundle.add("report.json", json.into_bytes());
    probe::bundle::write(path, &bundle)?;
    let verdict = Verdict::of(&d.findings, cli.strict);
    eprintln!(
        "wrote {}: {} entries ({} image{}{}), verdict {}; replay it with: sdctr-doctor --from {}",
        path.display(),
        bundle.len(),
        d.facts.images.len(),
        if d.facts.images.len() == 1 { "" } else { "s" },
        if d.facts.container.is_some() {
            ", a container"
        } else {
            ""
        },
        verdict.as_str(),
        path.display()
    );
    Ok(0)
}

/// The daemon to ask: under `--root` another host's files are read, so the
/// local daemon is not asked unless `--docker-host` names one.
fn docker_options(cli: &Cli) -> probe::docker::Options {
    let opts = probe::docker::Options::new(
        cli.docker_host.clone(),
        std::time::Duration::from_secs_f64(cli.timeout),
        cli.no_docker,
    );
    let other_host = cli
        .root
        .as_deref()
        .and_then(|r| std::fs::canonicalize(r).ok())
        .is_some_and(|r| r != std::path::Path::new("/"));
    if other_host && cli.docker_host.is_none() && !cli.no_docker {
        opts.skipped_because(format!(
            "--root {}: the host's files are read from there, so this machine's daemon was not asked (name that host's daemon with --docker-host)",
            cli.root.as_deref().unwrap_or_else(|| std::path::Path::new("")).display()
        ))
    } else {
        opts
    }
}

/// What the diagnosis must not give away: the facts' secrets and each
/// target's run line.
fn redactor(d: &app::Diagnosis) -> Redactor {
    let mut r = Redactor::new(&d.facts);
    if d.facts.host.live {
        if let Some(h) = probe::hostname() {
            r.add_hostname(&h);
        }
    }
    for t in &d.targets {
        if let Ok(run) = &t.target.run {
            r.add_run(run);
        }
        match &t.target.origin {
            Origin::Compose(s) => {
                r.add_yaml(&s.merged_in);
                r.add_yaml(&s.node);
            }
            Origin::Molecule(p) => {
                if let yaml_rust2::Yaml::Hash(h) = &p.node {
                    r.add_yaml(h);
                }
            }
        }
        r.keep(&t.target.name);
    }
    r
}

/// The rendered document, redacted (after the verdict was decided).
fn redacted_json(out: &str, r: &Redactor) -> String {
    r.json_text(out).expect("the report is JSON")
}

fn style(cli: &Cli) -> human::Style {
    human::Style {
        color: cli.color.enabled(),
        verbose: cli.verbose,
        width: width(),
    }
}

/// The terminal's width, or 100 columns when stdout is not a terminal.
fn width() -> usize {
    let out = std::io::stdout();
    if !out.is_terminal() {
        return 100;
    }
    terminal_size::terminal_size_of(&out).map_or(100, |(w, _)| usize::from(w.0))
}

fn request(cli: &Cli) -> Request {
    Request {
        root: cli.root.clone(),
        facts_file: cli.facts.clone(),
        docker: docker_options(cli),
        images: cli.images.clone(),
        image_reader: cli.image_reader.into(),
        input: match &cli.command {
            Some(Command::Lint {
                compose, service, ..
            }) if !compose.is_empty() => Input::Compose {
                files: compose.clone(),
                services: service.clone(),
            },
            Some(Command::Lint {
                molecule: Some(file),
                ..
            }) => Input::Molecule(file.clone()),
            Some(Command::Lint {
                dockerfile: Some(file),
                ..
            }) => Input::Dockerfile(file.clone()),
            Some(Command::Lint { line, .. }) => Input::RunLine(line.clone()),
            Some(Command::Container { reference }) => Input::Container(reference.clone()),
            Some(Command::Capture {
                container: Some(c), ..
            }) => Input::Container(c.clone()),
            Some(Command::Capture { line, .. }) if !line.is_empty() => Input::RunLine(line.clone()),
            Some(
                Command::Capture { .. }
                | Command::Triage { .. }
                | Command::Completions { .. }
                | Command::Man { .. }
                | Command::Version,
            )
            | None => Input::Host,
        },
        selection: Selection {
            only: cli.only.clone(),
            skip: cli.skip.clone(),
        },
    }
}

/// The main page, or a subcommand's (`sdctr-doctor-lint(1)`, as the main
/// page's SUBCOMMANDS section names it).
fn man_page(page: Option<&str>) -> Result<String, String> {
    let mut cmd = args::command().disable_help_subcommand(true);
    cmd.build();
    if let Some(name) = page {
        let pages: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        let sub = cmd
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| format!("no man page for '{name}' (pages: {})", pages.join(", ")))?;
        cmd = sub;
    }
    let main = page.is_none();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if main {
        // The ids --only, --skip and --explain take, before the exit codes.
        let mut roff = roff::Roff::new();
        roff.control("SH", ["CHECKS"]);
        for c in checks::registry() {
            roff.control("TP", []);
            roff.text([roff::bold(c.id)]);
            roff.text([roff::roman(c.title)]);
        }
        let preamble = roff::Roff::new().render();
        let section = roff.render();
        let section = section.strip_prefix(&preamble).unwrap_or(&section);
        let at = text.find("\n.SH EXTRA\n").map_or(text.len(), |i| i + 1);
        text.insert_str(at, section);
    }
    Ok(text)
}

/// `sdctr-doctor 0.1.0`; in detail also what build.rs recorded.
fn version(detail: bool) -> String {
    let mut s = format!("sdctr-doctor {}\n", env!("CARGO_PKG_VERSION"));
    if detail {
        let features = env!("SDCTR_FEATURES");
        s.push_str(&format!(
            "commit: {}\ntarget: {}\nprofile: {}\nfeatures: {}\n",
            option_env!("SDCTR_GIT_COMMIT").unwrap_or("unknown (not built from a git checkout)"),
            env!("SDCTR_TARGET"),
            env!("SDCTR_PROFILE"),
            if features.is_empty() {
                "none"
            } else {
                features
            },
        ));
    }
    s
}

/// `triage FILE|-`: always exit 0 once the input is read; it reports, it
/// does not judge.
fn triage(cli: &Cli, input: &Path) -> Result<i32, String> {
    if input == Path::new("-") && std::io::stdin().is_terminal() {
        eprintln!("sdctr-doctor triage: reading the log from standard input: paste it, then press Ctrl-D (or give a FILE)");
    }
    let t = app::triage(input)?;
    let out = match (cli.json, cli.format) {
        (true, _) | (false, Format::Json) => report::triage::json(&t),
        (false, Format::Markdown) => report::triage::markdown(&t),
        (false, Format::Human) => report::triage::human(&t, style(cli)),
    };
    // A pasted log is redacted where the report is: JSON and Markdown.
    let out = if cli.no_redact || (cli.format == Format::Human && !cli.json) {
        out
    } else if cli.format == Format::Markdown && !cli.json {
        report::markdown::blocks::escape_inserted(&crate::redact::patterns(&out), "<redacted")
    } else {
        crate::redact::patterns(&out)
    };
    print(&out);
    Ok(0)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
}
