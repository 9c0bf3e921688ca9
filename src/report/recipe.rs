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

/// The human report's tail for `lint` and `container`: the corrected line and
/// its compose service, or why there is none.
/// `from_container`: the line was made from a container's settings.
pub fn render(findings: &[Finding], recipe: Option<&Recipe>, from_container: bool) -> String {
    let run_fails = findings
        .iter()
        .any(|f| f.group == "run" && f.status == Status::Fail);
    let blockers: Vec<&str> = findings
        .iter()
        // A container's own checks say what it did, not what a line can fix.
        .filter(|f| f.group != "run" && f.group != "container" && f.status == Status::Fail)
        .map(|f| f.id.as_str())
        .collect();
    match recipe {
        Some(r) => {
            let line: Vec<String> = r.argv.iter().map(|w| super::safe(&shell_word(w)).into_owned()).collect();
            let line = line.join(" ");
            let compose: String = super::compose::service(&r.spec)
                .lines().map(|l| format!("  {}\n", super::safe(l))).collect();
            let mut out = format!("\nCorrected run line for this host:\n  {line}\n\nAs a compose service:\n{compose}");
            if from_container {
                out.push_str("  (made from the container's settings that matter to systemd: add its ports, networks, env and other options)\n");
                // The line reuses the container's name, which the old one still holds.
                let name = r.spec.options.iter().find(|a| a.name == "name").and_then(|a| a.value.as_deref());
                if let Some(name) = name {
                    out.push_str(&format!("  (it keeps the name: remove the old container first, docker rm {})\n", super::safe(&shell_word(name))));
                }
            }
            out
        }
        None if run_fails && !blockers.is_empty() => format!(
            "\nNo corrected run line: no run flags can fix {} (see above).\n",
            blockers.join(", ")
        ),
        None if run_fails => "\nNo corrected run line: no line the doctor would pass can be made here (see the failures above).\n".into(),
        None => String::new(),
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
        assert!(render(&[], Some(&r), true).contains("docker rm sdctr-c-a"));
        assert!(!render(&[], Some(&r), false).contains("docker rm"));
    }
}
