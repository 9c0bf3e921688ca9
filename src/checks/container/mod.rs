//! Container checks: an existing container (`sdctr-doctor container NAME|ID`),
//! how it ended up and what it printed. Its settings are judged by the run checks.

pub(crate) mod logs;
pub(crate) mod state;

use crate::checks::Outcome;
use crate::facts::container::ContainerFacts;
use crate::facts::Facts;

/// The container, or the outcome every container check gives without one.
pub(crate) fn container(facts: &Facts) -> Result<&ContainerFacts, Outcome> {
    facts
        .container
        .as_ref()
        .ok_or_else(|| Outcome::skip("no container given (sdctr-doctor container NAME|ID)"))
}

/// `name (0123456789ab)`.
pub(crate) fn label(c: &ContainerFacts) -> String {
    let short: String = c.id.chars().take(12).collect();
    if c.name.is_empty() {
        short
    } else {
        format!("{} ({short})", c.name)
    }
}

pub(crate) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod testing {
    //! A real container's facts (from the inspect answer in the docker testdata).

    use crate::facts::container::{ContainerFacts, LogTail, SystemdState};
    use crate::facts::{Facts, Probed};
    use crate::probe::docker::container::Inspect;

    pub(crate) fn exited(lines: &[&str], tty: bool) -> Facts {
        let mut c = inspected();
        c.config.tty = tty;
        c.logs = Some(Probed::Ok(LogTail {
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
            truncated: false,
        }));
        with(c)
    }

    pub(crate) fn running(state: &str, failed: &[&str]) -> Facts {
        let mut c = inspected();
        c.state.status = "running".into();
        c.state.running = true;
        c.state.exit_code = 0;
        c.systemd = Some(Probed::Ok(SystemdState {
            system_state: state.into(),
            exit_code: Some(0),
            failed_units: failed.iter().map(|u| (*u).to_owned()).collect(),
            note: None,
        }));
        with(c)
    }

    pub(crate) fn inspected() -> ContainerFacts {
        Inspect::from_json(include_bytes!(
            "../../probe/docker/testdata/inspect-exited-v1.json"
        ))
        .unwrap()
        .facts("sdctr-truth-sample")
    }

    pub(crate) fn with(c: ContainerFacts) -> Facts {
        let mut f = crate::testing::hybrid_host();
        f.container = Some(c);
        f
    }
}
