//! Known systemd boot failures: a log line → its cause and the fix that worked;
//! and the daemon's refusals to start a container, which are not systemd's.

pub(crate) mod refusals;
pub(crate) mod systemd_logs;
