//! Command line: parse, hand a request to [`crate::app`], print, choose the
//! exit code.

mod args;

use std::io::{IsTerminal, Write};

use clap::Parser;

use crate::app::{self, Input, Request};
use crate::checks::{self, Selection};
use crate::probe;
use crate::report::{self, human, targets::TargetDiagnosis, Verdict};
use args::{Cli, Command, Format};

/// Exit code when the doctor itself could not run (usage errors too).
pub const EXIT_ERROR: i32 = 2;

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap's own codes: 2 for a usage error (our EXIT_ERROR), 0 for --help.
            let _ = e.print();
            return e.exit_code();
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("sdctr-doctor: error: {msg}");
            EXIT_ERROR
        }
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    if cli.list_checks {
        print(&human::check_list(&checks::registry()));
        return Ok(0);
    }
    if let Some(id) = &cli.explain {
        let c =
            checks::find(id).ok_or_else(|| format!("unknown check '{id}' (see --list-checks)"))?;
        print(&human::explanation(c));
        return Ok(0);
    }
    if let Some(Command::Capture { dir }) = &cli.command {
        let n = app::capture(cli.root.as_deref(), dir)?;
        eprintln!("captured {n} files into {}", dir.display());
        return Ok(0);
    }
    let request = request(&cli);
    let d = app::diagnose(&request)?;
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
        report::json::render(
            &d.facts,
            &d.findings,
            cli.strict,
            d.recipe.as_ref(),
            &targets,
        )
    } else if cli.format == Format::Markdown {
        report::markdown::render(
            &d.facts,
            &d.findings,
            d.recipe.as_ref(),
            &targets,
            report::markdown::Options {
                strict: cli.strict,
                from_container: matches!(request.input, Input::Container(_)),
                diff: matches!(cli.command, Some(Command::Lint { diff: true, .. })),
            },
        )
    } else if !targets.is_empty() {
        let diff = matches!(cli.command, Some(Command::Lint { diff: true, .. }));
        report::targets::human(&d.findings, &targets, cli.strict, style(&cli), diff)
    } else {
        let dockerfile = report::dockerfile::fix(&d.facts, &d.findings);
        let fix = human::Fix {
            recipe: d.recipe.as_ref(),
            from_container: matches!(request.input, Input::Container(_)),
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
        docker: probe::docker::Options::new(
            cli.docker_host.clone(),
            std::time::Duration::from_secs_f64(cli.timeout),
            cli.no_docker,
        ),
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
            Some(Command::Capture { .. }) | None => Input::Host,
        },
        selection: Selection {
            only: cli.only.clone(),
            skip: cli.skip.clone(),
        },
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
}
