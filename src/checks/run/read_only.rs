use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;
use crate::runline::systemd::premounted;

pub(crate) static CHECK: Check = Check {
    id: "run.read-only",
    title: "root filesystem writable",
    explain:
        "With --read-only the image's root is read-only. systemd itself copes (it needs writable \
/run and /tmp, mounted or pre-mounted), but journald, /var/lib/systemd (random seed, timers) and \
most services write under /var and /etc: they need volumes or tmpfs there, or they fail one by one.",
    sources: &[
        "systemd docs/CONTAINER_INTERFACE.md",
        "Docker docs: docker run --read-only",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if !s.spec.read_only {
        return Outcome::pass("the root filesystem is writable");
    }
    let writable: Vec<&str> = ["/run", "/tmp", "/var"]
        .into_iter()
        .filter(|p| {
            premounted(s.spec, p) || s.spec.mounts.iter().any(|m| m.is_at(p) && !m.read_only)
        })
        .collect();
    Outcome::warn(format!(
        "--read-only: systemd can boot, but journald and services writing under /var or /etc will fail unless those are mounted (writable mounts seen: {})",
        if writable.is_empty() { "none".to_owned() } else { writable.join(", ") }
    ))
    .fix("Mount what the services write (e.g. --tmpfs /var/log/journal, a volume on /var/lib/...), or drop --read-only.", &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::with_line;
    use crate::checks::Status;
    use crate::testing::unified_host;

    #[test]
    fn table() {
        for (line, want) in [
            ("docker run IMG", Status::Pass),
            ("docker run --read-only=false IMG", Status::Pass),
            (
                "docker run --read-only --tmpfs /run --tmpfs /tmp IMG",
                Status::Warn,
            ),
        ] {
            assert_eq!(run(&with_line(unified_host(), line)).status, want, "{line}");
        }
    }
}
