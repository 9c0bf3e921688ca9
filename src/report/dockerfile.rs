//! `lint --dockerfile`: the fix as a unified diff of the file: the lines the
//! failing image and Dockerfile checks want removed, and the instructions
//! they want added, at the end (the last instruction wins).

use std::collections::BTreeMap;

use similar::TextDiff;

use crate::checks::{Finding, Status};
use crate::facts::Facts;

/// The diff, when a check that warns or fails has an edit of the file.
pub fn fix(facts: &Facts, findings: &[Finding]) -> Option<String> {
    let df = facts.dockerfile.as_ref()?;
    let image = facts.images.iter().find(|i| i.reference == df.image_ref());
    let bad = |id: &str, fail_only: bool| {
        findings.iter().any(|f| {
            f.id == id
                && f.remediation.is_some()
                && (f.status == Status::Fail || (!fail_only && f.status == Status::Warn))
        })
    };
    // Line (1-based) → what replaces the instruction starting there.
    let mut replace: BTreeMap<usize, (usize, Option<String>)> = BTreeMap::new();
    let mut add: Vec<String> = Vec::new();
    if bad("dockerfile.systemd-installed", true) {
        let line = findings
            .iter()
            .find(|f| f.id == "dockerfile.systemd-installed")
            .and_then(|f| f.remediation.as_ref())
            .and_then(|r| r.commands.first())
            .filter(|c| c.starts_with("RUN "));
        add.extend(line.cloned());
    }
    if bad("dockerfile.cgroup-volume", false) {
        for v in &df.volumes {
            let keep: Vec<&String> = v.value.iter().filter(|p| !is_cgroup(p)).collect();
            if keep.len() < v.value.len() {
                let new = (!keep.is_empty())
                    .then(|| format!("VOLUME {}", serde_json::to_string(&keep).expect("strings")));
                replace.insert(v.line, (v.last_line, new));
            }
        }
    }
    if bad("image.container-env", false) {
        add.push("ENV container=docker".into());
    }
    if bad("image.stop-signal", false) {
        for s in &df.stop_signal {
            replace.insert(s.line, (s.last_line, None));
        }
        add.push("STOPSIGNAL SIGRTMIN+3".into());
    }
    if bad("image.user", false) {
        for u in &df.user {
            replace.insert(u.line, (u.last_line, None));
        }
        if df.user.is_empty() {
            add.push("USER root".into());
        }
    }
    if bad("image.init", false) {
        let init = image
            .and_then(|i| i.systemd_path.clone())
            .unwrap_or_else(|| "/sbin/init".into());
        let entrypoint = !df.entrypoint.is_empty()
            || image.is_some_and(|i| i.entrypoint.as_ref().is_some_and(|e| !e.is_empty()));
        for x in df.entrypoint.iter().chain(&df.cmd) {
            replace.insert(x.line, (x.last_line, None));
        }
        if entrypoint {
            add.push(format!("ENTRYPOINT [\"{init}\"]"));
            add.push("CMD []".into());
        } else {
            add.push(format!("CMD [\"{init}\"]"));
        }
    }
    if replace.is_empty() && add.is_empty() {
        return None;
    }
    let mut new = String::new();
    let mut skip_to = 0;
    for (i, line) in df.text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        if n <= skip_to {
            continue;
        }
        match replace.get(&n) {
            Some((last, with)) => {
                skip_to = *last;
                if let Some(w) = with {
                    new.push_str(w);
                    new.push('\n');
                }
            }
            None => new.push_str(line),
        }
    }
    if !add.is_empty() {
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str("\n# systemd as PID 1 (sdctr-doctor)\n");
        for a in add {
            new.push_str(&a);
            new.push('\n');
        }
    }
    let diff = TextDiff::from_lines(df.text.as_str(), new.as_str());
    Some(
        diff.unified_diff()
            .context_radius(2)
            .header(&df.path, &df.path)
            .to_string(),
    )
}

fn is_cgroup(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p == "/sys/fs/cgroup" || p.starts_with("/sys/fs/cgroup/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::dockerfile::testing::with_dockerfile;
    use crate::checks::{run, Selection};
    use crate::testing::unified_host;

    fn diff_of(text: &str) -> Option<String> {
        let f = with_dockerfile(unified_host(), text, None);
        fix(&f, &run(&f, &Selection::default()))
    }

    #[test]
    fn the_bad_file_gets_every_edit() {
        let text = "FROM debian:12\n\
RUN apt-get update && apt-get install -y \\\n    systemd systemd-sysv\n\
USER app\n\
VOLUME [\"/sys/fs/cgroup\", \"/data\"]\n\
CMD [\"bash\"]\n";
        let d = diff_of(text).expect("a diff");
        for want in [
            "--- Dockerfile\n+++ Dockerfile\n",
            "-USER app\n",
            "-VOLUME [\"/sys/fs/cgroup\", \"/data\"]\n",
            "+VOLUME [\"/data\"]\n",
            "-CMD [\"bash\"]\n",
            "+STOPSIGNAL SIGRTMIN+3\n",
            "+CMD [\"/lib/systemd/systemd\"]\n",
        ] {
            assert!(d.contains(want), "{want:?} not in\n{d}");
        }
        assert!(!d.contains("+USER"), "{d}");
        // systemd's version is unknown until built: it may need $container.
        assert!(d.contains("+ENV container=docker\n"), "{d}");
    }

    #[test]
    fn a_good_file_gets_none_and_installs_go_first() {
        let good = "FROM debian:12\nENV container=docker\n\
RUN apt-get update && apt-get install -y systemd systemd-sysv\n\
STOPSIGNAL SIGRTMIN+3\nCMD [\"/lib/systemd/systemd\"]\n";
        assert_eq!(diff_of(good), None);
        // Nothing installs systemd on scratch: the RUN comes before the CMD.
        let d = diff_of("FROM debian:12 AS x\nFROM scratch\nENTRYPOINT /app\n").unwrap();
        assert!(d.contains("-ENTRYPOINT /app\n"), "{d}");
        assert!(d.contains("+ENTRYPOINT [\"/sbin/init\"]\n+CMD []\n"), "{d}");
    }
}
