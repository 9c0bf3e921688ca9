//! sdctr-doctor: will systemd boot as PID 1 in a Docker container on this host?
//!
//! Data flows one way, each layer using only the ones below it
//! (docs/ARCHITECTURE.md draws it; `tests/layers.rs` enforces it):
//!
//! ```text
//! cli → app → report → recipe → checks → runline → facts
//!              app → probe → facts     checks, report, app → diagnose
//! cli → redact → facts   (after the checks: what the JSON must not give away)
//! ```
//!
//! - [`facts`]: plain serde structs, everything the probes learned; what
//!   `--json` prints under `facts` and `--facts FILE` replays.
//! - `probe`: all I/O (host files through a root, the Docker Engine API,
//!   images through the daemon).
//! - [`runline`]: a `docker run` line (or a container's settings) parsed into
//!   the settings that matter to systemd, and what the daemon makes of them.
//! - [`checks`]: pure functions from facts to findings, with stable ids.
//! - [`recipe`]: the corrector: the run line that passes the checks here.
//! - [`report`]: human text, JSON, the compose service.
//! - [`redact`]: what a report or bundle must not give away, removed after
//!   the checks (no I/O, no verdict changes).
//! - [`app`]: a request in, a diagnosis out; [`cli`] parses and prints.
//!
//! # Public API
//! What a front end or a test may use:
//! - [`app::diagnose`] with [`app::Request`] / [`app::Input`], giving an
//!   [`app::Diagnosis`] (facts, findings, recipe); [`app::capture`];
//!   [`app::capture_bundle`] and [`app::replay`] with `probe::bundle::{Bundle,
//!   Manifest, Recorder, read, write}` (`capture --bundle`, `--from`).
//! - The [`facts`] types (the JSON schema of `facts`).
//! - [`checks::registry`], [`checks::find`], [`checks::Check`],
//!   [`checks::Finding`], [`checks::Status`], [`checks::Selection`].
//! - [`runline::from_line`], [`runline::from_argv`], [`runline::from_container`].
//! - [`recipe::Recipe`].
//! - [`report::human`], [`report::json`], [`report::markdown`], [`report::recipe`], [`report::Verdict`].
//! - [`redact::Redactor`] (a rendered report, Markdown or stored facts
//!   redacted) and [`redact::raw`] (the raw inputs a bundle stores).
//! - For integration tests of the Engine client and the image readers only:
//!   `probe::docker::{run, JSON_CAP, client, endpoint::DEFAULT_HOST,
//!   scratch_container::remove}` (`client::Endpoint` names the `ssh::Spec`
//!   and `tls::Tls` of its ssh and TLS variants) and `probe::image::{analyze, ImageInspect,
//!   TarFiles}`.
//! - For the fuzz targets in `fuzz/` and `tests/fuzz_corpus.rs` only: the
//!   doc-hidden `fuzzing` module, one `fn(&[u8])` per target (listed in
//!   `fuzzing::TARGETS`), none of which may panic on any input.
//!
//! Everything else is `pub(crate)`.

#![deny(unreachable_pub)]

pub mod app;
pub mod checks;
pub mod cli;
pub(crate) mod diagnose;
pub mod facts;
#[doc(hidden)]
pub mod fuzzing;
pub mod probe;
pub mod recipe;
pub mod redact;
pub mod report;
pub mod runline;
#[cfg(test)]
pub(crate) mod testing;
