//! The corrected run line as the human report shows it.

use crate::checks::{Finding, Status};
use crate::recipe::Recipe;

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

/// The corrected line as one shell line.
pub(crate) fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why there is no corrected line although a run check fails; `None` when
/// no run check fails.
pub(crate) fn why_none(findings: &[Finding]) -> Option<String> {
    let run_fails = findings
        .iter()
        .any(|f| f.group == "run" && f.status == Status::Fail);
    let blockers: Vec<&str> = findings
        .iter()
        // A container's own checks say what it did, not what a line can fix.
        .filter(|f| f.group != "run" && f.group != "container" && f.status == Status::Fail)
        .map(|f| f.id.as_str())
        .collect();
    if !run_fails {
        None
    } else if !blockers.is_empty() {
        Some(format!(
            "No corrected run line: no run flags can fix {} (see above).",
            blockers.join(", ")
        ))
    } else {
        Some(
            "No corrected run line: no line the doctor would pass can be made here (see the failures above)."
                .into(),
        )
    }
}

/// Said under a line made from a container's settings.
pub(crate) const FROM_CONTAINER: &str = "made from the container's settings that matter to systemd: add its ports, networks, env and other options";

/// The line made from a container reuses its name, which the old container
/// still holds.
pub(crate) fn keeps_name(r: &Recipe) -> Option<String> {
    let name = r
        .spec
        .options
        .iter()
        .find(|a| a.name == "name")
        .and_then(|a| a.value.as_deref())?;
    Some(format!(
        "it keeps the name: remove the old container first, docker rm {}",
        shell_word(name)
    ))
}

/// The corrected line for a terminal: indented, and broken between words
/// with a ` \` continuation to fit `columns`, so it still pastes into a shell.
/// An option stays on the line of its value (`--tmpfs /run`).
pub(crate) fn wrapped(argv: &[String], columns: usize) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|w| super::safe(&shell_word(w)).into_owned())
        .collect();
    let mut units: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let takes_value = w.starts_with('-') && !w.contains('=') && i > 1;
        match words.get(i + 1) {
            Some(next) if takes_value && !next.starts_with('-') => {
                units.push(format!("{w} {next}"));
                i += 2;
            }
            _ => {
                units.push(w.clone());
                i += 1;
            }
        }
    }
    let mut out = String::from("  ");
    let mut used = 2;
    for (i, u) in units.iter().enumerate() {
        let width = u.chars().count();
        if i > 0 && used + 1 + width + 2 > columns {
            out.push_str(" \\\n    ");
            used = 4;
        } else if i > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(u);
        used += width;
    }
    out.push('\n');
    out
}

/// The human report's tail for `lint` and `container`: the corrected line and
/// its compose service, or why there is none.
/// `from_container`: the line was made from a container's settings.
pub fn render(
    findings: &[Finding],
    recipe: Option<&Recipe>,
    from_container: bool,
    columns: usize,
) -> String {
    match recipe {
        Some(r) => {
            let compose: String = super::compose::service(&r.spec)
                .lines()
                .map(|l| format!("  {}\n", super::safe(l)))
                .collect();
            let mut out = format!(
                "\nCorrected run line for this host:\n{}\nAs a compose service:\n{compose}",
                wrapped(&r.argv, columns)
            );
            if from_container {
                out.push_str(&format!("  ({FROM_CONTAINER})\n"));
                if let Some(note) = keeps_name(r) {
                    out.push_str(&format!("  ({})\n", super::safe(&note)));
                }
            }
            out
        }
        None => why_none(findings)
            .map(|w| format!("\n{w}\n"))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_container_line_says_to_remove_the_old_one() {
        let argv: Vec<String> =
            "docker run -d --name sdctr-c-a --tmpfs /run sdctr-test/bookworm-systemd"
                .split(' ')
                .map(str::to_owned)
                .collect();
        let spec = crate::runline::parse::parse(&argv).unwrap();
        let r = Recipe { argv, spec };
        assert!(render(&[], Some(&r), true, 100).contains("docker rm sdctr-c-a"));
        assert!(!render(&[], Some(&r), false, 100).contains("docker rm"));
    }

    #[test]
    fn a_wrapped_line_pastes_into_a_shell() {
        let argv: Vec<String> = "docker run -d --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --stop-signal SIGRTMIN+3 --privileged --cgroupns=host centos:7"
            .split(' ')
            .map(String::from)
            .collect();
        for columns in [40, 60, 100, 200] {
            let text = wrapped(&argv, columns);
            assert!(
                text.lines().all(|l| l.chars().count() <= columns),
                "{columns}:\n{text}"
            );
            // A shell joins the continued lines back into the same words.
            assert_eq!(shlex::split(&text.replace("\\\n", " ")).unwrap(), argv);
            assert_eq!(
                text.lines().count() > 1,
                columns < 130,
                "{columns}:\n{text}"
            );
            // An option and its value stay on one line.
            assert!(
                !text.contains("--tmpfs \\\n") && !text.contains("--stop-signal \\\n"),
                "{columns}:\n{text}"
            );
        }
    }
}
