//! sdctr-doctor: will systemd boot as PID 1 in a Docker container on this host?
//!
//! Data flows one way: [`probe`] (all I/O) → [`facts`] (serde structs) →
//! [`checks`] (pure functions, stable ids) → [`report`] (human and JSON).

pub mod capture;
pub mod checks;
pub mod cli;
pub mod diagnose;
pub mod facts;
pub mod probe;
pub mod report;
pub mod run;
